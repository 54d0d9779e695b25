# Run inside the company's deployment (karpear shell): a compliance officer with an
# authenticator, a signed-off COP checklist and a published transparency report.
import json
from datetime import date

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.compliance.helpers import answer_rest

from karpear.compliance.services import assessment_sign_off, assessment_start, signing_context
from karpear.core import signing
from karpear.orgs.services import organisation_create
from karpear.staff.models import Role
from karpear.staff.services import staff_create
from karpear.transparency.services import report_publish

org = organisation_create(name="Crash Test", slug="crash", is_default=True)
member = staff_create(organisation=org, username="chenda", password="p" * 20, role=Role.COMPLIANCE)
device = TOTPDevice.objects.create(user=member.user, name="phone", confirmed=True)
assessment = assessment_start(
    member=member,
    framework_id="cop-checklist",
    profile={"used_by_children": True, "hosts_user_content": True},
)
answer_rest(member, assessment)
assessment_sign_off(member=member, assessment_id=assessment.pk, name="Chenda Sok")
today = timezone.localdate()
text = {h: {"en": "text", "km": "អត្ថបទ"} for h in ("policies", "processes", "outcomes")}
report_publish(member=member, start=date(today.year, 1, 1), end=today, narrative=text)
public_key = signing.public_key_b64(signing_context(org))
print(json.dumps({"assessment": assessment.pk, "totp_key": device.key, "public_key": public_key}))
