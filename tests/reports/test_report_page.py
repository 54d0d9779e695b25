"""The public report page: a person reports a link, in Khmer or English."""

from __future__ import annotations

import re

import pytest

from karpear.orgs.models import Organisation
from karpear.reports.models import Channel, Report
from tests.conftest import Client, valid_form

REF = re.compile(r'id="reference"[^>]*>([0-9A-Z-]{14})<')


def _reference(html: str) -> str:
    match = REF.search(html)
    assert match, "receipt shows no reference"
    return match.group(1)


def test_it_serves_khmer_by_default(client: Client) -> None:
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="km">' in html
    assert "រាយការណ៍អ្វីដែលអ្នកបានឃើញតាមអ៊ីនធឺណិត" in html
    assert 'href="/en/"' in html  # the one visible language switch


def test_it_serves_english_under_en(client: Client) -> None:
    html = client.get("/en/").content.decode()
    assert '<html lang="en">' in html
    assert "Report something you saw online" in html
    assert 'href="/"' in html


def test_the_help_block_is_on_every_public_page(client: Client) -> None:
    for path in ["/", "/en/", "/status/", "/en/status/", "/no-such-page/"]:
        html = client.get(path).content.decode()
        assert "1280" in html, path
        assert 'href="tel:1280"' in html, path


def test_the_form_takes_no_files_and_says_why(client: Client) -> None:
    html = client.get("/en/?who=teen").content.decode()
    assert 'type="file"' not in html
    assert "multipart" not in html
    assert "Please do not send, save or screenshot the picture or video" in html


def test_the_date_seen_starts_empty(client: Client, acme: Organisation) -> None:
    html = client.get("/en/?who=teen").content.decode()
    field = re.search(r'<input[^>]*id="id_seen_on"[^>]*>', html)
    assert field, "the page has no date field"
    assert "value=" not in field.group(0)


def test_a_report_is_stored_and_a_reference_shown(client: Client, acme: Organisation) -> None:
    response = client.post("/en/", valid_form(seen_at_time="14:30", seen_approximate="on"))
    assert response.status_code == 200
    reference = _reference(response.content.decode())
    report = Report.objects.get(reference=reference)
    assert report.organisation == acme
    assert report.channel == Channel.WEB
    assert report.category == "sexual_image"
    assert report.seen_approximate is True
    assert str(report.seen_at_time) == "14:30:00"
    assert report.received_at.tzinfo is not None and report.received_at.microsecond == 0
    assert report.is_anonymous
    assert report.language == "en"
    item = report.items.get()
    assert item.normalised_url == "https://social.example/p/123"
    assert "12 hours" in response.content.decode()  # the organisation's response time


def test_the_receipt_is_in_khmer_on_the_khmer_page(client: Client) -> None:
    html = client.post("/", valid_form()).content.decode()
    assert "សូមអរគុណ។ យើងបានទទួលរបាយការណ៍របស់អ្នកហើយ។" in html
    assert "12 ម៉ោង" in html
    assert Report.objects.get(reference=_reference(html)).language == "km"


def test_several_links_in_one_report_are_kept_once_each(client: Client) -> None:
    links = "https://a.example/1\nhttps://A.example/1#x\n\nhttps://b.example/2\n"
    html = client.post("/en/", valid_form(links=links)).content.decode()
    report = Report.objects.get(reference=_reference(html))
    assert sorted(report.items.values_list("normalised_url", flat=True)) == [
        "https://a.example/1",
        "https://b.example/2",
    ]


def test_an_app_and_account_stand_in_for_a_missing_link(client: Client) -> None:
    html = client.post(
        "/en/", valid_form(links="", app_name="Telegram", account_name="@bad_group")
    ).content.decode()
    item = Report.objects.get(reference=_reference(html)).items.get()
    assert (item.app_name, item.account_name, item.url) == ("Telegram", "@bad_group", "")


def test_only_the_link_and_what_it_is_are_required(client: Client) -> None:
    html = client.post("/en/", {"links": "t.me/x", "category": "other"}).content.decode()
    report = Report.objects.get(reference=_reference(html))
    assert report.seen_on is None and report.reporter_is_child is None


