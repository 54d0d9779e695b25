"""Hidden and direction-changing characters are shown on the desk (issue #16, item 13)."""

from __future__ import annotations

import re

import pytest

from karpear.core.visible import plain_link, reveal
from karpear.orgs.models import Organisation
from karpear.reports.models import Channel
from karpear.reports.rules import LinkData, ReportData
from karpear.reports.services import report_submit
from tests.cast import Person, sign_in
from tests.evidence.conftest import screen

RLO, PDF, ZWSP, BOM, LRI = "\u202e", "\u202c", "\u200b", "\ufeff", "\u2066"


@pytest.mark.parametrize("char", [RLO, PDF, LRI, BOM, "\u200e", "\u061c", "\u2060", "\u00ad"])
def test_every_bidi_and_invisible_character_gets_a_marker(char: str) -> None:
    shown = reveal(f"a{char}b", strict=True)
    assert char not in shown
    assert f"⟦U+{ord(char):04X}⟧" in shown


def test_evil_admin_cannot_pose_as_another_name() -> None:
    # "nimda_live" with a right-to-left override displays as "evil_admin".
    shown = reveal(f"{RLO}nimda_live{PDF}", strict=True)
    assert shown.startswith('<mark class="hidden-char" title="RIGHT-TO-LEFT OVERRIDE">⟦U+202E⟧')
    assert "nimda_live" in shown


def test_khmer_word_breaks_stay_as_written_in_free_text() -> None:
    khmer = f"ខ្ញុំ{ZWSP}បាន{ZWSP}ឃើញ"
    assert reveal(khmer) == khmer
    assert "⟦U+200B⟧" in reveal(khmer, strict=True)
    assert "⟦U+200B⟧" in reveal(f"admin{ZWSP}")  # not between two letters of such a script


def test_markup_is_escaped() -> None:
    assert reveal("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"


def test_a_copied_link_is_what_it_looks_like() -> None:
    assert plain_link(f"https://x.example/{RLO}gpj.exe") == "https://x.example/%E2%80%AEgpj.exe"


def test_the_case_page_shows_hidden_characters(acme: Organisation, analyst: Person) -> None:
    url = f"https://social.example/p/{RLO}9"
    report, _ = report_submit(
        organisation=acme,
        channel=Channel.IN_APP,
        data=ReportData(
            items=[
                LinkData(url=url, normalised_url=url),
                LinkData(app_name="Chat", account_name=f"{RLO}nimda_live{PDF}"),
            ],
            category="grooming",
            seen_on=None,
            seen_at_time=None,
            seen_approximate=False,
            description=f"he said{BOM} ខ្ញុំ{ZWSP}ឃើញ",
            reporter_is_child=None,
            contact=None,
        ),
    )
    from karpear.cases.models import CaseReport

    case = CaseReport.objects.get(report=report).case
    # The exact link is shown only to the screened analyst working the case (#15 item 3).
    screen(analyst)
    type(case).objects.filter(pk=case.pk).update(assignee=analyst.member.user)
    client = sign_in(analyst)
    page = client.get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert RLO not in page and BOM not in page
    assert page.count("⟦U+202E⟧") == 2 and "⟦U+FEFF⟧" in page
    assert f"ខ្ញុំ{ZWSP}ឃើញ" in page
    item = report.items.get(url=url)
    copied = client.post(f"/en/desk/cases/{case.pk}/reveal/", {"item": item.pk})
    value = re.search(r'readonly value="([^"]*)"', copied.content.decode())
    assert value and value.group(1) == "https://social.example/p/%E2%80%AE9"
