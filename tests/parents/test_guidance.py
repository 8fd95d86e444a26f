"""The parents' data files (docs/parents.md): the legal track by the offender's age, read
exactly as Art. 127-2 is summarised ("12-16 the parents pay; from 16 the offender"), the
school's deadlines taken from the bullying protocol and counted in working days, and a
schema that refuses a bad entry by its name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.utils import translation

from qamqor.parents import guidance
from qamqor.protocols import definitions


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def ids(age: int, *, physical_violence: bool = False, threats: bool = False) -> list[str]:
    return [
        rule.id
        for rule in guidance.track_for(age, physical_violence=physical_violence, threats=threats)
    ]


# --- the legal track ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "track"),
    [
        (11, ["school_measures", "under_12"]),
        (12, ["school_measures", "art_127_2_parents"]),
        (15, ["school_measures", "art_127_2_parents"]),
        (16, ["school_measures", "art_127_2_offender"]),
        (17, ["school_measures", "art_127_2_offender"]),
        (18, ["school_measures", "art_127_2_adult"]),
    ],
)
def test_the_track_without_violence_follows_the_age(age: int, track: list[str]) -> None:
    assert ids(age) == track


@pytest.mark.parametrize(
    ("age", "track"),
    [
        (11, ["school_measures", "under_12", "guardianship_under_12_violence"]),
        (12, ["school_measures", "art_127_2_parents", "criminal_check_under_16"]),
        (15, ["school_measures", "art_127_2_parents", "criminal_check_under_16"]),
        (16, ["school_measures", "art_127_2_offender", "criminal_check_from_16"]),
        (17, ["school_measures", "art_127_2_offender", "criminal_check_from_16"]),
    ],
)
def test_violence_or_threats_add_the_criminal_check(age: int, track: list[str]) -> None:
    assert ids(age, physical_violence=True) == track
    assert ids(age, threats=True) == track


def test_who_is_fined_at_the_boundaries() -> None:
    """15 is the parents' (12-16, until the 16th birthday), 16 the offender's ('from 16');
    11 is no one's: under 12 the article does not apply."""
    fined = {
        age: {r.id for r in guidance.track_for(age, physical_violence=False, threats=False)}
        for age in (11, 12, 15, 16, 17)
    }
    assert "art_127_2_parents" in fined[12] and "art_127_2_parents" in fined[15]
    assert "art_127_2_offender" in fined[16] and "art_127_2_offender" in fined[17]
    assert not fined[11] & {"art_127_2_parents", "art_127_2_offender"}
    rule = next(r for r in guidance.legal_tracks().rules if r.id == "art_127_2_parents")
    assert "parents" in rule.text.en and rule.sources[0].article.en == "Art. 127-2"


def test_every_rule_has_its_sources_and_all_three_languages() -> None:
    for rule in guidance.legal_tracks().rules:
        assert rule.sources
        for source in rule.sources:
            assert source.link("ru").startswith("https://adilet.zan.kz/rus/")
            assert source.checked_on.year >= 2024
        assert rule.text.kk and rule.text.ru and rule.text.en


# --- the data files' schema ------------------------------------------------------------------


def _write(tmp_path: Path, name: str, content: dict[str, object]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def _tracks() -> dict[str, object]:
    raw: dict[str, object] = json.loads(guidance.LEGAL_TRACKS_FILE.read_text(encoding="utf-8"))
    return raw


def test_the_shipped_files_validate() -> None:
    assert guidance.load_legal_tracks().rules
    assert guidance.load_school_duties().duties


def test_a_rule_without_a_source_is_refused_by_its_id(tmp_path: Path) -> None:
    raw = _tracks()
    rules = raw["rules"]
    assert isinstance(rules, list)
    rules[2]["sources"] = []
    with pytest.raises(guidance.GuidanceError, match=r"rules\[art_127_2_parents\]\.sources"):
        guidance.load_legal_tracks(_write(tmp_path, "legal_tracks.json", raw))


def test_a_missing_language_or_a_bad_date_is_refused(tmp_path: Path) -> None:
    raw = _tracks()
    rules = raw["rules"]
    assert isinstance(rules, list)
    del rules[1]["text"]["kk"]
    rules[3]["sources"][0]["checked_on"] = "last spring"
    with pytest.raises(guidance.GuidanceError) as refused:
        guidance.load_legal_tracks(_write(tmp_path, "legal_tracks.json", raw))
    assert "rules[under_12].text.kk" in str(refused.value)
    assert "rules[art_127_2_offender].sources[0].checked_on" in str(refused.value)


def test_a_gap_in_the_ages_is_refused(tmp_path: Path) -> None:
    """Moving the parents' rule to 13-15 leaves a 12-year-old without a track."""
    raw = _tracks()
    rules = raw["rules"]
    assert isinstance(rules, list)
    rules[2]["min_age"] = 13
    with pytest.raises(guidance.GuidanceError, match="no rule for an offender aged 12"):
        guidance.load_legal_tracks(_write(tmp_path, "legal_tracks.json", raw))


def test_a_duty_naming_no_protocol_step_is_refused(tmp_path: Path) -> None:
    raw = json.loads(guidance.SCHOOL_DUTIES_FILE.read_text(encoding="utf-8"))
    raw["duties"][0]["step"] = "school_lunch"
    with pytest.raises(guidance.GuidanceError, match=r"duties\[register\]\.step"):
        guidance.load_school_duties(_write(tmp_path, "school_duties.json", raw))


def test_an_unknown_placeholder_in_the_letter_is_refused(tmp_path: Path) -> None:
    raw = json.loads(guidance.SCHOOL_DUTIES_FILE.read_text(encoding="utf-8"))
    raw["application"]["to_director"]["ru"] = "Директору {shcool}"
    with pytest.raises(guidance.GuidanceError, match="unknown placeholders"):
        guidance.load_school_duties(_write(tmp_path, "school_duties.json", raw))


# --- the school's deadlines ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_deadlines_come_from_the_protocol_and_skip_nauryz() -> None:
    """Received on Friday 20 March 2026: Nauryz (21-25 March) and the weekend are skipped,
    so "1 working day" is Thursday 26 March; 24 hours is Saturday 21 March."""
    timeline = {e.duty.id: e for e in guidance.school_timeline(date(2026, 3, 20), "en")}
    assert timeline["register"].due == date(2026, 3, 21)
    assert timeline["invite"].due == date(2026, 3, 26)
    assert timeline["conversation"].due == date(2026, 3, 26)
    assert timeline["report_to_head"].due == date(2026, 3, 27)  # 1 working day after it
    assert timeline["authority_decides"].due == date(2026, 3, 27)
    assert timeline["plan_and_monitoring"].due is None
    assert timeline["conversation"].rule == "within 1 working day(s) of receiving the information"


@pytest.mark.django_db
def test_a_changed_protocol_deadline_changes_the_timeline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The number of days is the protocol's, not written again in the parents' file."""
    spec = definitions.latest("bullying_outside_family").spec
    steps = [
        step.model_copy(update={"deadline": step.deadline.model_copy(update={"working_days": 3})})
        if step.key == "school_conversation"
        else step
        for step in spec.steps
    ]
    monkeypatch.setattr(
        guidance, "bullying_protocol", lambda: spec.model_copy(update={"steps": steps})
    )
    timeline = {e.duty.id: e for e in guidance.school_timeline(date(2026, 3, 20), "en")}
    assert timeline["conversation"].due == date(2026, 3, 30)  # Thu 26, Fri 27, Mon 30