def test_contact_details_are_encrypted_at_rest(client: Client) -> None:
    html = client.post(
        "/en/",
        valid_form(
            contact_choice="contact",
            contact_name="Sokha",
            contact_phone="+855 12 345 678",
            contact_email="sokha@example.org",
        ),
    ).content.decode()
    report = Report.objects.get(reference=_reference(html))
    assert not report.is_anonymous
    # Markers long enough that the token's random base64 cannot hold them by chance ("345"
    # alone once turned up in another Fernet token).
    for clear in ("Sokha", "345 678", "12345678", "sokha@example.org"):
        assert clear not in report.contact_encrypted
    assert "Sokha" not in html  # never shown back on a public page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"links": ""}, "links", "Please paste the link"),
        ({"links": "javascript:alert(1)"}, "links", "This does not look like a link"),
        ({"links": "facebook"}, "links", "This does not look like a link"),
        ({"links": "http://x.example/" + "a" * 2100}, "links", "too long"),
        ({"links": "\n".join(f"https://x.example/{i}" for i in range(21))}, "links", "at most 20"),
        ({"category": ""}, "category", "Please choose what you saw."),
        ({"category": "pizza"}, "category", "Please choose what you saw."),
        ({"seen_on": "31-31-2026"}, "seen_on", "Please write the date like"),
        ({"seen_on": "2099-01-01"}, "seen_on", "in the future"),
        ({"seen_on": "1970-01-01"}, "seen_on", "check the year"),
        ({"seen_at_time": "25:99"}, "seen_at_time", "Please write the time like"),
        ({"description": "x" * 2001}, "description", "at most 2000"),
        ({"description": "bell\x07"}, "description", "could not be read"),
        ({"app_name": "bad\x01name", "links": ""}, "app_name", "could not be read"),
        ({"contact_choice": "contact"}, "contact_phone", "phone number or an email"),
        (
            {"contact_choice": "contact", "contact_phone": "call me"},
            "contact_phone",
            "check the phone number",
        ),
        (
            {"contact_choice": "contact", "contact_email": "nope@"},
            "contact_email",
            "check the email",
        ),
        ({"contact_phone": "012345678"}, "contact_choice", "You chose to stay anonymous"),
    ],
)
def test_bad_answers_get_a_clear_message_and_keep_what_was_typed(
    client: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    form = valid_form(
        description="I saw it in a group chat",
        **{k: v for k, v in overrides.items() if k != "description"},
    )
    if "description" in overrides:
        form["description"] = overrides["description"]
    response = client.post("/en/", form)
    html = response.content.decode()
    assert response.status_code == 400
    assert Report.objects.count() == 0
    assert 'role="alert"' in html
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert f'aria-describedby="id_{field}' in html or field in {"category", "contact_choice"}
    # What the person typed is still there.
    if "description" not in overrides:
        assert "I saw it in a group chat" in html


def test_errors_are_in_khmer_on_the_khmer_page(client: Client) -> None:
    html = client.post("/", valid_form(links="", category="")).content.decode()
    assert "សូមពិនិត្យចម្លើយទាំងនេះ" in html
    assert "សូមជ្រើសរើសអ្វីដែលអ្នកបានឃើញ។" in html


def test_bytes_that_are_not_utf8_are_refused_not_garbled(client: Client) -> None:
    body = b"links=https%3A%2F%2Fx.example%2F1&category=other&description=caf%E9+%FF"
    response = client.post("/en/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "could not be read" in response.content.decode()
    assert Report.objects.count() == 0


def test_the_honeypot_stops_bots(client: Client) -> None:
    response = client.post("/en/", valid_form(website="http://spam.example"))
    assert response.status_code == 400
    assert Report.objects.count() == 0


def test_a_double_tap_gives_one_report_and_the_same_receipt(client: Client) -> None:
    form = valid_form(submission="tok-123456789")
    first = _reference(client.post("/en/", form).content.decode())
    second = _reference(client.post("/en/", form).content.decode())
    assert first == second
    assert Report.objects.count() == 1


def test_files_are_refused(client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff" + b"0" * 100, "image/jpeg")
    response = client.post("/en/", {**valid_form(), "photo": upload})
    assert response.status_code == 415
    assert "link is enough" in response.content.decode()
    assert Report.objects.count() == 0


def test_an_oversized_body_gets_a_clear_page(client: Client) -> None:
    response = client.post("/en/", valid_form(description="x" * 40_000))
    assert response.status_code == 413
    assert "too long" in response.content.decode()


def test_too_many_reports_get_a_friendly_wait_page_that_keeps_the_answers(
    client: Client, settings: object
) -> None:
    settings.KARPEAR_RATE_REPORTS = "2/60"  # type: ignore[attr-defined]
    for i in range(2):
        assert client.post("/en/", valid_form(submission=f"s{i}")).status_code == 200
    response = client.post("/en/", valid_form(description="third one"))
    html = response.content.decode()
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 60
    assert "Please try again in a minute" in html
    assert "third one" in html
    assert Report.objects.count() == 2
    km = client.post("/", valid_form()).content.decode()
    assert "សូមសាកល្បងម្តងទៀតក្នុងរយៈពេលមួយនាទីទៀត" in km


def test_a_forged_post_without_the_csrf_token_changes_nothing(acme: Organisation) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/en/", valid_form())
    assert response.status_code == 403
    assert "reload the page" in response.content.decode()
    assert Report.objects.count() == 0
