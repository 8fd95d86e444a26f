"""The self-harm word list: data with its sources, matched robustly, a suggestion only."""

from __future__ import annotations

import json

import pytest

from qamqor.intake import selfharm

RAW = json.loads(selfharm.TERMS_FILE.read_text(encoding="utf-8"))


def test_the_list_is_data_that_says_where_it_comes_from_and_that_it_only_suggests() -> None:
    about = RAW["about"]
    assert about["sources"] and all(source.strip() for source in about["sources"])
    assert "SUGGESTS" in about["purpose"] and "NEVER DECIDES" in about["purpose"]
    assert about["review"]["status"]
    assert set(RAW["terms"]) == {"kk", "ru", "en"}
    assert all(len(entries) >= 10 for entries in RAW["terms"].values())


@pytest.mark.parametrize(
    ("language", "entry"),
    [(language, entry) for language, entries in RAW["terms"].items() for entry in entries],
    ids=lambda value: value if isinstance(value, str) else value["pattern"],
)
def test_every_entry_matches_its_own_example(language: str, entry: dict) -> None:
    found = {match.pattern for match in selfharm.find(entry["example"])}
    assert entry["pattern"] in found


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("ОН СКАЗАЛ, ЧТО ПОКОНЧИТ С СОБОЙ", "поконч* с собой"),  # case
        ("Она покончила с собой? Нет, но грозится.", "поконч* с собой"),  # word form
        ("Мысли о самоубийстве", "самоубийств*"),  # stem
        ("свести счёты с жизнью", "счет* с жизн*"),  # yo read as ye
        ("Cуицидальные мысли", "суицид*"),  # Latin C inside a Cyrillic word
        ("су\u00adицид", "суицид*"),  # soft hyphen
        ("мен озимди олтиремин", "өз* өлтір*"),  # Kazakh typed without Kazakh letters
        ("ӨЛГІМ КЕЛЕДІ", "өлгі* кел*"),  # Kazakh, capitals
        ("She has been CUTTING herself", "cut* herself"),
        ("signs of self-harm", "self harm*"),  # hyphen splits words
        ("хочу, наверное, умереть", "хоч* умер*"),  # words between
    ],
)
def test_matching_is_robust(text: str, pattern: str) -> None:
    assert pattern in {match.pattern for match in selfharm.find(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Older pupils take my phone and mock me in the class chat every day.",
        "Вчера мы ели суп, и я хочу спать.",  # хочу … but not умереть
        "Ол өз досын ұрды, өлтіремін деді.",  # a threat to another, too far apart
        "Өмірі қиын, ата-анасы жұмыссыз.",  # «қиын» (hard), not «қию» (to take one's life)
    ],
)
def test_ordinary_narratives_are_not_flagged(text: str) -> None:
    assert selfharm.find(text) == []


def test_excerpts_are_the_reporters_own_words_in_text_order() -> None:
    text = "Пишет «хочу умереть». Позже: режет руки. И снова: хочу умереть."
    assert selfharm.excerpts(text) == ["хочу умереть", "режет руки"]
