"""The demo's screenings (brief 1.2.7), through ``instruments.services``: a PHQ-A campaign
in one class of the demo school, answered with the pupils' one-time codes, and interviews
by the school psychologist."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from qamqor.accounts.models import Role
from qamqor.cases.models import Child
from qamqor.demo.world import DemoRegion
from qamqor.instruments import scoring
from qamqor.instruments import services as instrument_services
from qamqor.instruments.definitions import InstrumentSpec, Item
from qamqor.instruments.models import Campaign, CampaignPupil

CLASS_LABEL = "7A demo (synthetic)"  # Child.class_label holds 20 characters
_PUPILS = 25
_ANSWERED = 15
_THRESHOLD = 10


def campaign(site: DemoRegion) -> None:
    """25 pupils of 12 or 13; consent given for all but three, refused by one; fifteen
    answered: one with the critical answer, two in a follow-up band, the rest low."""
    rng = site.rng
    psychologist = site.login[Role.SCHOOL_PSYCHOLOGIST]
    created = instrument_services.create_campaign(
        actor=psychologist,
        title="Synthetic demo campaign: PHQ-A in class 7A (no real pupils)",
        instrument_code="phq_a",
        area=instrument_services.CampaignArea(
            level=Campaign.Level.SCHOOL, region=site.region, school=site.school
        ),
        opens_on=site.today - timedelta(days=5),
        closes_on=site.today + timedelta(days=14),
        follow_up_threshold=_THRESHOLD,
        class_labels=[CLASS_LABEL],
    )
    lines = [
        f"{site.birth_date(rng.choice((12, 13))).isoformat()} {rng.choice(('girl', 'boy'))}"
        for _ in range(_PUPILS)
    ]
    instrument_services.add_class.within(
        actor=psychologist,
        campaign=created,
        school=site.school,
        class_label=CLASS_LABEL,
        pupil_lines=lines,
    )
    pupils = list(
        CampaignPupil.objects.filter(campaign=created)
        .select_related("administration__instrument", "child")
        .order_by("pk")
    )
    given = [pupil.pk for pupil in pupils[:-3]]
    instrument_services.record_consent.within(
        actor=psychologist, campaign=created, pupil_ids=given, consent="given"
    )
    instrument_services.record_consent.within(
        actor=psychologist, campaign=created, pupil_ids=[pupils[-1].pk], consent="refused"
    )
    spec = created.instrument.spec
    for index, pupil in enumerate(pupils[:_ANSWERED]):
        assert pupil.administration is not None  # noqa: S101  every pupil is 12 or 13
        profile = "alert" if index == 0 else "high" if index in (1, 2) else "low"
        answers = _phq_answers(spec, rng, profile)
        code = instrument_services.access_code_for(pupil.administration)
        done = instrument_services.submit_by_code.within(code=code, answers=answers)
        site.summary.screenings[f"campaign {done.band}"] += 1


def interviews(site: DemoRegion) -> None:
    """Interviews of pupils of the campaign's class: three finished, one left open."""
    psychologist = site.login[Role.SCHOOL_PSYCHOLOGIST]
    children = list(Child.objects.filter(school=site.school, class_label=CLASS_LABEL))
    older = [child for child in children if (child.age_on(site.today) or 0) >= 13]
    for instrument, child, finish in (
        ("who5", children[-1], True),
        ("who5", children[-2], True),
        ("gad7", older[0] if older else None, True),
        ("who5", children[-3], False),
    ):
        if child is None:
            continue
        administration = instrument_services.start_interview(
            actor=psychologist, child=child, instrument_code=instrument, language="ru"
        )
        if finish:
            answers = _answers(
                administration.spec,
                lambda item, codes: site.rng.choice(codes[: max(2, len(codes) - 1)]),
            )
            instrument_services.submit_interview.within(
                administration=administration, actor=psychologist, answers=answers
            )
        site.summary.screenings[f"interview {administration.instrument.code}"] += 1


def _answers(spec: InstrumentSpec, pick: Callable[[Item, list[str]], str]) -> dict[str, str]:
    """An answer to every item the other answers switch on; ``pick(item, codes)``."""
    answers: dict[str, str] = {}
    for item in spec.items:
        if scoring.is_enabled(spec, item, answers):
            answers[item.key] = pick(item, [option.code for option in spec.options_of(item)])
    return answers


def _phq_answers(spec: InstrumentSpec, rng: random.Random, profile: str) -> dict[str, str]:
    """PHQ-A answers: "low" stays under the threshold (0 or 1 on eight items, at most 8),
    "high" is in a follow-up band (1 to 3 on each, at least 10), "alert" is high with
    item 9 above 0 — the one critical answer of the demo; never the suicide questions."""

    def pick(item: Item, codes: list[str]) -> str:
        if item.key == "q9":
            return "1" if profile == "alert" else "0"
        if item.key.startswith("q"):
            if profile == "low":
                return "1" if rng.random() < 0.3 else "0"
            return rng.choice(("1", "2", "2", "3"))
        if item.key == "difficulty":
            return "0" if profile == "low" else "2"
        return "no"  # past_year, past_month_thoughts, lifetime_attempt

    return _answers(spec, pick)
