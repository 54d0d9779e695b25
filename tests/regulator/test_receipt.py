"""Receiving submissions (issue #20, items 3 and 7): verified, stored once, refused precisely."""

from __future__ import annotations

import copy
import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from karpear.audit.models import AuditEntry
from karpear.core import signing
from karpear.regulator.models import Channel, RegisteredCompany, Submission
from karpear.regulator.receipt import SubmissionRefused, submission_receive
from karpear.regulator.registry import company_register, key_revoke
from tests.cast import Person
from tests.regulator.conftest import sign, this_year
from tests.regulator.world import key_in_force

pytestmark = pytest.mark.django_db


def _receive(company: RegisteredCompany, envelope: Any, **kw: Any) -> tuple[Submission, bool]:
    return submission_receive(
        company=company,
        period_label=kw.pop("period", this_year()),
        envelope=envelope,
        transparency=kw.pop("transparency", None),
        channel=Channel.API,
    )


def _refused(company: RegisteredCompany, envelope: Any, **kw: Any) -> str:
    before = Submission.objects.count()
    with pytest.raises(SubmissionRefused) as caught:
        _receive(company, envelope, **kw)
    assert Submission.objects.count() == before  # nothing half-stored
    assert AuditEntry.objects.filter(
        action="regulator_submission_refused", detail__code=caught.value.code
    ).exists()
    return caught.value.code


def test_a_signed_package_is_verified_and_stored_with_its_hash(
    registered: RegisteredCompany, acme_payload: dict[str, Any]
) -> None:
    envelope = sign(acme_payload)
    submission, created = _receive(registered, envelope)
    assert created
    assert submission.sha256 == hashlib.sha256(signing.canonical_json(envelope)).hexdigest()
    assert submission.key == registered.keys.get()
    summary = submission.summary
    assert summary["minimum_total"] > 0
    assert (
        summary["minimum_met"] + summary["minimum_partial"] + summary["minimum_not_met"]
        == (summary["minimum_total"])
    )
    assert len(summary["outcomes"]) == len(acme_payload["answers"])
    with pytest.raises(ValueError):
        submission.save()  # immutable


def test_the_same_package_again_is_the_same_submission(
    registered: RegisteredCompany, acme_payload: dict[str, Any]
) -> None:
    envelope = sign(acme_payload)
    first, _ = _receive(registered, envelope)
    again, created = _receive(registered, copy.deepcopy(envelope))
    assert (again.pk, created) == (first.pk, False)
    assert Submission.objects.count() == 1


def test_a_tampered_package_is_refused(
    registered: RegisteredCompany, acme_payload: dict[str, Any]
) -> None:
    envelope = sign(acme_payload)
    envelope["payload"]["summary"]["minimum_met"] = 999
    assert _refused(registered, envelope) == "bad_signature"


def test_a_package_signed_with_another_key_is_refused_even_if_it_carries_that_key(
    registered: RegisteredCompany, acme_payload: dict[str, Any]
) -> None:
    envelope = signing.sign(acme_payload, context="org:impostor")
    envelope["public_key"] = signing.public_key_b64("org:impostor")
    assert _refused(registered, envelope) == "bad_signature"


def test_another_companys_package_is_refused(
    registered: RegisteredCompany, acme_payload: dict[str, Any], head: Person
) -> None:
    bayon_company = company_register(
        member=head.member,
        name="Bayon",
        slug="bayon",
        licence_number="L-2",
        sector="social",
        size="small",
    )
    key_in_force(head, bayon_company, signing.public_key_b64("org:bayon"))
    # Acme's genuine package, sent with Bayon's key.
    assert _refused(bayon_company, sign(acme_payload)) == "other_company"


def test_a_revoked_key_is_refused_and_a_rotated_one_overlaps(
    registered: RegisteredCompany, acme_payload: dict[str, Any], head: Person
) -> None:
    old = registered.keys.get()
    new = key_in_force(head, registered, signing.public_key_b64("org:acme-2"))
    old.refresh_from_db()
    assert old.retires_at is not None and old.retires_at > timezone.now() + timedelta(days=29)
    assert AuditEntry.objects.filter(action="regulator_key_register").count() == 2
    assert AuditEntry.objects.filter(action="regulator_key_confirm").count() == 2
    # During the overlap both keys verify.
    _receive(registered, sign(acme_payload))
    later = (timezone.now()).isoformat()
    _receive(registered, sign(acme_payload, "acme-2", assessment__signed_at=later))
    key_revoke(member=head.member, key_id=new.pk)
    newest = (timezone.now()).isoformat()
    assert (
        _refused(registered, sign(acme_payload, "acme-2", assessment__signed_at=newest))
        == "revoked_key"
    )


def test_a_replayed_older_package_is_refused(
    registered: RegisteredCompany, acme_payload: dict[str, Any]
) -> None:
    _receive(registered, sign(acme_payload))
    older = (timezone.now() - timedelta(days=3)).isoformat()
    assert _refused(registered, sign(acme_payload, assessment__signed_at=older)) == (
        "older_than_last"
    )


@pytest.mark.parametrize(
    ("envelope", "code"),
    [
        ({"payload": "x", "signature": "AAAA"}, "not_signed"),
        ([], "not_signed"),
        ({"payload": {"organisation": {"slug": "acme"}}, "signature": "!!"}, "bad_signature"),
    ],
)
def test_malformed_envelopes_are_refused(
    registered: RegisteredCompany, envelope: Any, code: str
) -> None:
    assert _refused(registered, envelope) == code


def test_a_package_against_the_schema_is_refused_with_the_place_named(
    registered: RegisteredCompany, acme_payload: dict[str, Any]
) -> None:
    envelope = sign(acme_payload, format="something-else")
    with pytest.raises(SubmissionRefused) as caught:
        _receive(registered, envelope)
    assert caught.value.code == "schema"
    assert "format" in caught.value.fields


def test_wrong_and_unknown_periods_are_refused(
    registered: RegisteredCompany, acme_payload: dict[str, Any]
) -> None:
    assert _refused(registered, sign(acme_payload), period="1999") == "unknown_period"
    long_ago = "2001-01-01T00:00:00+00:00"
    assert _refused(registered, sign(acme_payload, assessment__signed_at=long_ago)) == (
        "wrong_period"
    )


def test_the_periods_year_is_cambodias_year(
    registered: RegisteredCompany, acme_payload: dict[str, Any]
) -> None:
    """Signed at 00:30 on 1 January in Phnom Penh (17:30 UTC the day before): that year's."""
    year = int(this_year())
    first_hour = f"{year - 1}-12-31T17:30:00+00:00"
    submission, created = _receive(registered, sign(acme_payload, assessment__signed_at=first_hour))
    assert created and timezone.localtime(submission.signed_at).year == year
    last_hour_before = f"{year - 2}-12-31T16:30:00+00:00"  # 23:30 local, two years before
    assert _refused(registered, sign(acme_payload, assessment__signed_at=last_hour_before)) == (
        "wrong_period"
    )


def test_a_transparency_report_must_be_karpears_published_json(
    registered: RegisteredCompany, acme_payload: dict[str, Any]
) -> None:
    assert _refused(registered, sign(acme_payload), transparency={"x": 1}) == (
        "transparency_invalid"
    )
