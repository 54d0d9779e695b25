"""`karpear demo`: a demo company, an administrator and sample reports."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from karpear.orgs.models import Organisation
from karpear.orgs.services import organisation_create
from karpear.reports.forms import LinkData, ReportData
from karpear.reports.models import Category, Channel
from karpear.reports.services import report_submit
from karpear.staff.models import Role, StaffMember
from karpear.staff.services import staff_create, totp_device, totp_secret

DEMO_PASSWORD = "karpear-demo-password"  # noqa: S105 - demo data only, printed to the operator
DEMO_STAFF = [
    ("analyst", Role.ANALYST),
    ("analyst2", Role.ANALYST),
    ("lead", Role.LEAD),
    ("compliance", Role.COMPLIANCE),
    ("admin", Role.ADMIN),
    ("trainer", Role.TRAINER),  # Swipe Safe sessions (issue #19)
]
# Screened on the personnel register (2.6 b); "analyst2" is not, to show the difference.
DEMO_SCREENED = {"analyst", "lead"}
SAMPLES = [
    ("https://social.example/p/1001", Category.SEXUAL_IMAGE, Channel.WEB),
    ("https://SOCIAL.example/p/1001#comments", Category.SEXUAL_IMAGE, Channel.IN_APP),
    ("https://video.example/live/42", Category.LIVE_STREAM, Channel.WEB),
    ("https://chat.example/g/secret-group", Category.GROOMING, Channel.IN_APP),
    ("https://social.example/u/threats", Category.SEXTORTION, Channel.WEB),
]


class Command(BaseCommand):
    help = "Seed a demo company, an administrator and sample reports; print how to log in."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when an organisation already exists.",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            # Demo users have a published password (issue #15, item 10).
            raise CommandError("karpear demo does not run in production (KARPEAR_ENV=production).")
        if Organisation.objects.exists() and options["if_empty"]:
            # Never create demo users (with a known password) in a real install:
            # only remind how to sign in when this is the demo.
            demo = Organisation.objects.filter(slug="demo").first()
            if demo is not None:
                _link_reference_platform(demo)
                _demo_hash_bank(demo)  # a demo seeded before the bank existed gets it now
                self._demo_education(demo)  # and a demo from before issue #19 its trainer
                self._print_staff(create=False)
            else:
                self.stdout.write("Data already present; no demo data added.")
            return
        org = Organisation.objects.filter(slug="demo").first() or organisation_create(
            name="Demo Telecom",
            name_km="ក្រុមហ៊ុនទូរគមនាគមន៍សាកល្បង",
            slug="demo",
            is_default=not Organisation.objects.filter(is_default=True).exists(),
        )
        now = timezone.now()
        for i, (url, category, channel) in enumerate(SAMPLES):
            report_submit(
                organisation=org,
                channel=channel,
                data=ReportData(
                    items=[LinkData(url=url, normalised_url=_canonical(url))],
                    category=category,
                    seen_on=(now - timedelta(days=i)).date(),
                    seen_at_time=None,
                    seen_approximate=True,
                    description="",
                    reporter_is_child=None,
                    contact=None,
                ),
                submission_token=f"demo-{i}",
                received_at=now - timedelta(hours=5 - i),
            )
        _link_reference_platform(org)
        _demo_blocklist(org)
        _demo_products(org)
        _demo_hash_bank(org)
        self._print_staff(create=True)
        _demo_four_eyes(org)
        _demo_history(org)
        self._demo_education(org)
        self.stdout.write(
            "Blocklist splash page: http://127.0.0.1:8000/blocked/?url=http://blocked.example.invalid/demo/1.html"
        )

    def _demo_education(self, org: Organisation) -> None:
        from karpear.education.demo import demo_education, open_session

        trainer = StaffMember.objects.filter(
            user__username="trainer", organisation=org
        ).first() or staff_create(
            organisation=org, username="trainer", password=DEMO_PASSWORD, role=Role.TRAINER
        )
        session = demo_education(trainer) or open_session(org)
        self.stdout.write(
            "Swipe Safe lessons: http://127.0.0.1:8000/learn/   (English: /en/learn/)"
        )
        if session is not None:
            self.stdout.write(
                f"Swipe Safe session link (before-quiz open): http://127.0.0.1:8000/learn/s/{session.token}/"
            )

    def _print_staff(self, *, create: bool) -> None:
        org = Organisation.objects.get(slug="demo")
        self.stdout.write(self.style.SUCCESS(f"Demo organisation: {org.name}"))
        self.stdout.write("Portal (Khmer): http://127.0.0.1:8000/   English: /en/")
        self.stdout.write(
            "Desk: http://127.0.0.1:8000/en/desk/  (password for every demo user: "
            f"'{DEMO_PASSWORD}')"
        )
        for username, role in DEMO_STAFF:
            member = StaffMember.objects.filter(user__username=username, organisation=org).first()
            if member is None and not create:
                continue
            if member is None:
                member = staff_create(
                    organisation=org, username=username, password=DEMO_PASSWORD, role=role
                )
                # The desk administrator is not a Django superuser (issue #15): staff are
                # managed on the desk; `karpear superuser grant` opens the Django admin.
            if create and username in DEMO_SCREENED:
                _screen(member)
            device = totp_device(member.user, confirmed=True) or TOTPDevice.objects.create(
                user=member.user, name="demo", confirmed=True
            )
            secret = totp_secret(device)
            self.stdout.write(
                f"  {username:<11} {role.label:<19} TOTP secret (demo only): "
                f"{secret}   code now: karpear totp-code {secret}"
            )


def _demo_four_eyes(org: Organisation) -> None:
    """Four eyes on for live streams (issue #16, item 14): a removal or ban there waits for a
    second analyst, through the same service the lead's SLA page calls."""
    from karpear.cases.services import four_eyes_set
    from karpear.reports.models import Category

    lead = StaffMember.objects.get(user__username="lead", organisation=org)
    four_eyes_set(member=lead, categories={Category.LIVE_STREAM})


def _screen(member: StaffMember) -> None:
    from karpear.evidence.models import PersonnelRecord, Screening

    today = timezone.localdate()
    PersonnelRecord.objects.get_or_create(
        staff=member,
        defaults={
            "screened_on": today - timedelta(days=30),
            "screening_result": Screening.CLEAR,
            "screening_expires_on": today + timedelta(days=335),
            "verified_by": "demo",
            "trained_on": today - timedelta(days=20),
            "wellness_support_offered_on": today - timedelta(days=10),
        },
    )


def _link_reference_platform(org: Organisation) -> None:
    """Point the demo company at the reference platform (examples/reference_platform)."""
    from django.conf import settings

    from karpear.platformlink.models import PlatformLink
    from karpear.platformlink.services import link_configure

    link = PlatformLink.objects.filter(organisation=org).first()
    if link is None:
        link, _secret = link_configure(
            organisation=org,
            webhook_url="http://127.0.0.1:8001/webhooks/karpear",
            hosted_domains=["social.example"],
        )
    path = settings.DATA_DIR / "reference-platform.secret"
    path.write_text(link.secret)
    path.chmod(0o600)
    key_path = settings.DATA_DIR / "reference-platform.karpear-key"
    if not _platform_key_works(key_path, org):  # missing, or left from an older database
        from karpear.apikeys.models import Scope
        from karpear.apikeys.services import apikey_create

        _key, token = apikey_create(
            organisation=org, scope=Scope.PLATFORM, name="Reference platform (demo)"
        )
        key_path.write_text(token)
        key_path.chmod(0o600)
    from karpear.referrals.demo import demo_recipient_key

    demo_recipient_key(org)  # the reference recipient (issue #17, item 4)


def _platform_key_works(path: Path, org: Organisation) -> bool:
    from karpear.apikeys.models import Scope
    from karpear.apikeys.services import apikey_check
    from karpear.core.errors import ApplicationError

    if not path.exists():
        return False
    try:
        key = apikey_check(path.read_text().strip(), frozenset({Scope.PLATFORM}))
    except ApplicationError:
        return False
    return key.organisation_id == org.pk


def _canonical(url: str) -> str:
    from karpear.links.canonical import canonical_string

    return canonical_string(url)


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


def _demo_hash_bank(org: Organisation) -> None:
    """A bank holding the hashes of Meta's benign PDQ reference images, so an upload of a
    blurred or resized copy of one matches and is isolated (issue #6). Once only."""
    from karpear.hashes.models import Bank
    from karpear.hashes.services import bank_create, hashes_import

    if Bank.objects.filter(organisation=org, name="demo-hotline").exists():
        return

    bank = bank_create(
        organisation=org,
        name="demo-hotline",
        source="hotline",
        agreement="Demo only: benign reference image from Meta's PDQ test data",
        policy="act",
    )
    csv_file = Path(__file__).resolve().parents[5] / "examples" / "hashes" / "demo-bank.csv"
    if csv_file.exists():
        hashes_import(bank=bank, text=csv_file.read_text(encoding="utf-8"))


def _demo_products(org: Organisation) -> None:
    """Products the compliance officer can run a CRIA for (guidelines 2.1)."""
    from karpear.compliance.models import Product

    for name, description in (
        ("Demo chat app", "Messaging and group chat; users from 13 years"),
        ("Demo mobile internet", "Prepaid mobile data and SIM cards"),
    ):
        Product.objects.get_or_create(organisation=org, name=name, description=description)


def _demo_blocklist(org: Organisation) -> None:
    """A demo source and list of made-up addresses (.invalid never resolves)."""
    from karpear.blocklist.lists import parse_list
    from karpear.blocklist.models import SourceKind
    from karpear.blocklist.services import blocklist_import, source_register

    source = source_register(
        organisation=org,
        code="HOTLINE-DEMO",
        name="Internet Hotline Cambodia (demo)",
        kind=SourceKind.HOTLINE,
        agreement="Demo data: no agreement",
        appeals_email="appeals@hotline.invalid",
        actor_label="demo",
    )
    text = (
        "url,reference,type\n"
        "http://blocked.example.invalid/demo/1.html,DEMO-0001,url\n"
        "http://blocked.example.invalid/demo/2.html,DEMO-0002,url\n"
        "whole-site.example.invalid,DEMO-0003,domain\n"
    )
    blocklist_import(
        organisation=org,
        source=source,
        parsed=parse_list(text.encode(), confirmed_on=timezone.localdate()),
        actor_label="demo",
    )
