"""Several audit entries appended at once (issue #24: a notice's receipt and its takedowns, or a
batch of notices) form the same chain as entries appended one by one."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from karpear.audit.models import AuditEntry, AuditHead
from karpear.audit.services import AuditIn, audit_record, audit_record_many, audit_verify
from karpear.orgs.models import Organisation


def test_entries_appended_together_chain_like_entries_appended_alone(
    acme: Organisation, bayon: Organisation
) -> None:
    heard: list[str] = []

    def listen(sender: Any, instance: AuditEntry, created: bool, **_: Any) -> None:
        heard.append(instance.action)

    first = audit_record(action="case_view", organisation=acme, actor_label="dara")
    post_save.connect(listen, sender=AuditEntry, dispatch_uid="test-audit-many")
    try:
        rows = audit_record_many(
            [
                AuditIn(action="decision", organisation=acme, object_type="case", object_id=1),
                AuditIn(action="notice_received", organisation=bayon, actor_label="ACU"),
                AuditIn(action="decision", organisation=acme, detail={"clause": "art. 41"}),
            ]
        )
    finally:
        post_save.disconnect(dispatch_uid="test-audit-many", sender=AuditEntry)
    last = audit_record(action="case_view", organisation=acme, actor_label="dara")

    # Each entry is sealed over the one before it, across both ways of appending.
    chain = [first, *rows, last]
    assert [e.prev_hash for e in chain[1:]] == [e.entry_hash for e in chain[:-1]]
    assert list(AuditEntry.objects.order_by("id").values_list("entry_hash", flat=True)) == [
        e.entry_hash for e in chain
    ]
    head = AuditHead.objects.get(id=1)
    assert head.last_hash == last.entry_hash and head.count == 5
    assert rows[1].actor_label == "ACU" and rows[0].actor_label == "system"
    assert audit_verify().ok
    # Listeners of saved entries (the erasure journal) hear each one, as with save().
    assert heard == ["decision", "notice_received", "decision"]
    assert audit_record_many([]) == [] and AuditEntry.objects.count() == 5
