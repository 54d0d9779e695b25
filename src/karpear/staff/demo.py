"""The demo's staff, one per role, and how to sign in (`karpear demo`, core/demo.py)."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from karpear.core.demo import DemoContext, register_demo
from karpear.staff.models import Role, StaffMember
from karpear.staff.services import staff_create, totp_device, totp_secret

DEMO_STAFF = [
    ("analyst", Role.ANALYST),
    ("analyst2", Role.ANALYST),
    ("lead", Role.LEAD),
    ("compliance", Role.COMPLIANCE),
    ("admin", Role.ADMIN),
    ("trainer", Role.TRAINER),  # Swipe Safe sessions (issue #19)
]


def demo_staff(context: DemoContext) -> None:
    """Create the demo staff (only for a new demo) and print how each signs in."""
    org = context.organisation
    password = context.shared["password"]
    context.write(context.success(f"Demo organisation: {org.name}"))
    context.write(f"Portal (Khmer): {context.url}/   English: {context.url}/en/")
    context.write(f"Reference platform (watch takedowns happen): {context.platform_url}/")
    context.write(f"Desk: {context.url}/en/desk/  (password for every demo user: '{password}')")
    for username, role in DEMO_STAFF:
        member = StaffMember.objects.filter(user__username=username, organisation=org).first()
        if member is None and not context.create:
            continue
        if member is None:
            # The desk administrator is not a Django superuser (issue #15): staff are managed
            # on the desk; `karpear superuser grant` opens the Django admin.
            member = staff_create(organisation=org, username=username, password=password, role=role)
        device = totp_device(member.user, confirmed=True) or TOTPDevice.objects.create(
            user=member.user, name="demo", confirmed=True
        )
        secret = totp_secret(device)
        context.write(
            f"  {username:<11} {role.label:<19} TOTP secret (demo only): "
            f"{secret}   code now: karpear totp-code {secret}"
        )


register_demo(name="staff", order=60, run=demo_staff)
