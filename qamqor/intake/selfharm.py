"""Self-harm language in a narrative: a flag for triage that suggests, never decides.

The words are data (``data/self_harm_terms.json``, with their sources and review); this
module only reads and matches them. A match is shown on the triage page so that the
coordinator reads the narrative with suicide risk in mind (brief 1.4.2); it never ticks
the suicide-risk box, chooses a protocol or raises an alert.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TERMS_FILE = Path(__file__).parent / "data" / "self_harm_terms.json"

# Kazakh letters folded to the Russian letters people type without a Kazakh keyboard.
_FOLD = str.maketrans("ёәғқңөұүһі", "еагкноуухи")
# Latin letters that look like Cyrillic ones, read as Cyrillic inside a Cyrillic word.
_LATIN_LOOKALIKES = str.maketrans("aceopxykmthbi", "асеорхукмтнви")
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_WORD = re.compile(rf"[\w{_INVISIBLE}]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def normalise_word(word: str) -> str:
    """One word as it is compared: lower case, invisible characters dropped, look-alike
    Latin letters in a Cyrillic word made Cyrillic, Kazakh letters and ё folded."""
    text = "".join(ch for ch in word.lower() if ch not in _INVISIBLE)
    if _CYRILLIC.search(text):
        text = text.translate(_LATIN_LOOKALIKES)
    return text.translate(_FOLD)


@dataclass(frozen=True)
class Token:
    text: str  # normalised
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    return [
        Token(normalise_word(m.group()), m.start(), m.end())
        for m in _WORD.finditer(text)
        if normalise_word(m.group())
    ]


@dataclass(frozen=True)
class Pattern:
    language: str
    source: str  # as written in the file
    words: tuple[tuple[str, bool], ...]  # (normalised word, is a stem)
    max_gap: int  # other words allowed between two of its words

    def word_matches(self, index: int, token: str) -> bool:
        word, stem = self.words[index]
        return token.startswith(word) if stem else token == word


def _parse(language: str, source: str, max_gap: int) -> Pattern:
    words = []
    for raw in source.split():
        stem = raw.endswith("*")
        parts = [p.text for p in tokens(raw.rstrip("*"))]
        for i, part in enumerate(parts):  # "self-harm*" is two words, the last a stem
            words.append((part, stem and i == len(parts) - 1))
    if not words:
        raise ValueError(f"empty self-harm pattern in {language!r}")
    return Pattern(language=language, source=source, words=tuple(words), max_gap=max_gap)


@cache
def load_terms() -> tuple[Pattern, ...]:
    """The reviewed list, parsed once per process (an entry may narrow ``max_gap``)."""
    raw = json.loads(TERMS_FILE.read_text(encoding="utf-8"))
    default_gap = int(raw.get("max_gap", 2))
    return tuple(
        _parse(language, entry["pattern"], int(entry.get("max_gap", default_gap)))
        for language, entries in raw["terms"].items()
        for entry in entries
    )


@dataclass(frozen=True)
class Match:
    """Where a pattern matched: the words as the reporter wrote them."""

    pattern: str
    language: str
    excerpt: str


def _match_at(pattern: Pattern, words: list[Token], first: int) -> int | None:
    """The index of the last word if ``pattern`` matches starting at ``first``."""
    position = first
    for index in range(1, len(pattern.words)):
        for candidate in range(position + 1, min(position + 2 + pattern.max_gap, len(words))):
            if pattern.word_matches(index, words[candidate].text):
                position = candidate
                break
        else:
            return None
    return position


def find(text: str) -> list[Match]:
    """Every pattern of the list found in ``text`` (each pattern once, in text order)."""
    words = tokens(text or "")
    found: list[tuple[int, Match]] = []
    seen: set[str] = set()
    for pattern in load_terms():
        if pattern.source in seen:  # the same pattern listed for two languages
            continue
        for first, token in enumerate(words):
            if not pattern.word_matches(0, token.text):
                continue
            last = _match_at(pattern, words, first)
            if last is not None:
                excerpt = text[token.start : words[last].end]
                found.append((token.start, Match(pattern.source, pattern.language, excerpt)))
                seen.add(pattern.source)
                break
    found.sort(key=lambda item: item[0])
    return [match for _start, match in found]


def excerpts(text: str) -> list[str]:
    """The distinct passages to show on the flag, in text order."""
    return list(dict.fromkeys(match.excerpt for match in find(text)))
