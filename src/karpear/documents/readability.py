"""Readability figures beside each version (issue #18, item 6): sentence and word length.

Khmer writes no spaces between words, so words are counted with khmer-nltk's word segmenter
(a CRF model shipped inside the package: nothing is fetched). English words are split on
letters. The targets per band are ours, set from Appendix 1 (10-12: "limited capacity to think
beyond immediate consequences"; 16-17: "reasonably robust" skills): short sentences for the
youngest, close to plain adult language for the oldest.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

# Average words per sentence at most, per audience.
TARGETS = {"10-12": 10, "13-15": 14, "16-17": 18, "all": 25}
_SENTENCE_END = re.compile(r"(?<=[.!?។៕])\s+|[។៕]|\n+")
_EN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019-]*")
_KHMER = re.compile(r"[\u1780-\u17ff]")


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    from khmernltk import word_tokenize  # type: ignore[import-untyped]  # model: ~1 s, once

    # It announces every model load at INFO on its own handler; our logs need not repeat it.
    logging.getLogger("khmer-nltk").setLevel(logging.WARNING)
    return word_tokenize


def words(text: str, language: str) -> list[str]:
    if language == "km":
        tokens = _segmenter()(text, return_tokens=True)
        return [t for t in tokens if _KHMER.search(t) or _EN_WORD.fullmatch(t.strip())]
    return _EN_WORD.findall(text)


def measure(text: str, language: str, audience: str) -> dict[str, Any]:
    """Sentences, words, average words per sentence and letters per word, and the target."""
    lines = [
        line.removeprefix("## ").removeprefix("- ")
        for line in text.splitlines()
        if line.strip() and not line.startswith("## ")
    ]
    counted = [
        found
        for found in (words(s, language) for s in _SENTENCE_END.split("\n".join(lines)) if s)
        if found
    ]
    total = sum(len(w) for w in counted)
    letters = sum(len(word) for ws in counted for word in ws)
    per_sentence = round(total / len(counted), 1) if counted else 0.0
    target = TARGETS.get(audience, TARGETS["all"])
    return {
        "sentences": len(counted),
        "words": total,
        "words_per_sentence": per_sentence,
        "longest_sentence": max((len(w) for w in counted), default=0),
        "letters_per_word": round(letters / total, 1) if total else 0.0,
        "target_words_per_sentence": target,
        "meets_target": per_sentence <= target,
    }
