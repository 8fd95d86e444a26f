"""Scoring of every shipped instrument: each published band boundary, the decision rules of
the ASQ and the C-SSRS screener, WHO-5's transform, CATS subscales, and properties that
hold for any answers (hypothesis)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qamqor.errors import InvalidInput
from qamqor.instruments import definitions, scoring
from qamqor.instruments.definitions import InstrumentSpec

SPECS = {loaded.spec.code: loaded.spec for loaded in definitions.latest_all()}
TOTAL_SPECS = [spec for spec in SPECS.values() if spec.scoring.band_by == "total"]


def answers_for_raw(spec: InstrumentSpec, raw: int) -> dict[str, str]:
    """Answers whose raw total is exactly ``raw``; items outside the total get their
    highest-valued answer (so gates such as CATS's events open the scored items)."""
    answers: dict[str, str] = {}
    remaining = raw
    for item in spec.items:
        if not scoring.is_enabled(spec, item, answers):
            continue
        options = [o for o in spec.options_of(item) if o.value is not None]
        if item.key in spec.scoring.total_items:
            fitting = [o for o in options if o.value is not None and o.value <= remaining]
            chosen = max(fitting, key=lambda o: o.value or 0)
            remaining -= chosen.value or 0
        else:
            chosen = max(options or spec.options_of(item), key=lambda o: o.value or 0)
        answers[item.key] = chosen.code
    assert remaining == 0, f"{spec.code}: cannot reach raw total {raw}"
    return answers


def boundary_cases() -> list[Any]:
    cases = []
    for spec in TOTAL_SPECS:
        reachable = spec.reachable_scores()
        for band in spec.bands:
            inside = [s for s in reachable if band.min <= s <= band.max]  # type: ignore[operator]
            for score in sorted({inside[0], inside[-1]}):
                cases.append(pytest.param(spec.code, score, band.code, id=f"{spec.code}-{score}"))
    return cases


@pytest.mark.parametrize(("code", "score", "band"), boundary_cases())
def test_every_published_band_boundary(code: str, score: int, band: str) -> None:
    spec = SPECS[code]
    result = scoring.score_answers(spec, answers_for_raw(spec, score // spec.scoring.multiplier))
    assert result.score == score
    assert result.band == band


@pytest.mark.parametrize(
    ("code", "edges"),
    [
        ("phq9", {4: "minimal", 5: "mild", 9: "mild", 10: "moderate", 14: "moderate",
                  15: "moderately_severe", 19: "moderately_severe", 20: "severe", 27: "severe"}),
        ("phq_a", {0: "minimal", 4: "minimal", 5: "mild", 10: "moderate", 20: "severe"}),
        ("gad7", {0: "minimal", 4: "minimal", 5: "mild", 9: "mild", 10: "moderate",
                  14: "moderate", 15: "severe", 21: "severe"}),
        ("who5", {0: "likely_depression", 28: "likely_depression", 32: "poor_wellbeing",
                  48: "poor_wellbeing", 52: "adequate", 100: "adequate"}),
        ("cats", {0: "below_cutoff", 14: "below_cutoff", 15: "moderate", 20: "moderate",
                  21: "probable_ptsd", 60: "probable_ptsd"}),
    ],
)  # fmt: skip
def test_published_cut_offs_as_printed(code: str, edges: dict[int, str]) -> None:
    """The published cut-offs written out, so a wrong definition file cannot pass."""
    spec = SPECS[code]
    for score, band in edges.items():
        result = scoring.score_answers(
            spec, answers_for_raw(spec, score // spec.scoring.multiplier)
        )
        assert (result.score, result.band) == (score, band)


def test_who5_multiplies_the_raw_total_by_four() -> None:
    result = scoring.score_answers(SPECS["who5"], {f"q{i}": "3" for i in range(1, 6)})
    assert (result.raw_total, result.score, result.band) == (15, 60, "adequate")
    assert scoring.score_answers(SPECS["who5"], {f"q{i}": "2" for i in range(1, 6)}).score == 40


# --- critical items -----------------------------------------------------------------------


PHQ9_NONE = {f"q{i}": "0" for i in range(1, 10)}


@pytest.mark.parametrize("answer", ["1", "2", "3"])
def test_phq9_item_9_above_zero_is_critical(answer: str) -> None:
    result = scoring.score_answers(SPECS["phq9"], {**PHQ9_NONE, "q9": answer, "q10": "0"})
    assert result.alerts == ["self_harm_thoughts"]
    assert result.band == "minimal"  # an alert whatever the total


def test_phq9_item_9_at_zero_is_not_critical_and_item_10_is_not_asked() -> None:
    result = scoring.score_answers(SPECS["phq9"], PHQ9_NONE)
    assert (result.score, result.band, result.answers["q9"]) == (0, "minimal", "0")
    assert result.alerts == []
    assert "q10" not in result.answers


def test_phq_a_suicide_questions_are_critical() -> None:
    base = {f"q{i}": "0" for i in range(1, 10)}
    base |= {"past_year": "no", "past_month_thoughts": "no", "lifetime_attempt": "no"}
    assert scoring.score_answers(SPECS["phq_a"], base).alerts == []
    thoughts = scoring.score_answers(SPECS["phq_a"], {**base, "past_month_thoughts": "yes"})
    assert thoughts.alerts == ["suicidal_thoughts_past_month"]
    attempt = scoring.score_answers(SPECS["phq_a"], {**base, "lifetime_attempt": "yes"})
    assert attempt.alerts == ["suicide_attempt_lifetime"]


# --- the ASQ decision rules (NIMH toolkit) ------------------------------------------------

ASQ_NO = {"q1": "no", "q2": "no", "q3": "no", "q4": "no"}


def test_asq_all_no_is_negative_and_question_5_is_not_asked() -> None:
    result = scoring.score_answers(SPECS["asq"], ASQ_NO)
    assert (result.band, result.alerts) == ("negative", [])
    # a stray answer to question 5 is dropped, not scored
    assert "q5" not in scoring.score_answers(SPECS["asq"], {**ASQ_NO, "q5": "yes"}).answers


@pytest.mark.parametrize("question", ["q1", "q2", "q3", "q4"])
@pytest.mark.parametrize("answer", ["yes", "refused"])
def test_asq_any_yes_or_refusal_is_positive_and_asks_question_5(question: str, answer: str) -> None:
    spec = SPECS["asq"]
    with pytest.raises(InvalidInput) as missing:
        scoring.score_answers(spec, {**ASQ_NO, question: answer})
    assert [p.field for p in missing.value.errors] == ["answers.q5"]
    non_acute = scoring.score_answers(spec, {**ASQ_NO, question: answer, "q5": "no"})
    assert (non_acute.band, non_acute.alerts) == ("non_acute_positive", ["non_acute_suicide_risk"])
    acute = scoring.score_answers(spec, {**ASQ_NO, question: answer, "q5": "yes"})
    assert (acute.band, acute.alerts) == ("acute_positive", ["acute_suicide_risk"])


def test_asq_refusing_the_acuity_question_is_treated_as_acute() -> None:
    """Where the toolkit is silent (a refusal on question 5), Qamqor errs on safety."""
    result = scoring.score_answers(SPECS["asq"], {**ASQ_NO, "q1": "yes", "q5": "refused"})
    assert result.band == "acute_positive"
    assert SPECS["asq"].alert_rule("acute_suicide_risk").opens_protocol == "suicide_risk"  # type: ignore[union-attr]


def test_asq_is_asked_in_interviews_only() -> None:
    assert SPECS["asq"].modes == ["interview"]
    assert SPECS["cssrs_screener"].modes == ["interview"]


# --- C-SSRS screener ---------------------------------------------------------------------

CSSRS_NONE = {"q1": "no", "q2": "no", "q6": "no"}


@pytest.mark.parametrize(
    ("answers", "band", "alerts"),
    [
        ({}, "none", []),
        ({"q1": "yes"}, "low", []),
        ({"q2": "yes", "q3": "no", "q4": "no", "q5": "no"}, "low", []),
        ({"q2": "yes", "q3": "yes", "q4": "no", "q5": "no"}, "moderate", []),
        ({"q2": "yes", "q3": "no", "q4": "yes", "q5": "no"}, "high", ["suicidal_intent_or_plan"]),
        ({"q2": "yes", "q3": "yes", "q4": "no", "q5": "yes"}, "high", ["suicidal_intent_or_plan"]),
        ({"q6": "yes", "q6_recent": "no"}, "moderate", []),
        ({"q6": "yes", "q6_recent": "yes"}, "high", ["recent_suicidal_behaviour"]),
    ],
)
def test_cssrs_screener_risk_levels(answers: dict[str, str], band: str, alerts: list[str]) -> None:
    result = scoring.score_answers(SPECS["cssrs_screener"], {**CSSRS_NONE, **answers})
    assert (result.band, result.alerts) == (band, alerts)


def test_cssrs_questions_3_to_5_only_after_a_yes_to_2() -> None:
    with pytest.raises(InvalidInput) as error:
        scoring.score_answers(SPECS["cssrs_screener"], {**CSSRS_NONE, "q2": "yes"})
    assert {p.field for p in error.value.errors} == {"answers.q3", "answers.q4", "answers.q5"}


# --- CATS -------------------------------------------------------------------------------


def test_cats_symptoms_are_asked_only_after_an_event() -> None:
    spec = SPECS["cats"]
    no_events = {f"e{i}": "no" for i in range(1, 16)}
    result = scoring.score_answers(spec, no_events)
    assert (result.score, result.band) == (0, "below_cutoff")
    assert result.subscales["events"] == 0


def test_cats_subscales_follow_the_dsm5_clusters() -> None:
    spec = SPECS["cats"]
    answers = {f"e{i}": "no" for i in range(1, 16)} | {"e10": "yes", "e11": "yes"}
    answers |= {f"s{i}": "1" for i in range(1, 21)} | {f"i{i}": "no" for i in range(1, 6)}
    answers |= {"s1": "3", "s6": "2", "s20": "0"}
    result = scoring.score_answers(spec, answers)
    assert result.subscales == {
        "events": 2,
        "reexperiencing": 3 + 4,
        "avoidance": 2 + 1,
        "cognition_mood": 7,
        "arousal": 5,
        "interference": 0,
    }
    assert result.score == 7 + 3 + 7 + 5 == 22
    assert result.band == "probable_ptsd"
    assert result.alerts == []


def test_cats_disclosure_of_violence_raises_a_safeguarding_alert() -> None:
    spec = SPECS["cats"]
    answers = {f"e{i}": "no" for i in range(1, 16)} | {"e8": "yes"}
    answers |= {f"s{i}": "0" for i in range(1, 21)} | {f"i{i}": "no" for i in range(1, 6)}
    result = scoring.score_answers(spec, answers)
    assert result.alerts == ["disclosed_violence"]
    assert spec.alert_rule("disclosed_violence").severity == "safeguarding"  # type: ignore[union-attr]


# --- bad answers --------------------------------------------------------------------------


def test_missing_unknown_and_invalid_answers_name_their_field() -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(InvalidInput) as error:
        scoring.score_answers(
            SPECS["gad7"], {"q1": "7", "q99": "1", **{f"q{i}": "0" for i in range(3, 8)}}
        )
    with translation.override("en"):
        fields = {p.field: str(p.message) for p in error.value.errors}
    assert set(fields) == {"answers.q1", "answers.q2", "answers.q99"}
    assert "not one of the answers" in fields["answers.q1"]
    assert "required" in fields["answers.q2"] or "Answer" in fields["answers.q2"]


# --- properties ---------------------------------------------------------------------------


@st.composite
def any_answers(draw: Any, spec: InstrumentSpec) -> dict[str, str]:
    answers: dict[str, str] = {}
    for item in spec.items:
        if scoring.is_enabled(spec, item, answers):
            answers[item.key] = draw(st.sampled_from([o.code for o in spec.options_of(item)]))
    return answers


@pytest.mark.parametrize("code", sorted(SPECS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_answers_score_within_range_into_exactly_one_band(code: str, data: Any) -> None:
    spec = SPECS[code]
    answers = data.draw(any_answers(spec))
    result = scoring.score_answers(spec, answers)
    assert spec.band(result.band) is not None
    if spec.score_range is not None:
        low, high = spec.score_range
        assert result.score is not None and low <= result.score <= high
        band = spec.band(result.band)
        assert band is not None and band.min <= result.score <= band.max  # type: ignore[operator]
        assert result.score == result.raw_total * spec.scoring.multiplier  # type: ignore[operator]
    # scoring is a function of the answers: the same answers, the same result
    assert scoring.score_answers(spec, answers) == result


def _with_reverse(spec: InstrumentSpec, reverse: list[str]) -> InstrumentSpec:
    raw = copy.deepcopy(definitions.latest(spec.code).raw)
    raw["scoring"]["reverse"] = reverse
    return InstrumentSpec.model_validate(raw)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.sampled_from(["0", "1", "2", "3"]), min_size=7, max_size=7))
def test_reverse_items_score_max_plus_min_minus_the_value(values: list[str]) -> None:
    """No shipped instrument reverses an item, so a GAD-7 copy with two reversed items
    checks the rule: a reversed answer scores (highest + lowest - value)."""
    spec = SPECS["gad7"]
    reversed_spec = _with_reverse(spec, ["q2", "q5"])
    answers = {f"q{i}": v for i, v in enumerate(values, start=1)} | {"q8": "0"}
    plain = scoring.score_answers(spec, answers)
    turned = scoring.score_answers(reversed_spec, answers)
    assert plain.score is not None
    expected = (
        plain.score - int(values[1]) - int(values[4]) + (3 - int(values[1])) + (3 - int(values[4]))
    )
    assert turned.score == expected


@pytest.mark.parametrize(
    ("threshold", "score", "higher_is_worse", "listed"),
    [(10, 10, True, True), (10, 9, True, False), (50, 50, False, True), (50, 52, False, False)],
)
def test_follow_up_threshold_respects_the_direction(
    threshold: int, score: int, higher_is_worse: bool, listed: bool
) -> None:
    spec = SPECS["gad7"] if higher_is_worse else SPECS["who5"]
    scored = scoring.Scored(answers={}, raw_total=0, score=score, subscales={}, band="x")
    assert scoring.needs_follow_up(spec, scored, threshold) is listed
