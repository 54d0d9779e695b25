"""The one dictionary-lookup template filter (core/templatetags/karpear.py `get_item`) that the
desk, compliance, education and transparency pages share."""

from __future__ import annotations

from django.http import QueryDict
from django.template import Context, Template

from karpear.core.templatetags.karpear import get_item


def test_it_reads_a_key_and_is_empty_where_there_is_none() -> None:
    assert get_item({"a": 1}, "a") == 1
    assert get_item({"a": 1}, "b") == ""
    assert get_item(None, "a") == ""
    assert get_item(QueryDict("lk=3"), "lk") == "3"


def test_a_label_falls_back_to_the_code_and_a_missing_list_loops_zero_times() -> None:
    page = Template(
        "{% load karpear %}{{ labels|get_item:'web'|default:'web' }}|"
        "{{ labels|get_item:'app'|default:'app' }}|"
        "{% for e in errors|get_item:'name' %}x{% endfor %}"
    ).render(Context({"labels": {"web": "Web form"}, "errors": {}}))
    assert page == "Web form|app|"
