"""Territorial accessibility and branch siting (qamqor/analytics/siting.py; brief 1.8.2,
3.1.2): distances against a hand formula, coverage sets at their boundary, the exact
programme against brute force, and greedy never better than exact."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from qamqor.analytics import siting

ALMATY = (43.2567, 76.9286)
ASTANA = (51.1694, 71.4491)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * siting.EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def points(*coordinates: tuple[float, float]) -> np.ndarray:
    return siting.unit_vectors([c[0] for c in coordinates], [c[1] for c in coordinates])


def test_the_nearest_centre_is_measured_along_the_great_circle() -> None:
    distances = siting.nearest_km(points(ALMATY, ASTANA), points(ASTANA))
    assert distances[0] == pytest.approx(haversine_km(ALMATY, ASTANA), rel=1e-9)
    assert distances[0] == pytest.approx(972, abs=10)  # the published distance
    assert distances[1] == pytest.approx(0, abs=1e-6)


def test_without_any_centre_every_place_is_out_of_reach() -> None:
    assert np.isinf(siting.nearest_km(points(ALMATY), np.empty((0, 3)))).all()


def test_children_within_each_distance_are_counted_with_their_share() -> None:
    distances = np.array([0.0, 10.0, 30.0, 80.0])
    weights = np.array([100.0, 50.0, 30.0, 20.0])
    assert siting.covered_within(distances, weights, [10, 50]) == [
        (10.0, 150.0, 0.75),
        (50.0, 180.0, 0.9),
    ]


def test_a_coverage_set_holds_exactly_the_places_within_the_radius() -> None:
    centre = (48.0, 68.0)
    # Points due north of the centre, 1 degree of latitude apart (about 111.2 km).
    north = [(48.0 + d, 68.0) for d in (0.0, 0.5, 0.99, 1.01, 2.0)]
    radius = haversine_km(centre, (49.0, 68.0))
    sets = siting.coverage_sets(points(*north), points(centre), radius)
    assert sets[0].tolist() == [0, 1, 2]


def test_greedy_can_miss_the_optimum_and_exact_finds_it() -> None:
    # c0 covers a and b (8); c1 covers a and c (7); c2 covers b and d (7). With two
    # branches greedy takes c0 first and reaches 11; c1 and c2 together reach 14.
    weights = np.array([4.0, 4.0, 3.0, 3.0])
    sets = [np.array([0, 1]), np.array([0, 2]), np.array([1, 3])]
    comparison = siting.compare(weights, sets, 2)
    assert comparison.greedy.chosen == (0, 1) or comparison.greedy.chosen == (0, 2)
    assert comparison.greedy.covered == 11
    assert sorted(comparison.exact.chosen) == [1, 2]
    assert comparison.exact.covered == 14
    assert comparison.exact.optimal
    assert comparison.gap == pytest.approx(3 / 14)


def brute_force(weights: np.ndarray, sets: list[np.ndarray], k: int) -> float:
    best = 0.0
    for chosen in itertools.combinations(range(len(sets)), min(k, len(sets))):
        covered = np.zeros(len(weights), dtype=bool)
        for j in chosen:
            covered[sets[j]] = True
        best = max(best, float(weights[covered].sum()))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_exact_equals_brute_force_and_greedy_never_beats_it(seed: int) -> None:
    rng = random.Random(seed)
    n_places, n_candidates = rng.randint(5, 30), rng.randint(3, 9)
    weights = np.array([float(rng.randint(0, 50)) for _p in range(n_places)])
    sets = [
        np.array(sorted(rng.sample(range(n_places), rng.randint(0, n_places // 2))), dtype=int)
        for _c in range(n_candidates)
    ]
    for k in (1, 2, 3):
        comparison = siting.compare(weights, sets, k)
        optimum = brute_force(weights, sets, k)
        assert comparison.exact.covered == pytest.approx(optimum)
        assert comparison.greedy.covered <= comparison.exact.covered + 1e-9
        assert len(comparison.exact.chosen) <= k
        assert len(comparison.greedy.chosen) <= k


def test_places_already_within_reach_of_a_centre_bring_nothing() -> None:
    weights = np.array([10.0, 20.0, 30.0])
    distances = np.array([5.0, 40.0, 60.0])
    assert siting.uncovered_weights(weights, distances, 50).tolist() == [0.0, 0.0, 30.0]


def test_greedy_stops_when_nothing_more_can_be_covered() -> None:
    weights = np.array([5.0, 0.0])
    sets = [np.array([0]), np.array([1]), np.array([0])]
    choice = siting.greedy(weights, sets, 3)
    assert choice.chosen == (0,)
    assert choice.covered == 5


def naive_greedy(weights: np.ndarray, sets: list[np.ndarray], k: int) -> float:
    covered = np.zeros(len(weights), dtype=bool)
    for _round in range(k):
        gains = [float(weights[s[~covered[s]]].sum()) for s in sets]
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        covered[sets[best]] = True
    return float(weights[covered].sum())


@pytest.mark.parametrize("seed", range(12))
def test_lazy_greedy_reaches_what_recomputing_every_gain_reaches(seed: int) -> None:
    rng = random.Random(seed)
    weights = np.array([float(rng.randint(1, 40)) for _p in range(60)])
    sets = [
        np.array(sorted(rng.sample(range(60), rng.randint(1, 25))), dtype=int) for _c in range(25)
    ]
    for k in (2, 5, 8):
        assert siting.greedy(weights, sets, k).covered == naive_greedy(weights, sets, k)
