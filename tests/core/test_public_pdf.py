"""Public PDFs (transparency report, sector summary, lesson sheets) cost a second of CPU each:
a client is limited, the refusal is a page in the person's language, and the same document is
drawn once per process (core/pdf.py)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from karpear.core import pdf as core_pdf

LESSON = "/learn/parents/talk-openly.pdf"


@pytest.fixture(autouse=True)
def _fresh_drawings() -> None:
    core_pdf._drawn.clear()


@pytest.mark.django_db
@override_settings(KARPEAR_RATE_PDF="2/60")
def test_a_client_past_the_limit_gets_a_khmer_page_with_retry_after(client: Client) -> None:
    for _ in range(2):
        assert client.get(LESSON, REMOTE_ADDR="198.51.100.7").status_code == 200
    refused = client.get(LESSON, REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused["Content-Type"].startswith("text/html")
    assert 'lang="km"' in refused.content.decode()
    # Another client is not held back by the first.
    assert client.get(LESSON, REMOTE_ADDR="198.51.100.8").status_code == 200


@pytest.mark.django_db
@override_settings(KARPEAR_RATE_PDF="2/60")
def test_the_refusal_is_in_english_on_the_english_page(client: Client) -> None:
    for _ in range(2):
        client.get("/en" + LESSON, REMOTE_ADDR="198.51.100.9")
    refused = client.get("/en" + LESSON, REMOTE_ADDR="198.51.100.9")
    assert refused.status_code == 429
    assert "Too many tries" in refused.content.decode()


@pytest.mark.django_db
def test_the_same_document_is_drawn_once(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[int] = []
    original = core_pdf.pdf_from_html

    def counting(html: str) -> bytes:
        drawn.append(len(html))
        return original(html)

    monkeypatch.setattr(core_pdf, "pdf_from_html", counting)
    first = client.get(LESSON)
    second = client.get(LESSON)
    assert first.content == second.content and first.content.startswith(b"%PDF-")
    assert len(drawn) == 1
    # The English sheet is another document.
    assert client.get("/en" + LESSON).content.startswith(b"%PDF-")
    assert len(drawn) == 2
