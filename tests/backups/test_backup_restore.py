"""Back up, destroy, restore: nothing the law required to be gone comes back (issue #23, 4),
and nothing whose retention ended meanwhile stays until the worker's next round.

Real processes on a real database (SQLite, or a new PostgreSQL database with DATABASE_URL):
`karpear backup` on one deployment, destructions after it, `karpear restore` into a new,
empty database and data directory that has only the keys and the erasure journal.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from tests.servers import _psql, fresh_environment

SETUP_AND_DESTROY = """
import json, sys
from datetime import timedelta
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
from django.utils import timezone
from karpear.audit.checkpoints import checkpoint_write
from karpear.cases.models import Case, CaseReport, State
from karpear.cases.services import erase_expired_contacts
from karpear.evidence.models import EvidenceItem
from karpear.concerns.models import Concern
from karpear.concerns.services import concern_raise
from karpear.evidence.services import evidence_capture, purge_expired
from karpear.takeitdown.models import SelfReport
from karpear.takeitdown.services import self_report_submit
from karpear.links.canonical import canonical_string
from karpear.orgs.models import Organisation
from karpear.reports.rules import ContactData, LinkData, ReportData
from karpear.reports.services import report_submit

org = Organisation.objects.get(slug="crash")
report, _ = report_submit(organisation=org, channel="web", data=ReportData(
    items=[LinkData(url="https://social.example/p/5", normalised_url=canonical_string(
        "https://social.example/p/5"))],
    category="sexual_image", seen_on=None, seen_at_time=None, seen_approximate=False,
    description="seen in a group", reporter_is_child=True,
    contact=ContactData(name="Sokha", phone="012345678")))
case = CaseReport.objects.get(report=report).case
items = [evidence_capture(organisation=org, case_id=case.pk, content=b"benign %d" % i,
    content_type="application/octet-stream", metadata={}, source="platform", actor="test")
    for i in range(3)]
keep, destroyed_after, expires_meanwhile = items
soon = timezone.now() + timedelta(seconds=1)  # after the backup, before the restore
EvidenceItem.objects.filter(pk=expires_meanwhile.pk).update(retention_until=soon)
# Past retention already, with no worker running: the backup holds them (apps' erasure jobs).
concern, _secret = concern_raise(organisation=org, about="behaviour", raised_by="staff",
    text="He messages pupils at night.", contact="sok@example.org")
Concern.objects.filter(pk=concern.pk).update(status="closed",
    closed_at=timezone.now() - timedelta(days=3650))
self_report, _ = self_report_submit(organisation=org, situation="worried", hashes=[], pictures=0,
    contact="+855 12 345 678")
SelfReport.objects.filter(pk=self_report.pk).update(
    received_at=timezone.now() - timedelta(days=3650))
checkpoint_write()
call_command("backup", sys.argv[1])
# After the backup: one item destroyed, the case closed long ago and its contacts erased.
EvidenceItem.objects.filter(pk=destroyed_after.pk).update(
    retention_until=timezone.now() - timedelta(days=1))
assert purge_expired(now=soon - timedelta(minutes=5)).destroyed == [destroyed_after.pk]
Case.objects.filter(pk=case.pk).update(state=State.CLOSED,
    closed_at=timezone.now() - timedelta(days=400))
assert erase_expired_contacts() == 1
print(json.dumps({"soon": soon.timestamp(), "keep": keep.pk, "destroyed_after": destroyed_after.pk,
    "expires_meanwhile": expires_meanwhile.pk, "case": case.pk, "report": report.pk,
    "object": keep.object_key, "concern": concern.pk, "self_report": self_report.pk}))
"""

RESTORE_AND_LOOK = """
import json, sys, time
import django
django.setup()
from django.core.management import call_command
from karpear.audit.verify import audit_verify
from karpear.concerns.models import Concern
from karpear.core.jobs import erasure_jobs
from karpear.evidence import storage
from karpear.evidence.models import DestructionCertificate, EvidenceItem
from karpear.evidence.services import integrity_check, read_plain
from karpear.reports.models import Report
from karpear.takeitdown.models import SelfReport

