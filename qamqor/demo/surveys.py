"""Trust surveys in the demo (docs/surveys.md): a campaign at the demo school for
adolescents and parents, and one for a whole second region opened by the national
coordinator, each with synthetic responses from synthetic devices spread over the weeks
it has been open. Everything here is invented and says so in the titles.

Part of the seed's one transaction, so it calls the plain services the pages' entry points
wrap (``create_campaign``, ``record_response``). It draws from a random source of its own,
not the seed's, so the rest of the demo is the same with or without it.
"""

from __future__ import annotations

import random
from datetime import timedelta

from qamqor.accounts.models import Role
from qamqor.demo.world import DEMO_REGION, DemoRegion
from qamqor.surveys import services
from qamqor.surveys.models import RespondentGroup
from qamqor.surveys.questions import questionnaire

#: A second region for the results by region (Astana).
OTHER_REGION = "KZ-71"
#: How likely each option is, by scale, in the synthetic answers (the scale's order).
WEIGHTS = {
    "trust": [2, 4, 3, 2, 2],
    "yes_no": [5, 3, 2],
    "first_contact": [6, 5, 2, 2, 1, 1, 2, 3],
}


def _answers(rng: random.Random) -> dict[str, str]:
    """A synthetic response: each question answered (or, now and then, skipped)."""
    answers = {}
    for question in questionnaire().questions:
        if rng.random() < 0.08:
            continue
        weights = WEIGHTS.get(question.scale) or [1] * len(question.options)
        answers[question.code] = rng.choices(question.option_codes, weights=weights)[0]
    return answers or {"trust_psc": "dont_know"}


def campaigns(site: DemoRegion) -> int:
    """Open the two campaigns and answer them; how many synthetic responses."""
    rng = random.Random(334)
    opened = site.today - timedelta(days=18)
    school = services.create_campaign(
        actor=site.login[Role.REGIONAL_COORDINATOR],
        title="Trust in help services, autumn (synthetic demo survey)",
        school=site.school,
        opens_on=opened,
        closes_on=site.today + timedelta(days=10),
    )
    region = services.create_campaign(
        actor=site.login[Role.NATIONAL_COORDINATOR],
        title="Trust in help services, region-wide (synthetic demo survey)",
        region=site.world.regions.get(OTHER_REGION) or site.world.regions[DEMO_REGION],
        for_parents=False,
        opens_on=opened,
        closes_on=site.today + timedelta(days=10),
    )
    plan = [
        (school, RespondentGroup.ADOLESCENT, 90),
        (school, RespondentGroup.PARENT, 40),
        (region, RespondentGroup.ADOLESCENT, 70),
    ]
    total = 0
    for campaign, group, count in plan:
        for _i in range(count):
            services.record_response(
                campaign=campaign,
                group=group,
                device=f"synthetic-demo-device-{rng.getrandbits(64):016x}",
                answers=_answers(rng),
                today=opened + timedelta(days=rng.randint(0, 18)),
            )
            total += 1
    return total
