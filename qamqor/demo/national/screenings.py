"""Two million PHQ-A screenings over five years (scale 1): one region-level campaign per
region and school year, the pupils' answers scored into the instrument's bands.

Screened pupils are drawn from the children the cases created (the region's pupils the
system knows); their age and sex at the time are stored with the screening as the
service does, so national aggregates need no join. Answers are not stored item by item
(``answers`` is empty): the total, the score and the band are, which is what the
statistics read. No answer is critical, so no alert is raised.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from qamqor.demo.national.cases import CaseHistory, months
from qamqor.demo.national.directory import NationalWorld, scaled
from qamqor.demo.national.rows import RowWriter, next_id
from qamqor.directory.models import OrganisationKind
from qamqor.instruments.models import Administration, Campaign
from qamqor.instruments.services import catalogue

SCREENINGS_PER_YEAR = 400_000  # 2,000,000 over five years at scale 1
INSTRUMENT = "phq_a"


def screenings(
    world: NationalWorld, cases: CaseHistory, *, years: int, now: datetime, progress: Any
) -> int:
    """Campaigns and their completed administrations, written month by month."""
    rng = world.rng
    version = catalogue.published_version(INSTRUMENT)
    bands = [  # PHQ-A's bands are ranges of the total
        (band.min or 0, band.max if band.max is not None else 10**6, band.code, band.follow_up)
        for band in version.spec.bands
    ]
    top = max(high for _low, high, _code, _follow in bands)
    children = cases.children
    by_region: dict[int, list[int]] = defaultdict(list)
    for index, region in enumerate(children.region):
        by_region[region].append(index)
    districts = {school: district for school, _region, district in world.schools}
    writer = RowWriter()
    campaign_table = writer.table(
        Campaign,
        ["public_id", "title", "instrument_id", "level", "region_id", "district_id",
         "school_id", "class_labels", "consent_required", "follow_up_threshold", "language",
         "opens_on", "closes_on", "status", "organisation_id", "created_by_id", "created_at"],
        ids=True,
    )  # fmt: skip
    table = writer.table(
        Administration,
        ["public_id", "instrument_id", "child_id", "campaign_id", "organisation_id", "mode",
         "status", "language", "access_code_hash", "expires_at", "created_by_id", "created_at",
         "submitted_at", "answers", "raw_total", "score", "subscales", "band",
         "needs_follow_up", "critical", "stated_total", "stated_total_scale", "source_system",
         "source_id", "region_id", "district_id", "school_id", "age_years", "sex"],
    )  # fmt: skip
    campaign_id = next_id(Campaign)
    campaigns: dict[tuple[int, int], int] = {}
    total = scaled(SCREENINGS_PER_YEAR * years, world.scale)
    slices = list(months(now, years))
    regions = list(by_region)
    for number, (start, end) in enumerate(slices):
        count = total // len(slices) + (number < total % len(slices))
        for _ in range(count):
            region = rng.choice(regions)
            index = rng.choice(by_region[region])
            child = children.first_id + index
            school = children.school[index]
            at = start + (end - start) * rng.random()
            school_year = at.year if at.month >= 9 else at.year - 1
            key = (region, school_year)
            if key not in campaigns:
                campaigns[key] = campaign_id
                education = world.bodies[(region, OrganisationKind.EDUCATION_DEPARTMENT)]
                opens = date(school_year, 9, 1)
                closes = date(school_year + 1, 5, 31)
                campaign_table.add(
                    (campaign_id, cases.uuid(),
                     f"Synthetic national PHQ-A screening {school_year}/{school_year + 1}",
                     version.pk, Campaign.Level.REGION, region, None, None, "[]", True, 10,
                     "ru", opens, closes,
                     Campaign.Status.CLOSED if closes < now.date() else Campaign.Status.OPEN,
                     education, world.staff[education], datetime.combine(
                         opens, datetime.min.time(), tzinfo=now.tzinfo) - timedelta(days=7))
                )  # fmt: skip
                campaign_id += 1
            raw = min(top, int(rng.expovariate(1 / 5.0)))
            band, follow = next((c, f) for low, high, c, f in bands if low <= raw <= high)
            age = (at.date().toordinal() - children.birth[index]) // 365
            table.add(
                (cases.uuid(), version.pk, child, campaigns[key], school, "self", "completed",
                 rng.choice(("ru", "kk")), None, None, None, at - timedelta(days=3), at, "{}",
                 raw, raw, "{}", band, follow, False, None, "", "", "", region,
                 districts[school], school, age, children.sex[index])
            )  # fmt: skip
        writer.flush()
        progress.update(count)
    writer.close()
    writer.reset_sequences()
    return table.written
