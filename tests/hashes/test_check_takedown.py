"""A hash match that acts takes the notices' takedown path (issue #24): one takedown path.

The case, its isolate decision, timeline, preserve request and webhooks are written exactly as for
a notice's item, in the same few statements (cases.takedown.case_takedowns_by_notice).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.db import connection

from karpear.cases.models import Case, CaseEvent, State
from karpear.hashes import services
from karpear.orgs.models import Organisation
from karpear.platformlink.models import WebhookEvent
from karpear.platformlink.services import link_configure

pytestmark = pytest.mark.django_db
BYTES = b"benign test bytes"


@pytest.fixture
def act_bank(acme: Organisation) -> Any:
    link_configure(organisation=acme, webhook_url="http://127.0.0.1:9/hook", hosted_domains=[])
    bank = services.bank_create(
        organisation=acme, name="hotline", source="hotline", agreement="MoU 1", policy="act"
    )
    digest = hashlib.sha256(BYTES).hexdigest()
    services.hashes_import(bank=bank, text=f"hash_type,hash\nsha256,{digest}\n")
    return bank


def test_an_acting_match_is_taken_down_in_few_statements(
    acme: Organisation, act_bank: Any, django_assert_max_num_queries: Any
) -> None:
    # Was 21 on both databases through the per-item path (case_open_for_content, then
    # case_takedown_by_notice: an UPDATE and a re-read of the case, one INSERT per row, the
    # preserve request's own writes, and three statements per audit entry).
    bound = 9 if connection.vendor == "postgresql" else 14
    with django_assert_max_num_queries(bound):
        result = services.check(
            organisation=acme,
            content_id="post:7",
            hashes=[("sha256", hashlib.sha256(BYTES).hexdigest())],
        )
    assert result["action"] == "act"
    case = Case.objects.get(pk=result["case_id"])
    assert (case.source, case.state, case.priority) == ("hash_match", State.ISOLATED, 1)
    kinds = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("kind", flat=True))
    assert kinds == ["opened", "transition", "decision", "preserve_requested"]
    events = list(WebhookEvent.objects.order_by("id").values_list("event_type", flat=True))
    assert events == ["content.preserve", "content.isolate"]
