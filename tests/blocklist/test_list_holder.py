"""The list holder: only registered sources, imports as diffs, numbered versions (issue #7, 1-3)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from karpear.audit.models import AuditEntry
from karpear.blocklist.lists import parse_list
from karpear.blocklist.models import Entry, ListVersion
from karpear.blocklist.services import check_url, entry_add, entry_remove
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from tests.blocklist.helpers import DAY, add_domain, import_text, register

LIST = """# IWF list, morning release
http://bad.example/gallery/1.html
HTTP://BAD.EXAMPLE/gallery/2.html?id=7
https://other.example/a%20b/c.jpg
"""


def test_import_publishes_a_version_and_blocks_exactly_those_pages(acme: Organisation) -> None:
    iwf = register(acme)
    result = import_text(acme, iwf, LIST)
    assert (result.added, result.removed, result.errors, result.version) == (3, 0, [], 1)
    assert check_url(acme, "http://bad.example/gallery/1.html")
    # Case, escaping and fragments do not matter: the canonical form does.
    assert check_url(acme, "http://BAD.example/gallery/%31.html#top")
    assert check_url(acme, "https://other.example/a b/c.jpg")
    assert check_url(acme, "http://bad.example/gallery/2.html?id=7")
    # Exact pages only: neighbours, other queries and the site itself pass.
    assert check_url(acme, "http://bad.example/gallery/3.html") is None
    assert check_url(acme, "http://bad.example/gallery/2.html?id=8") is None
    assert check_url(acme, "http://bad.example/") is None
    hit = check_url(acme, "bad.example/gallery/1.html")
    assert hit is not None and hit.source.code == "IWF" and hit.kind == "url"


def test_a_second_import_is_a_diff_with_removals(acme: Organisation) -> None:
    iwf = register(acme)
    import_text(acme, iwf, LIST)
    result = import_text(acme, iwf, "http://bad.example/gallery/1.html\nhttp://new.example/x\n")
    assert (result.added, result.removed, result.unchanged, result.version) == (1, 2, 1, 2)
    assert check_url(acme, "http://other.example/a%20b/c.jpg") is None
    assert check_url(acme, "http://new.example/x")
    again = import_text(acme, iwf, "http://bad.example/gallery/1.html\nhttp://new.example/x\n")
    assert (again.added, again.removed, again.version) == (0, 0, None)
    versions = list(ListVersion.objects.filter(organisation=acme).order_by("number"))
    assert [(v.number, v.added, v.removed, v.total) for v in versions] == [
        (1, 3, 0, 3),
        (2, 1, 2, 2),
    ]
    # Removed rows stay, marked with the version that removed them (deltas, audit).
    assert Entry.objects.filter(organisation=acme, removed_in=2).count() == 2


def test_bad_lines_are_reported_by_number_and_hold_back_removals(acme: Organisation) -> None:
    iwf = register(acme)
    import_text(acme, iwf, LIST)
    data = (
        b"http://bad.example/gallery/1.html\n"
        b"javascript:alert(1)\n"
        b"\xff\xfe not utf-8\n"
        b"http://" + b"a" * 5000 + b".example/\n"
        b"facebook\n"
        b"http://fresh.example/1\n"
    )
    parsed = parse_list(data, reference="IWF-2", confirmed_on=DAY)
    assert [n for n, _ in parsed.errors] == [2, 3, 4, 5]
    assert "not a web link" in parsed.errors[0][1]
    assert parsed.errors[1][1] == "not UTF-8 text"
    from karpear.blocklist.services import blocklist_import

    result = blocklist_import(organisation=acme, source=iwf, parsed=parsed, actor_label="t")
    assert result.added == 2  # fresh.example, and page 1 again under its new reference
    assert result.removed == 0 and result.removals_held
    assert check_url(acme, "http://other.example/a%20b/c.jpg")  # not removed
    assert check_url(acme, "http://fresh.example/1")


def test_csv_with_references_dates_and_whole_domains(acme: Organisation) -> None:
    iwf = register(acme)
    csv = (
        "url,reference,confirmed,type\n"
        "http://bad.example/p/1,IWF-101,2026-11-01,url\n"
        "whole.example,IWF-102,2026-11-02,domain\n"
        "http://bad.example/p/2,,2026-11-03,url\n"
        "http://bad.example/p/3,IWF-104,11/03/2026,url\n"
        "whole.example/path,IWF-105,,domain\n"
        "http://bad.example/p/1,IWF-101,2026-11-01,url\n"
    )
    parsed = parse_list(csv.encode(), confirmed_on=DAY)
    assert [(n, reason) for n, reason in parsed.errors] == [
        (4, "no reference from the source"),
        (5, "confirmed date '11/03/2026' is not YYYY-MM-DD"),
        (6, "a whole-site entry must be a domain name without a path"),
    ]
    assert parsed.duplicates == 1
    assert [(r.kind, r.reference, r.confirmed_on) for r in parsed.rows] == [
        ("url", "IWF-101", date(2026, 11, 1)),
        ("domain", "IWF-102", date(2026, 11, 2)),
    ]
    from karpear.blocklist.services import blocklist_import

    blocklist_import(organisation=acme, source=iwf, parsed=parsed, actor_label="t")
    hit = check_url(acme, "https://cdn.img.WHOLE.example/anything?x=1")
    assert hit is not None and hit.kind == "domain"
    assert check_url(acme, "http://notwhole.example/") is None


def test_an_entry_without_a_registered_source_and_reference_is_impossible(
    acme: Organisation, bayon: Organisation
) -> None:
    iwf = register(acme)
    # Through the database itself: no source, or an empty reference, is refused.
    for fields in ({"source": None, "reference": "R1"}, {"source": iwf, "reference": ""}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Entry.objects.create(
                organisation=acme,
                kind="url",
                value="0" * 64,
                confirmed_on=DAY,
                imported_by="x",
                **fields,
            )
    # Through the service: a blank reference, and another organisation's source.
    with pytest.raises(ApplicationError):
        entry_add(
            organisation=acme,
            source=iwf,
            kind="url",
            target="http://x.example/1",
            reference=" ",
            confirmed_on=DAY,
            actor_label="t",
        )
    other = register(bayon, code="NCMEC")
    with pytest.raises(ApplicationError):
        entry_add(
            organisation=acme,
            source=other,
            kind="url",
            target="http://x.example/1",
            reference="N-1",
            confirmed_on=DAY,
            actor_label="t",
        )
    # Through a file: lines without a reference are bad lines, never entries.
    result = import_text(acme, iwf, "http://x.example/1\n", reference="")
    assert result.added == 0 and result.errors == [(1, "no reference from the source")]
    # A source itself needs the agreement it is used under.
    with pytest.raises(ApplicationError):
        from karpear.blocklist.models import SourceKind
        from karpear.blocklist.services import source_register

        source_register(
            organisation=acme,
            code="X",
            name="X",
            kind=SourceKind.HOTLINE,
            agreement="",
            actor_label="t",
        )
    assert Entry.objects.count() == 0


def test_add_and_remove_by_hand_are_versioned_and_audited(acme: Organisation) -> None:
    iwf = register(acme)
    entry = add_domain(acme, iwf, "Whole.Example.", "ACU-ORDER-9")
    assert entry.value == "whole.example" and entry.added_in == 1
    with pytest.raises(ApplicationError):
        add_domain(acme, iwf, "whole.example", "ACU-ORDER-9")
    with pytest.raises(ApplicationError):
        entry_remove(organisation=acme, entry_id=entry.pk, reason="", actor_label="t")
    assert (
        entry_remove(organisation=acme, entry_id=entry.pk, reason="IWF-DEL-3", actor_label="t") == 2
    )
    assert check_url(acme, "http://whole.example/") is None
    actions = list(AuditEntry.objects.filter(organisation=acme).values_list("action", flat=True))
    assert actions.count("blocklist_version_published") == 2
    assert "blocklist_source_registered" in actions


def test_one_organisation_never_sees_or_enforces_another_s_list(
    acme: Organisation, bayon: Organisation
) -> None:
    import_text(acme, register(acme), LIST)
    assert check_url(acme, "http://bad.example/gallery/1.html")
    assert check_url(bayon, "http://bad.example/gallery/1.html") is None
    assert not Entry.objects.filter(organisation=bayon).exists()


def test_malformed_urls_get_a_clear_error_not_a_crash(acme: Organisation) -> None:
    for bad in ["", "javascript:alert(1)", "http://[::1/", "x" * 3000]:
        with pytest.raises(ApplicationError) as info:
            check_url(acme, bad)
        assert info.value.code == "malformed_url"
