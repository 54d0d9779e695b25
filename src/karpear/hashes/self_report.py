"""The self-report bank (issue #22, item 6): hashes a child made of her own image on her phone.

NCMEC's Take It Down and IWF's Report Remove model: the image never leaves her device, only its
PDQ and MD5 do. They go into the organisation's bank of source "self-report", whose policy is
KARPEAR_SELF_REPORT_POLICY ("review" by default: a matching upload is isolated and queued for a
person; "act" takes it down at once). A bank hash carries the self-report's reference as its
source ID, so the desk can tell which self-report a match came from, never who made it
(guidelines 2.4: the victim is never blamed; 2.6: privacy of the child).
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from karpear.audit.services import audit_record
from karpear.hashes.models import Bank, BankHash, BankSource, HashType
from karpear.hashes.services import check_hash
from karpear.orgs.models import Organisation

BANK_NAME = "self-report"
AGREEMENT = "Self-reports made on the take-it-down page: hashes only, made on the reporter's device"
KINDS = (HashType.PDQ, HashType.MD5)
MAX_HASHES = 40  # ten pictures, each PDQ as stored, PDQ as displayed and MD5, with room to spare


def self_report_bank(organisation: Organisation) -> Bank:
    """The organisation's self-report bank, made on first use with the configured policy."""
    bank = Bank.objects.filter(organisation=organisation, name=BANK_NAME).first()
    if bank is not None:
        return bank
    try:
        with transaction.atomic():
            bank = Bank.objects.create(
                organisation=organisation,
                name=BANK_NAME,
                source=BankSource.SELF_REPORT,
                agreement=AGREEMENT,
                policy=settings.KARPEAR_SELF_REPORT_POLICY,
            )
    except IntegrityError:  # made by a simultaneous request
        return Bank.objects.get(organisation=organisation, name=BANK_NAME)
    audit_record(
        action="hash_bank_create",
        organisation=organisation,
        actor_label="take-it-down",
        object_type="bank",
        object_id=bank.pk,
        detail={"name": BANK_NAME, "source": bank.source, "policy": bank.policy},
    )
    return bank


def parse_hashes(lines: list[str]) -> list[tuple[str, str]]:
    """ "kind:hex" lines as checked (kind, value) pairs, duplicates dropped; ValueError if bad."""
    pairs: list[tuple[str, str]] = []
    for line in lines:
        kind, sep, value = line.strip().partition(":")
        if not sep or kind.strip().lower() not in KINDS:
            raise ValueError(line[:80])
        try:
            pair = check_hash(kind, value)
        except Exception as exc:  # ApplicationError: its message names the problem
            raise ValueError(line[:80]) from exc
        if pair not in pairs:
            pairs.append(pair)
    if not pairs or len(pairs) > MAX_HASHES:
        raise ValueError("count")
    return pairs


def self_report_hashes_add(*, organisation: Organisation, hashes: list[tuple[str, str]]) -> int:
    """Add a self-report's hashes to the bank; the number new to it (a repeat adds none).

    Runs inside the caller's transaction. A PDQ hash is indexed like any imported one (the
    index reads new rows by id), so the next upload check already sees it. What is new is
    found among the (at most MAX_HASHES) given values, not by counting the whole bank twice:
    the bank grows with every self-report.
    """
    bank = self_report_bank(organisation)
    now = timezone.now()
    present = set(
        BankHash.objects.filter(bank=bank, value__in=[value for _, value in hashes]).values_list(
            "kind", "value"
        )
    )
    new = [pair for pair in dict.fromkeys(hashes) if pair not in present]
    BankHash.objects.bulk_create(
        [BankHash(bank=bank, kind=kind, value=value, added_at=now) for kind, value in new],
        ignore_conflicts=True,  # a simultaneous self-report of the same picture
    )
    return len(new)