ids = json.loads(sys.argv[2])
# The item's retention ends after the backup and before the restore, however fast this is.
time.sleep(max(0.0, ids["soon"] - time.time() + 0.05))
call_command("restore", sys.argv[1])
items = {i.pk: i for i in EvidenceItem.objects.all()}
print(json.dumps({
    "kept": read_plain(items[ids["keep"]]).decode(),
    "destroyed": sorted(pk for pk, i in items.items() if i.destroyed_at and not i.wrapped_key),
    "certified": sorted(DestructionCertificate.objects.values_list("item_id", flat=True)),
    "objects": sorted(pk for pk, i in items.items()
                      if storage.backend(i.backend).exists(i.object_key)),
    "contact": Report.objects.get(pk=ids["report"]).contact_encrypted,
    "concern": Concern.objects.filter(pk=ids["concern"]).values("text", "contact")[0],
    "self_report": SelfReport.objects.get(pk=ids["self_report"]).contact_enc,
    # Each registered erasure's next round finds nothing left past retention.
    "left": {job.name: job.run() for job in erasure_jobs()},
    "audit": audit_verify().ok,
    "integrity": integrity_check(),
}))
"""


REFUSALS = """
import sys
import django
django.setup()
from django.core.management import call_command
from django.core.management.base import CommandError
for args in ([sys.argv[1]], [sys.argv[2], "--check"]):
    try:
        call_command("restore", *args)
        print("accepted")
    except CommandError as exc:
        print(exc)
call_command("restore", sys.argv[1], "--check")
"""


def _keys(journal: Path) -> dict[str, str]:
    """The deployment's keys, outside both data directories, as an operator keeps them."""
    return {
        name: secrets.token_urlsafe(48)
        for name in (
            "SECRET_KEY",
            "KARPEAR_FIELD_KEY",
            "KARPEAR_CLIENT_HASH_KEY",
            "KARPEAR_SIGNING_KEY",
            "KARPEAR_EVIDENCE_KEK",
        )
    } | {"KARPEAR_ERASURE_JOURNAL_DIR": str(journal), "DJANGO_SETTINGS_MODULE": "karpear.settings"}


def _python(env: dict[str, str], code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_back_up_destroy_restore_and_nothing_destroyed_comes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = _keys(tmp_path / "journal")
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    backup = tmp_path / "backup"
    with fresh_environment(tmp_path / "old") as old:
        made = _python(old, SETUP_AND_DESTROY, str(backup))
        assert made.returncode == 0, made.stderr
        ids = json.loads(made.stdout.strip().splitlines()[-1])
    assert (backup / "manifest.json").is_file()
    assert not list(backup.rglob("*key*")) and not list(backup.rglob("secret*"))  # no keys

    new = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    new["KARPEAR_DATA_DIR"] = str(tmp_path / "new")
    base_url = os.environ.get("DATABASE_URL", "")
    dbname = f"restore_{uuid.uuid4().hex[:8]}"
    if base_url.startswith("postgres"):
        _psql(base_url, f"CREATE DATABASE {dbname}")
        new["DATABASE_URL"] = base_url.rsplit("/", 1)[0] + "/" + dbname
    try:
        restored = _python(new, RESTORE_AND_LOOK, str(backup), json.dumps(ids))
        assert restored.returncode == 0, restored.stderr
        seen = json.loads(restored.stdout.strip().splitlines()[-1])
        tampered = tmp_path / "tampered"
        shutil.copytree(backup, tampered)
        database = next(tampered.glob("database.*"))
        data = bytearray(database.read_bytes())
        data[len(data) // 2] ^= 0xFF
        database.write_bytes(bytes(data))
        refusals = _python(new, REFUSALS, str(backup), str(tampered))
    finally:
        if base_url.startswith("postgres"):
            _psql(base_url, f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
    assert seen["kept"] == "benign 0"
    gone = sorted([ids["destroyed_after"], ids["expires_meanwhile"]])
    assert seen["destroyed"] == gone and seen["certified"] == gone
    assert seen["objects"] == [ids["keep"]]  # the destroyed items' bytes are not in the vault
    assert seen["contact"] == ""  # erased after the backup: erased again
    # Past retention in the backup: erased by the restore itself, not the worker's next round.
    assert seen["concern"] == {"text": "", "contact": ""}
    assert seen["self_report"] == ""
    assert {
        "purge_expired_evidence",
        "erase_expired_contacts",
        "erase_expired_self_report_contacts",
        "erase_expired_concerns",
        "erase_departed_staff",
        "erase_expired_complaint_reasons",
        "erase_expired_attendee_names",
    } <= set(seen["left"])
    assert set(seen["left"].values()) == {0}, seen["left"]
    assert seen["audit"] is True and seen["integrity"] == []
    assert refusals.returncode == 0, refusals.stderr
    over_live, tampered_check, intact_check = refusals.stdout.strip().splitlines()[-3:]
    assert "not empty" in over_live  # never over a database in use
    assert "does not match its SHA-256" in tampered_check
    assert "complete and intact" in intact_check
