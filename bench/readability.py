"""What measuring a document's readability costs (issue #18, item 6).

documents/readability.measure runs once per text at adoption: 8 texts per version (4 audiences
x 2 languages). Figures: loading khmer-nltk's CRF model (once per process), measuring the
drafted Khmer full terms and the easy-read 10-12 terms, beside the same for the English text
(a regular expression only), which is the reference.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _time(fn: Callable[[], object], rounds: int = 20) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karpear.settings")
    os.environ.setdefault("KARPEAR_DATA_DIR", tempfile.mkdtemp(prefix="karpear-bench-"))
    import django

    django.setup()
    from django.template.loader import render_to_string

    from karpear.documents import readability

    context: dict[str, object] = {"org_name": "Demo", "portal": "/", "band": "10-12"}
    context |= {"today": "2026-12-02", "review_hours": 1, "retention_days": 180}
    texts = {
        (lang, kind): render_to_string(f"documents/drafts/{kind}.{lang}.txt", context)
        for lang in ("km", "en")
        for kind in ("terms", "terms.easy")
    }
    start = time.perf_counter()
    readability.words("ក្រុមហ៊ុន", "km")
    load = (time.perf_counter() - start) * 1000
    print("readability (documents/readability.measure), median of 20, ms")
    print(f"  khmer-nltk model load, once per process: {load:8.1f}")
    for (lang, kind), text in texts.items():

        def once(t: str = text, lg: str = lang) -> object:
            return readability.measure(t, lg, "10-12")

        ms = _time(once)
        print(f"  {kind:<11} {lang} ({len(text):>5} characters): {ms:8.2f}")


if __name__ == "__main__":
    main()
