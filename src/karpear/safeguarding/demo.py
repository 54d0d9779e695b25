"""The demo's safeguarding (issue #21, "Done when"): twenty staff imported, the officer and
deputy appointed, the policy adopted; each person's acknowledgement link is in the outbox."""

from __future__ import annotations

from django.utils import timezone

from karpear.core.demo import DemoContext, register_demo
from karpear.orgs.models import Organisation
from karpear.safeguarding.models import Employee
from karpear.staff.models import StaffMember

DEMO_DEPARTMENTS = ("Trust and Safety", "Customer Care", "Engineering", "Sales", "Retail shops")
DEMO_NAMES = (
    "Sok Dara",
    "Chan Sophea",
    "Keo Vanna",
    "Lim Chenda",
    "Heng Rith",
    "Meas Bopha",
    "Ouk Sokha",
    "Pich Sreymom",
    "Ros Vichea",
    "Seng Kosal",
    "Tep Malis",
    "Un Piseth",
    "Vann Sreyleak",
    "Yim Bunthoeun",
    "Nhem Dalin",
    "Kim Sothea",
    "Hout Chantrea",
    "Mao Rachana",
    "Srun Visal",
    "Long Sovann",
)


def _demo_safeguarding(org: Organisation) -> None:
    """Issue #21's "Done when": twenty staff imported through the same service as `karpear staff
    import`, the lead appointed safeguarding officer (the compliance officer deputy) by the
    administrator, the policy adopted from its draft; each person's link is in the outbox."""
    from karpear.concerns.services import concern_raise
    from karpear.safeguarding.directory import directory_import
    from karpear.safeguarding.documents import document_adopt, document_draft
    from karpear.safeguarding.officers import appoint

    rows = ["name,email,department,role_title,may_encounter_csam,works_with_children"]
    for i, name in enumerate(DEMO_NAMES):
        dept = DEMO_DEPARTMENTS[i % len(DEMO_DEPARTMENTS)]
        email = name.lower().replace(" ", ".") + "@demo-telecom.example"
        rows.append(f"{name},{email},{dept},Staff,{'yes' if i % 5 == 0 else 'no'},no")
    directory_import(organisation=org, data="\n".join(rows).encode())
    members = {m.user.get_username(): m for m in StaffMember.objects.filter(organisation=org)}
    for position, username in (("officer", "lead"), ("deputy", "compliance")):
        appoint(
            actor=members["admin"],
            position=position,
            member_id=members[username].pk,
            appointed_on=timezone.localdate(),
            mandate="Receives every safeguarding concern, answers within the set time, and "
            "reports to the board each quarter (guidelines 2.2).",
        )
    draft = document_draft(org)["policy"]
    document_adopt(
        member=members["compliance"], kind="policy", body_en=draft["en"], body_km=draft["km"]
    )
    concern_raise(
        organisation=org,
        about="behaviour",
        raised_by="outside",
        text="A shop assistant asked my daughter for her private chat account.",
    )


def _demo_step(context: DemoContext) -> None:
    org = context.organisation
    if Employee.objects.filter(organisation=org).exists():
        return
    needed = {"admin", "lead", "compliance"}  # who appoints, who is appointed
    if StaffMember.objects.filter(organisation=org, user__username__in=needed).count() < 3:
        return  # a demo company without its demo staff: nothing to appoint
    _demo_safeguarding(org)
    context.write(
        "Safeguarding: 20 staff imported, policy adopted, links in DATA_DIR/outbox/; desk "
        f"{context.url}/en/desk/safeguarding/policies/ (0 of 20 acknowledged). "
        f"Concerns: {context.url}/concerns/"
    )


register_demo(name="safeguarding", order=67, run=_demo_step)
