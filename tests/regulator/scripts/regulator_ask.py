# Run inside the regulator's deployment: the reviewer asks the company for information.
import json
from datetime import timedelta

from django.utils import timezone

from karpear.regulator.models import RegisteredCompany, Submission
from karpear.regulator.rfi import rfi_send
from karpear.staff.models import StaffMember

reviewer = StaffMember.objects.get(user__username="bopha")
company = RegisteredCompany.objects.get(slug="crash")
submission = Submission.objects.get(company=company)
rfi = rfi_send(
    member=reviewer,
    company_id=company.pk,
    submission_id=submission.pk,
    question="Send your takedown procedure.",
    deadline=timezone.localdate() + timedelta(days=7),
)
print(json.dumps({"rfi": rfi.pk, "summary": submission.summary["minimum_total"]}))
