"""How far children live from psychological support, and where new PSC branches would
reach the most of those who live far (brief 1.8.2, 3.1.2; docs/analytics.md).

Reads settlements (coordinates, children, social-vulnerability index) and the PSCs and
their branches (placed at their settlement) and hands the numbers to ``siting``. Nothing
here is personal data: settlements and organisations only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qamqor.analytics import siting
from qamqor.directory.models import Organisation, OrganisationKind, Region, Settlement

CENTRE_KINDS = (OrganisationKind.PSC, OrganisationKind.PSC_BRANCH)
THRESHOLDS_KM = (10.0, 30.0, 50.0)
DEFAULT_RADIUS_KM = 30.0
DEFAULT_BRANCHES = 5
EXACT_TIME_LIMIT = 10.0  # seconds; beyond it the answer says it is not proven optimal


@dataclass
class Place:
    pk: int
    name: str
    region: str
    region_code: str
    latitude: float
    longitude: float
    children: int
    vulnerability: float
    distance_km: float = float("inf")
    has_centre: bool = False

    @property
    def weight(self) -> float:
        """Children weighted by the vulnerability index (1.0 where none is known)."""
        return self.children * self.vulnerability


@dataclass
class RegionFigures:
    code: str
    name: str
    settlements: int = 0
    children: int = 0
    centres: int = 0
    within: list[tuple[float, int, float]] = field(default_factory=list)
    farthest_km: float = 0.0


@dataclass
class Accessibility:
    national: bool
    thresholds: tuple[float, ...]
    places: list[Place]
    centres: list[tuple[str, float, float]]
    regions: list[RegionFigures]
    children: int
    within: list[tuple[float, int, float]]
    not_counted: int  # settlements in scope without coordinates or a number of children


def _places(region_ids: frozenset[int] | None) -> tuple[list[Place], int]:
    settlements = Settlement.objects.select_related("region").order_by("pk")
    if region_ids is not None:
        settlements = settlements.filter(region_id__in=region_ids)
    places: list[Place] = []
    not_counted = 0
    for settlement in settlements:
        if settlement.latitude is None or settlement.longitude is None or not settlement.children:
            not_counted += 1
            continue
        places.append(
            Place(
                pk=settlement.pk,
                name=settlement.name,
                region=settlement.region.name,
                region_code=settlement.region.code,
                latitude=settlement.latitude,
                longitude=settlement.longitude,
                children=settlement.children,
                vulnerability=1.0 if settlement.vulnerability is None else settlement.vulnerability,
            )
        )
    return places, not_counted


def _centres() -> list[tuple[str, float, float, int]]:
    """Every PSC and branch in the country with coordinates (a family may cross a region's
    border to the nearest): name, latitude, longitude and the settlement it stands in."""
    rows = (
        Organisation.objects.filter(kind__in=CENTRE_KINDS, settlement__latitude__isnull=False)
        .select_related("settlement")
        .order_by("pk")
    )
    return [
        (org.name, org.settlement.latitude, org.settlement.longitude, org.settlement.pk)
        for org in rows
        if org.settlement is not None
        and org.settlement.latitude is not None
        and org.settlement.longitude is not None
    ]


def _within(places: Sequence[Place], thresholds: Sequence[float]) -> list[tuple[float, int, float]]:
    distances = np.array([p.distance_km for p in places], dtype=np.float64)
    children = np.array([p.children for p in places], dtype=np.float64)
    return [
        (threshold, int(count), share)
        for threshold, count, share in siting.covered_within(distances, children, thresholds)
    ]


def accessibility(
    region_ids: frozenset[int] | None, thresholds: Sequence[float] = THRESHOLDS_KM
) -> Accessibility:
    """Distances to the nearest centre for the settlements of ``region_ids`` (None: the
    whole country), with the children within each threshold, overall and by region."""
    places, not_counted = _places(region_ids)
    centres = _centres()
    if places:
        distances = siting.nearest_km(
            siting.unit_vectors([p.latitude for p in places], [p.longitude for p in places]),
            siting.unit_vectors([c[1] for c in centres], [c[2] for c in centres]),
        )
        with_centre = {c[3] for c in centres}
        for place, distance in zip(places, distances, strict=True):
            place.distance_km = float(distance)
            place.has_centre = place.pk in with_centre
    regions_in_scope = Region.objects.order_by("code")
    if region_ids is not None:
        regions_in_scope = regions_in_scope.filter(pk__in=region_ids)
    by_region = {r.code: RegionFigures(code=r.code, name=r.name) for r in regions_in_scope}
    grouped: dict[str, list[Place]] = {code: [] for code in by_region}
    for place in places:
        grouped.setdefault(place.region_code, []).append(place)
    for code, figures in by_region.items():
        members = grouped.get(code, [])
        figures.settlements = len(members)
        figures.children = sum(p.children for p in members)
        figures.centres = sum(p.has_centre for p in members)
        figures.within = _within(members, thresholds)
        figures.farthest_km = max((p.distance_km for p in members), default=0.0)
    return Accessibility(
        national=region_ids is None,
        thresholds=tuple(thresholds),
        places=sorted(places, key=lambda p: (-p.distance_km, -p.children)),
        centres=[(name, lat, lon) for name, lat, lon, _pk in centres],
        regions=list(by_region.values()),
        children=sum(p.children for p in places),
        within=_within(places, thresholds),
        not_counted=not_counted,
    )


@dataclass
class Branch:
    place: Place
    children: int  # children newly within reach (not weighted)
    weight: float  # the same, weighted by vulnerability


@dataclass
class SitingPlan:
    radius_km: float
    branches_asked: int
    reach_now: float  # weighted children already within the radius of a centre
    total: float  # all weighted children in scope
    greedy: list[Branch]
    greedy_gain: float
    exact: list[Branch]
    exact_gain: float
    exact_proven: bool
    gap: float


def plan_branches(
    data: Accessibility, *, branches: int, radius_km: float, time_limit: float = EXACT_TIME_LIMIT
) -> SitingPlan:
    """Where ``branches`` new branches would bring the most weighted children within
    ``radius_km`` of a centre: greedy and exact, with greedy's gap to the optimum.
    Candidates are the settlements in scope that have no centre yet."""
    places = data.places
    weights = np.array([p.weight for p in places], dtype=np.float64)
    distances = np.array([p.distance_km for p in places], dtype=np.float64)
    candidates = [i for i, p in enumerate(places) if not p.has_centre]
    points = siting.unit_vectors([p.latitude for p in places], [p.longitude for p in places])
    sets = siting.coverage_sets(points, points[candidates], radius_km) if candidates else []
    open_weights = siting.uncovered_weights(weights, distances, radius_km)
    comparison = siting.compare(open_weights, sets, branches, time_limit=time_limit)
    children = np.array([p.children for p in places], dtype=np.float64)
    still_far = distances > radius_km

    def branches_of(choice: siting.Choice) -> list[Branch]:
        covered = ~still_far.copy()
        chosen = []
        for j in choice.chosen:
            members = sets[j][~covered[sets[j]]]
            chosen.append(
                Branch(
                    place=places[candidates[j]],
                    children=int(children[members].sum()),
                    weight=float(weights[members].sum()),
                )
            )
            covered[sets[j]] = True
        return chosen

    return SitingPlan(
        radius_km=radius_km,
        branches_asked=branches,
        reach_now=float(weights[~still_far].sum()),
        total=float(weights.sum()),
        greedy=branches_of(comparison.greedy),
        greedy_gain=comparison.greedy.covered,
        exact=branches_of(comparison.exact),
        exact_gain=comparison.exact.covered,
        exact_proven=comparison.exact.optimal,
        gap=comparison.gap,
    )
