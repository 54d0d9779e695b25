"""List the Khmer words of the catalogue and documents that the segmenter does not know.

Issue #22, item 10. khmer-nltk (a maintained Khmer NLP package) segments every Khmer run of
the catalogue's translations and of the Khmer documents (`*.km.txt`, `*.km.md`, `*.km.html`
under src/karpear: policies, lessons, child-readable documents) into words. A word is known
when it, or a split of it into words, is in khmer-nltk's lexicon (the words its part-of-speech
model was trained on) or in the reviewed accepted terms (locale/km/accepted-terms.txt). What
is left is printed, with where it was first seen, for a person to correct or to accept.

This does not replace the native speaker's review noted in docs/i18n.md: a real word in the
wrong place passes.

    python scripts/check_khmer_words.py      # exit 1 and the list when something is unknown
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "src" / "karpear"
PO = PKG / "locale" / "km" / "LC_MESSAGES" / "django.po"
ACCEPTED = PKG / "locale" / "km" / "accepted-terms.txt"
# Khmer letters, vowels and signs; digits and punctuation (។ ៖ ៗ …) end a run.
_RUN = re.compile(r"[\u1780-\u17d3\u17dd]+")
_MSGSTR = re.compile(r'^msgstr(?:\[\d\])? "(.*)"$', re.M)


def normalise(text: str) -> str:
    """Coeng DA and coeng TA are written both ways for the same word: one spelling."""
    return text.replace("\u17d2\u178a", "\u17d2\u178f")


@lru_cache(maxsize=1)
def lexicon() -> frozenset[str]:
    """khmer-nltk's words: the `word` features of its part-of-speech CRF model."""
    import logging

    import khmernltk  # type: ignore[import-untyped]
    from khmernltk.utils.file_utils import load_model  # type: ignore[import-untyped]

    logging.getLogger("khmer-nltk").setLevel(logging.WARNING)
    model = load_model(str(Path(khmernltk.__file__).parent / "pos_tag" / MODEL_FILE))
    words = {
        normalise(name.split(":", 1)[1])
        for name, _label in model.state_features_
        if name.startswith("word:")
    }
    return frozenset(words)


MODEL_FILE = "sklearn_crf_pos_alt_0.9846.sav"


def accepted_terms(path: Path = ACCEPTED) -> set[str]:
    """The reviewed file: one term a line, then optional whitespace and a gloss; # comments."""
    terms = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        term = line.split("#", 1)[0].split()
        if term:
            terms.add(normalise(term[0]))
    return terms


def _splits_into(word: str, known: frozenset[str] | set[str]) -> bool:
    """Whether the word is a run of known words, cut between character clusters."""
    from khmernltk.utils.data import seg_kcc  # type: ignore[import-untyped]

    clusters = seg_kcc(word)
    reachable = [True] + [False] * len(clusters)
    for start in range(len(clusters)):
        if reachable[start]:
            for end in range(start + 1, len(clusters) + 1):
                if "".join(clusters[start:end]) in known:
                    reachable[end] = True
    return reachable[-1]


def unknown_words(
    texts: Iterable[tuple[str, str]], accepted: set[str] | None = None
) -> dict[str, str]:
    """{word: where it was first seen} for every word nobody knows, over (where, text) pairs.

    The segmenter sometimes cuts a word it does not know into pieces: a piece that makes a
    known word with its neighbour is not reported, and a lone character cluster is not judged.
    """
    from khmernltk import word_tokenize
    from khmernltk.utils.data import seg_kcc

    known = set(lexicon()) | (accepted if accepted is not None else accepted_terms())
    found: dict[str, str] = {}
    for where, text in texts:
        for run in _RUN.findall(normalise(text)):
            words = [w for w in word_tokenize(run, return_tokens=True) if w.strip()]
            for i, word in enumerate(words):
                if word in known or len(seg_kcc(word)) < 2 or _splits_into(word, known):
                    continue
                before = words[i - 1] if i else ""
                after = words[i + 1] if i + 1 < len(words) else ""
                if any(
                    _splits_into(joined, known)
                    for joined in (before + word, word + after, before + word + after)
                    if joined != word
                ):
                    continue
                found.setdefault(word, where)
    return found


def texts() -> Iterator[tuple[str, str]]:
    """The catalogue's Khmer translations and every Khmer document in the package."""
    for number, line in enumerate(PO.read_text(encoding="utf-8").splitlines(), 1):
        match = _MSGSTR.match(line)
        if match and match.group(1):
            yield f"django.po:{number}", match.group(1)
    for pattern in ("*.km.txt", "*.km.md", "*.km.html"):
        for path in sorted(PKG.rglob(pattern)):
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


def main() -> int:
    found = unknown_words(texts())
    if not found:
        print("Khmer words: every word is known or accepted.")
        return 0
    print(f"Khmer words not known ({len(found)}): correct them, or add them to {ACCEPTED.name}")
    for word, where in sorted(found.items(), key=lambda item: item[1]):
        print(f"  {word}\t{where}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
