"""Scoring: answers to an instrument become a score, subscales, a band and alerts.

Pure functions of a definition and the answers, so the same code scores a tablet
submission, an interview, a FHIR import and a benchmark, and property tests can drive
it directly. The rules are data (``definitions``); nothing here knows an instrument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from qamqor.errors import FieldProblem, InvalidInput
from qamqor.instruments.definitions import Condition, InstrumentSpec, Item, When


@dataclass(frozen=True)
class Scored:
    """The outcome of one set of answers."""

    answers: dict[str, str]
    raw_total: int | None
    score: int | None
    subscales: dict[str, int]
    band: str
    alerts: list[str] = field(default_factory=list)
    band_follow_up: bool = False


def _value(spec: InstrumentSpec, item: Item, code: str | None) -> int | None:
    if code is None:
        return None
    for option in spec.options_of(item):
        if option.code == code:
            return option.value
    return None


def _holds(
    spec: InstrumentSpec, condition: Condition, answers: Mapping[str, str], band: str | None
) -> bool:
    if condition.band is not None:
        return band in condition.band
    answer = answers.get(condition.item_key)
    if condition.in_ is not None:
        return answer in condition.in_
    value = _value(spec, spec.item(condition.item_key), answer)
    return value is not None and condition.min_value is not None and value >= condition.min_value


def holds(
    spec: InstrumentSpec, when: When, answers: Mapping[str, str], band: str | None = None
) -> bool:
    """Whether ``when`` is true of these answers (and band)."""
    results = (_holds(spec, condition, answers, band) for condition in when.conditions)
    return any(results) if when.any is not None else all(results)


def is_enabled(spec: InstrumentSpec, item: Item, answers: Mapping[str, str]) -> bool:
    """An item is asked unless its ``enable_when`` is false of the earlier answers."""
    return item.enable_when is None or holds(spec, item.enable_when, answers)


def clean_answers(spec: InstrumentSpec, answers: Mapping[str, object]) -> dict[str, str]:
    """The answers to the items that are asked, each a valid option code.

    Answers to items that the other answers switch off are dropped (a child who went
    back and changed an answer); a missing or unknown answer is an error naming the item.
    """
    problems: list[FieldProblem] = []
    known = {item.key for item in spec.items}
    for key in answers:
        if key not in known:
            problems.append(
                FieldProblem(f"answers.{key}", _("There is no such question in this instrument."))
            )
    cleaned: dict[str, str] = {}
    for item in spec.items:
        if not is_enabled(spec, item, cleaned):
            continue
        raw = answers.get(item.key)
        code = "" if raw is None else str(raw).strip()
        if not code:
            problems.append(FieldProblem(f"answers.{item.key}", _("Answer this question.")))
            continue
        if code not in {option.code for option in spec.options_of(item)}:
            problems.append(
                FieldProblem(
                    f"answers.{item.key}", _("This is not one of the answers to this question.")
                )
            )
            continue
        cleaned[item.key] = code
    if problems:
        raise InvalidInput(_("Some answers are missing or not valid."), problems)
    return cleaned


def _item_score(spec: InstrumentSpec, key: str, answers: Mapping[str, str]) -> int:
    item = spec.item(key)
    value = _value(spec, item, answers.get(key))
    if value is None:
        return 0  # not asked (switched off by another answer): counts nothing
    if key in spec.scoring.reverse:
        values = [o.value for o in spec.options_of(item) if o.value is not None]
        return max(values) + min(values) - value
    return value


def score(spec: InstrumentSpec, answers: Mapping[str, str]) -> Scored:
    """Score cleaned answers (see ``clean_answers``)."""
    scoring = spec.scoring
    raw_total: int | None = None
    total: int | None = None
    if scoring.total_items:
        raw_total = sum(_item_score(spec, key, answers) for key in scoring.total_items)
        total = raw_total * scoring.multiplier
    subscales = {
        subscale.key: sum(_item_score(spec, key, answers) for key in subscale.items)
        for subscale in scoring.subscales
    }
    band_code = ""
    if scoring.band_by == "total":
        band_code = next(b.code for b in spec.bands if b.min <= total <= b.max)  # type: ignore[operator]
    else:
        for band in spec.bands:
            if band.otherwise or (band.when is not None and holds(spec, band.when, answers)):
                band_code = band.code
                break
    chosen = spec.band(band_code)
    alerts = [rule.code for rule in spec.alerts if holds(spec, rule.when, answers, band_code)]
    return Scored(
        answers=dict(answers),
        raw_total=raw_total,
        score=total,
        subscales=subscales,
        band=band_code,
        alerts=alerts,
        band_follow_up=bool(chosen and chosen.follow_up),
    )


def score_answers(spec: InstrumentSpec, answers: Mapping[str, object]) -> Scored:
    """Validate and score in one step."""
    return score(spec, clean_answers(spec, answers))


def needs_follow_up(spec: InstrumentSpec, scored: Scored, threshold: int | None) -> bool:
    """A pupil for the follow-up list: an alert, a band marked for follow-up, or a score at
    or beyond the campaign's threshold (at or above it, or at or below it for an instrument
    such as WHO-5 where a low score is the worry)."""
    if scored.alerts or scored.band_follow_up:
        return True
    if threshold is None or scored.score is None:
        return False
    if spec.scoring.higher_is_worse:
        return scored.score >= threshold
    return scored.score <= threshold
