"""Last year's and this year's history, and their published transparency reports
(`karpear demo`, registered in core/demo.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from karpear.core.demo import DemoContext, register_demo
from karpear.links.canonical import canonical_string as _canonical
from karpear.orgs.models import Organisation
from karpear.reports.models import Category, Channel
from karpear.reports.rules import LinkData, ReportData
from karpear.reports.services import report_submit
from karpear.staff.models import StaffMember

HISTORY_CATEGORIES = [
    (Category.SEXUAL_IMAGE, 30),
    (Category.GROOMING, 18),
    (Category.SEXTORTION, 7),
    (Category.LIVE_STREAM, 3),
    (Category.OTHER, 2),
]


def _demo_history(org: Organisation) -> None:
    """Last year's and this year's cases with their decisions, and both years' transparency
    reports published from them (issue #9): every published figure traces to these rows."""
    from karpear.cases.models import AuthorityReferral, Case, CaseReport, Decision
    from karpear.transparency.services import report_publish

    analyst = StaffMember.objects.get(organisation=org, user__username="analyst")
    officer = StaffMember.objects.get(organisation=org, user__username="compliance")
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    for year, share in ((today.year - 1, 1), (today.year, 2)):
        n = 0
        for category, count in HISTORY_CATEGORIES:
            for _ in range(count // share or 1):
                n += 1
                day_of_year = (n * 37) % (300 if year == today.year else 360)
                received = datetime(year, 1, 1, 9, tzinfo=zone) + timedelta(
                    days=day_of_year, minutes=n * 7
                )
                if received >= timezone.now() - timedelta(days=2):
                    continue
                url = f"https://demo-social.example/history/{year}/{n}"
                report, _created = report_submit(
                    organisation=org,
                    channel=Channel.IN_APP if n % 3 == 0 else Channel.WEB,
                    data=ReportData(
                        items=[LinkData(url=url, normalised_url=_canonical(url))],
                        category=category,
                        seen_on=received.date(),
                        seen_at_time=None,
                        seen_approximate=True,
                        description="",
                        reporter_is_child=None,
                        contact=None,
                    ),
                    submission_token=f"demo-history-{year}-{n}",
                    received_at=received,
                )
                case = Case.objects.get(pk=CaseReport.objects.get(report=report).case_id)
                first = received + timedelta(minutes=20 + (n % 7) * 35)
                closed = first + timedelta(hours=20 + (n % 5) * 13)
                Case.objects.filter(pk=case.pk).update(
                    opened_at=received,
                    first_reviewed_at=first,
                    first_action_at=first,
                    closed_at=closed,
                    state="closed",
                )
                csam = category in (Category.SEXUAL_IMAGE, Category.LIVE_STREAM)
                kinds = [("content_isolate", "law", first)]
                if csam:
                    kinds.append(("content_remove", "law", first + timedelta(hours=6)))
                if n % 4 == 0:
                    kinds.append(("account_ban" if csam else "account_warning", "terms", closed))
                for kind, ground, when in kinds:
                    Decision.objects.create(
                        case=case,
                        organisation=org,
                        kind=kind,
                        ground=ground,
                        clause="Criminal Code art. 41; Terms 3.1 (no sexual content involving "
                        "children)",
                        account_id=f"demo-user-{n}" if kind.startswith("account") else "",
                        decided_by=analyst.user,
                        decided_at=when,
                    )
                _demo_preserved(org, case, first)
                if csam or n % 5 == 0:
                    AuthorityReferral.objects.create(
                        case=case, authority="acu", reference=f"ACU-{year}-{n}", referred_at=first
                    )
        narrative = {
            "policies": {
                "en": "Our terms forbid any sexual content involving children. Reports go "
                "straight to a screened CSAM desk (guidelines 2.6).",
                "km": "លក្ខខណ្ឌរបស់យើងហាមឃាត់មាតិកាផ្លូវភេទណាមួយដែលពាក់ព័ន្ធនឹងកុមារ។ "
                "របាយការណ៍ទៅដល់តុ CSAM ដោយផ្ទាល់ (គោលការណ៍ណែនាំ ២.៦)។",
            },
            "processes": {
                "en": "Content is taken out of public view at once, referred to the "
                "Anti-Cybercrime Unit, preserved as evidence and destroyed on time.",
                "km": "មាតិកាត្រូវបានដកចេញពីការមើលជាសាធារណៈភ្លាមៗ បញ្ជូនទៅអង្គភាពប្រឆាំង"
                "បទល្មើសបច្ចេកវិទ្យា រក្សាជាភស្តុតាង និងបំផ្លាញទាន់ពេល។",
            },
            "outcomes": {
                "en": "This is demo data: the figures above are computed from it.",
                "km": "នេះជាទិន្នន័យសាកល្បង៖ តួលេខខាងលើត្រូវបានគណនាពីវា។",
            },
        }
        end = date(year, 12, 31) if year < today.year else today
        report_publish(member=officer, start=date(year, 1, 1), end=end, narrative=narrative)


def _demo_preserved(org: Organisation, case: Any, at: datetime) -> None:
    """The content of a past case, preserved when it was isolated (issue #16, item 1): a small
    benign picture stands in for it, so the published reports count preservation truthfully."""
    import io

    from PIL import Image

    from karpear.cases.models import Case
    from karpear.evidence.models import EvidenceItem
    from karpear.evidence.services import evidence_capture, retention_deadline

    picture = io.BytesIO()
    Image.new("RGB", (16, 16), (case.pk * 40 % 256, 120, 200)).save(picture, "PNG")
    item = evidence_capture(
        organisation=org,
        case_id=case.pk,
        content=picture.getvalue(),
        content_type="image/png",
        metadata={"demo": True, "content": f"case {case.pk}"},
        source="platform",
        actor="demo platform",
    )
    captured = at + timedelta(minutes=2)
    EvidenceItem.objects.filter(pk=item.pk).update(
        captured_at=captured, retention_until=retention_deadline(captured, item.legal_basis)
    )
    Case.objects.filter(pk=case.pk).update(preserve_requested_at=at, preserved_at=captured)


def demo_history_step(context: DemoContext) -> None:
    if context.create:
        _demo_history(context.organisation)


register_demo(name="history", order=80, run=demo_history_step)
