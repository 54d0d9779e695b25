"""The regulator in `karpear demo` (issue #20, Done when): the MPTC at its own host name
(localhost, beside the demo company at 127.0.0.1), its staff, and two registered companies:
the demo company (on this deployment: its compliance officer completes the COP checklist on the
desk and sends it from the Compliance page) and Angkor Cloud, whose package arrived by hand
after the due date.

Angkor Cloud has no Karpear here: its package is signed with a key this deployment derives for
it, standing in for the key of Angkor Cloud's own install.
"""

from __future__ import annotations

import copy
import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

from karpear.compliance.frameworks import get_framework
from karpear.compliance.services import OUTCOMES, signing_context
from karpear.core import signing
from karpear.core.demo import DemoContext, register_demo
from karpear.orgs.models import Organisation
from karpear.orgs.services import organisation_create
from karpear.regulator.models import Channel, RegisteredCompany
from karpear.regulator.outbound import latest_transparency
from karpear.regulator.receipt import submission_receive
from karpear.regulator.registry import (
    company_register,
    key_confirm,
    key_register,
    period_define,
)
from karpear.staff.models import Role
from karpear.staff.services import staff_create

REGULATOR_HOST = "localhost"
REGULATOR_STAFF = [
    ("reviewer", Role.REVIEWER),
    ("head", Role.HEAD),
    ("regadmin", Role.REGULATOR_ADMIN),
]


def _angkor_payload(company: RegisteredCompany) -> dict[str, Any]:
    """Angkor Cloud's signed-off checklist, as its own Karpear would package it: every item of
    the COP checklist, four minimum items partially met with a planned action."""
    framework = get_framework("cop-checklist")
    assert framework is not None
    now = timezone.now()
    due = (timezone.localdate() + timedelta(days=120)).isoformat()
    answers = []
    for n, item in enumerate(framework.items.values()):
        partial = item.minimum and n % 5 == 0
        answers.append(
            {
                "ref": item.ref,
                "minimum": item.minimum,
                "outcome": "partially" if partial else "yes",
                "answer_type": item.answer,
                "not_applicable": False,
                "value": "partially" if partial else "yes",
                "reason": "",
                "note": "",
                "action": "Extend to the hosting control panel." if partial else "",
                "action_owner": "Head of trust and safety" if partial else "",
                "action_due": due if partial else None,
                "action_done_on": None,
                "link": "",
                "source": "officer",
                "version": 1,
                "answered_by": "officer",
                "answered_at": now.isoformat(),
                "files": [],
            }
        )
    counts = {o: sum(1 for a in answers if a["outcome"] == o) for o in OUTCOMES}
    minimum = [a for a in answers if a["minimum"]]
    return {
        "format": "karpear-compliance-package/1",
        "organisation": {"name": company.name, "name_km": company.name_km, "slug": company.slug},
        "framework": {
            "id": framework.id,
            "version": framework.version,
            "sha256": framework.digest,
            "title": framework.title.as_dict(),
        },
        "assessment": {
            "id": 1,
            "product": None,
            "profile": {"hosts_user_content": True},
            "started_at": (now - timedelta(days=20)).isoformat(),
            "signed_at": now.isoformat(),
            "signed_by": {"name": "Sokha Chan", "title": "Compliance officer", "username": "sokha"},
            "reassess_by": (timezone.localdate() + timedelta(days=365)).isoformat(),
            "previous": None,
            "answers_sha256": hashlib.sha256(signing.canonical_json(answers)).hexdigest(),
        },
        "summary": {
            **counts,
            "minimum_total": len(minimum),
            "minimum_met": sum(1 for a in minimum if a["outcome"] == "yes"),
        },
        "answers": answers,
        "live_figures": {},
    }


def demo_regulator(company: Organisation, password: str) -> RegisteredCompany:
    """Seed the regulator; returns the demo company's registry entry."""
    mptc = organisation_create(
        name="Ministry of Post and Telecommunications (demo)",
        name_km="ក្រសួងប្រៃសណីយ៍និងទូរគមនាគមន៍ (សាកល្បង)",
        slug="mptc",
        domain=REGULATOR_HOST,
        kind=Organisation.Kind.REGULATOR,
    )
    members = {
        name: staff_create(organisation=mptc, username=name, password=password, role=role)
        for name, role in REGULATOR_STAFF
    }
    head = members["head"]
    today = timezone.localdate()
    # This year's round was due yesterday: a package sent now is verified, and marked late.
    period = period_define(member=head, label=str(today.year), due=today - timedelta(days=1))
    demo = company_register(
        member=head,
        name=company.name,
        name_km=company.name_km,
        slug=company.slug,
        licence_number="MPTC-TEL-0042",
        sector="mobile",
        size="medium",
        local_organisation=company,
    )
    # No one alone: the head registers each key the company read out, the administrator
    # confirms it (registry.key_confirm).
    keeper = members["regadmin"]
    key = key_register(
        member=head, company=demo, public_key=signing.public_key_b64(signing_context(company))
    )
    key_confirm(member=keeper, key_id=key.pk)
    angkor = company_register(
        member=head,
        name="Angkor Cloud (demo)",
        name_km="អង្គរក្លោដ (សាកល្បង)",
        slug="angkor-cloud",
        licence_number="MPTC-CLD-0007",
        sector="cloud",
        size="small",
    )
    key = key_register(
        member=head, company=angkor, public_key=signing.public_key_b64("org:angkor-cloud")
    )
    key_confirm(member=keeper, key_id=key.pk)
    payload = _angkor_payload(angkor)
    envelope = signing.sign(payload, context="org:angkor-cloud")
    published = latest_transparency(company)
    if published is not None:
        published = copy.deepcopy(published)
        published["organisation"] = {"name": angkor.name, "name_km": angkor.name_km}
    submission_receive(
        company=angkor,
        period_label=period.label,
        envelope=envelope,
        transparency=published,
        channel=Channel.UPLOAD,
        actor=members["reviewer"].user,
    )
    return demo


def _demo_step(context: DemoContext) -> None:
    """The regulator at its own host name, with two companies (issue #20)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from karpear.staff.models import StaffMember
    from karpear.staff.services import totp_device, totp_secret

    if not Organisation.objects.filter(slug="mptc").exists():
        demo_regulator(context.organisation, context.shared["password"])
    served = urlsplit(context.url)  # the regulator answers on the same port, at its own host
    base = f"{served.scheme}://{REGULATOR_HOST}" + (f":{served.port}" if served.port else "")
    context.write(context.success("Demo regulator: the MPTC (issue #20)"))
    context.write(f"Regulator desk: {base}/en/desk/   sector summary: {base}/en/sector/")
    for username, role in REGULATOR_STAFF:
        member = StaffMember.objects.get(user__username=username, organisation__slug="mptc")
        device = totp_device(member.user, confirmed=True) or TOTPDevice.objects.create(
            user=member.user, name="demo", confirmed=True
        )
        secret = totp_secret(device)
        context.write(
            f"  {username:<11} {role.label:<19} TOTP secret (demo only): "
            f"{secret}   code now: karpear totp-code {secret}"
        )


register_demo(name="regulator", order=90, run=_demo_step)  # after the history (80)
