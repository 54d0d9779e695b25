# Run inside the regulator's deployment (karpear shell): the MPTC, its staff, the company
# registered with the key it read out, the period, and the key issued for submissions.
import json
import os
from datetime import timedelta

from django.utils import timezone

from karpear.orgs.models import Organisation
from karpear.orgs.services import organisation_create
from karpear.regulator.registry import (
    company_register,
    key_confirm,
    key_register,
    period_define,
    submission_key_issue,
)
from karpear.staff.models import Role
from karpear.staff.services import staff_create

mptc = organisation_create(name="MPTC", slug="mptc", kind=Organisation.Kind.REGULATOR)
head = staff_create(organisation=mptc, username="kosal", password="p" * 20, role=Role.HEAD)
staff_create(organisation=mptc, username="bopha", password="p" * 20, role=Role.REVIEWER)
admin = staff_create(
    organisation=mptc, username="nimol", password="p" * 20, role=Role.REGULATOR_ADMIN
)
company = company_register(
    member=head,
    name="Crash Test",
    slug="crash",
    licence_number="L-1",
    sector="isp",
    size="small",
)
key = key_register(member=head, company=company, public_key=os.environ["COMPANY_PUBLIC_KEY"])
key_confirm(member=admin, key_id=key.pk)  # a second person puts the key in force
period_define(
    member=head, label=os.environ["PERIOD"], due=timezone.localdate() + timedelta(days=30)
)
print(json.dumps({"token": submission_key_issue(member=head, company=company)}))
