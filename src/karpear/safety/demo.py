"""Demo data for issue #18: the demo company's lead adopts the safety policy (the shipped
defaults) and the three documents, so `make run` serves them and the portal links to them.
The reference platform (started with --demo-account-age 13) then asks for the policy, applies
it to a 13-year-old's account and attests: the desk shows 100% for 13-15."""

from __future__ import annotations

from karpear.core.demo import DemoContext, register_demo
from karpear.documents.models import DocumentKind, DocumentVersion
from karpear.documents.services import document_adopt, document_draft
from karpear.orgs.models import Organisation
from karpear.safety.services import adopted_policy, policy_adopt, policy_draft
from karpear.staff.models import Role, StaffMember


def demo_safety(org: Organisation) -> None:
    """Idempotent: only what is not adopted yet."""
    lead = StaffMember.objects.filter(organisation=org, role=Role.LEAD).first()
    if lead is None:
        return
    if adopted_policy(org) is None:
        policy_adopt(member=lead, policy=policy_draft(member=lead))
    for kind in DocumentKind.values:
        if not DocumentVersion.objects.filter(organisation=org, kind=kind).exists():
            document_adopt(member=lead, kind=kind, texts=document_draft(org, kind))


def _demo_step(context: DemoContext) -> None:
    demo_safety(context.organisation)


register_demo(name="safety", order=65, run=_demo_step)
