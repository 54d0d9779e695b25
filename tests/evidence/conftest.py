"""Vault fixtures: a case with a preserved benign picture, and screened staff."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from karpear.cases.models import Case
from karpear.evidence.models import EvidenceItem, PersonnelRecord, Screening
from karpear.evidence.services import evidence_capture
from karpear.orgs.models import Organisation
from tests.cast import Person, make_case

_spec = importlib.util.spec_from_file_location(
    "reference_app", Path(__file__).resolve().parents[2] / "examples/reference_platform/app.py"
)
assert _spec and _spec.loader
_app = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_app)
benign_png: Any = _app.benign_png


def screen(person: Person, *, days_left: int = 200, result: str = Screening.CLEAR) -> None:
    today = timezone.localdate()
    PersonnelRecord.objects.update_or_create(
        staff=person.member,
        defaults={
            "screened_on": today - timedelta(days=30),
            "screening_result": result,
            "screening_expires_on": today + timedelta(days=days_left),
            "verified_by": "hr",
        },
    )


@pytest.fixture
def case(acme: Organisation) -> Case:
    return make_case(acme, url="https://social.example/p/8")


@pytest.fixture
def item(acme: Organisation, case: Case) -> EvidenceItem:
    return evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=benign_png(8),
        content_type="image/png",
        metadata={"owner": "u2", "ip": "x"},
        source="platform",
        actor="test platform",
    )


@pytest.fixture
def recipient(lead: Person) -> Any:
    """The Anti-Cybercrime Unit on Acme's register, added by the lead through the service."""
    from tests.cast import register_recipient

    return register_recipient(
        lead.member,
        name="Cyber desk, Officer Sok",
        agency="Anti-Cybercrime Unit",
        kind="law_enforcement",
        contact="+855 23 000 000",
    )
