"""What a list entry blocks, and lines that would silently never match (issue #24, URL engine).

Built through the real import service; lookups go through the compiled list the Squid
helper and the API use.
"""

from __future__ import annotations

import pytest

from karpear.blocklist.lists import parse_list
from karpear.blocklist.services import check_url, entry_add
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from tests.blocklist.helpers import DAY, import_text, register


def test_a_line_escaped_as_a_whole_blocks_the_page_it_names(acme: Organisation) -> None:
    result = import_text(acme, register(acme), "http%3A%2F%2Fbad.example%2Fgallery%2F1.html\n")
    assert result.errors == [] and result.added == 1
    assert check_url(acme, "http://bad.example/gallery/1.html") is not None
    assert check_url(acme, "http%3A%2F%2Fbad.example%2Fgallery%2F1.html") is not None
    assert check_url(acme, "http://bad.example/gallery/2.html") is None


def test_a_line_whose_host_is_no_host_is_refused_with_its_number() -> None:
    text = (
        "http://fine.example/a\n"
        "http://bad example.com/x\n"
        "http://[::1/x\n"
        "http://other.example%00/x\n"
        "//fine.example/b\n"
    )
    parsed = parse_list(text.encode(), reference="IWF-1", confirmed_on=DAY)
    assert parsed.errors == [
        (2, "not a URL: not a valid host name"),
        (3, "not a URL: not a valid host name"),
        (4, "not a URL: not a valid host name"),
    ]
    assert [r.canonical for r in parsed.rows] == ["http://fine.example/a", "http://fine.example/b"]


def test_a_home_page_entry_blocks_every_page_of_the_host(acme: Organisation) -> None:
    import_text(acme, register(acme), "http://site.example/\n")
    for url in (
        "http://site.example/",
        "https://site.example/any/page.html?x=1",
        "http://www.site.example/x",
    ):
        assert check_url(acme, url) is not None, url
    assert check_url(acme, "http://othersite.example/") is None


def test_a_page_only_entry_blocks_that_page_and_nothing_else(acme: Organisation) -> None:
    parsed = parse_list(
        b"url,reference,type\nhttp://site.example/,IWF-7,page\nhttp://site.example/a?b=1,IWF-8,page\n",
        confirmed_on=DAY,
    )
    assert parsed.errors == []
    from karpear.blocklist.services import blocklist_import

    blocklist_import(organisation=acme, source=register(acme), parsed=parsed, actor_label="t")
    assert check_url(acme, "https://site.example/") is not None
    assert check_url(acme, "http://SITE.example:80/#top") is not None
    assert check_url(acme, "http://site.example/a?b=1") is not None
    for url in (
        "http://site.example/other",
        "http://site.example/?q=1",
        "http://www.site.example/",
        "http://site.example/a",
        "http://site.example/a?b=2",
    ):
        assert check_url(acme, url) is None, url


def test_a_page_and_a_url_entry_of_one_address_are_two_entries(acme: Organisation) -> None:
    iwf = register(acme)
    for kind in ("page", "url"):
        entry_add(
            organisation=acme,
            source=iwf,
            kind=kind,
            target="http://site.example/",
            reference="ACU-1",
            confirmed_on=DAY,
            actor_label="t",
        )
    with pytest.raises(ApplicationError):
        entry_add(
            organisation=acme,
            source=iwf,
            kind="page",
            target="http://site.example/",
            reference="ACU-1",
            confirmed_on=DAY,
            actor_label="t",
        )


def test_ipv6_pages_can_be_listed_and_checked(acme: Organisation) -> None:
    import_text(acme, register(acme), "http://[2001:db8::7]/p/1.html\nhttp://[::ffff:192.0.2.9]/\n")
    assert check_url(acme, "http://[2001:DB8:0::7]:80/p/1.html?x") is not None
    assert check_url(acme, "http://[2001:db8::8]/p/1.html") is None
    # The mapped form and the IPv4 host are one host.
    assert check_url(acme, "http://192.0.2.9/anything") is not None
    assert check_url(acme, "http://[::ffff:c000:209]/x") is not None


def test_the_other_organisation_does_not_see_it(acme: Organisation, bayon: Organisation) -> None:
    import_text(acme, register(acme), "http%3A%2F%2Fbad.example%2F\n")
    assert check_url(bayon, "http://bad.example/") is None


def test_an_ipv6_whole_site_entry_blocks_at_the_proxy_and_stays_out_of_dns(
    acme: Organisation,
) -> None:
    from karpear.blocklist.services import rpz_zone
    from tests.blocklist.helpers import add_domain

    iwf = register(acme)
    add_domain(acme, iwf, "[2001:DB8::9]", "IWF-9")
    add_domain(acme, iwf, "whole.example", "IWF-10")
    hit = check_url(acme, "http://[2001:db8::9]/any/page")
    assert hit is not None and hit.kind == "domain"
    zone = rpz_zone(acme)
    assert "whole.example CNAME ." in zone and "2001" not in zone
