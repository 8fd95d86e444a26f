"""Territorial accessibility of psychological support and where to open new branches
(brief 1.8.2, 3.1.2).

Two questions, both on settlements given by their coordinates and a weight (the number
of children, times a social-vulnerability index where one is known):

- **Accessibility**: how far each settlement is from the nearest PSC or branch, and how
  many children live within given distances of one (``nearest_km``, ``covered_within``).
- **Siting**: which K candidate settlements to open a branch in so that the most
  vulnerability-weighted children not yet within reach of a centre come within
  ``radius_km`` of one. This is the maximal covering location problem (Church and
  ReVelle, 1974). ``greedy`` adds, K times, the candidate that covers the most weight
  not yet covered (a (1 - 1/e) approximation, in practice within a few per cent);
  ``exact`` solves the integer programme with HiGHS through SciPy, so the greedy
  answer's gap to the optimum can be stated next to it (``compare``).

Distances are great-circle distances on a sphere of the Earth's mean radius; road
distances would be longer, which the reports say. Points are placed on the unit sphere
so a k-d tree answers "within r km" with a chord length, in O(n log n).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088  # the IUGG mean radius

Floats = NDArray[np.float64]
Indices = NDArray[np.intp]


def unit_vectors(lat: Sequence[float] | Floats, lon: Sequence[float] | Floats) -> Floats:
    """Points on the unit sphere for latitudes and longitudes in degrees, one row each."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def _chord(km: float) -> float:
    """The straight-line distance on the unit sphere between points ``km`` apart."""
    return 2.0 * math.sin(min(km / EARTH_RADIUS_KM, math.pi) / 2.0)


def _km(chord: Floats) -> Floats:
    """Great-circle kilometres for chord lengths on the unit sphere."""
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))


def nearest_km(places: Floats, facilities: Floats) -> Floats:
    """For each of ``places`` (unit vectors), the great-circle distance in km to the
    nearest of ``facilities``; infinity for all when there is no facility."""
    if len(facilities) == 0:
        return np.full(len(places), np.inf)
    chord, _index = cKDTree(facilities).query(places)
    return _km(np.asarray(chord, dtype=np.float64))


def covered_within(
    distances_km: Floats, weights: Floats, thresholds_km: Sequence[float]
) -> list[tuple[float, float, float]]:
    """For each threshold, the weight within it and its share of all the weight:
    ``[(threshold, weight, share), ...]`` (share 0 when there is no weight at all)."""
    total = float(weights.sum())
    rows = []
    for threshold in thresholds_km:
        within = float(weights[distances_km <= threshold].sum())
        rows.append((float(threshold), within, within / total if total else 0.0))
    return rows


def coverage_sets(places: Floats, candidates: Floats, radius_km: float) -> list[Indices]:
    """For each candidate, the indices of ``places`` within ``radius_km`` of it."""
    if len(candidates) == 0 or len(places) == 0:
        return [np.empty(0, dtype=np.intp) for _c in range(len(candidates))]
    found = cKDTree(candidates).query_ball_tree(cKDTree(places), _chord(radius_km))
    return [np.asarray(sorted(hits), dtype=np.intp) for hits in found]


@dataclass(frozen=True)
class Choice:
    """Candidates chosen (indices into the candidate list, in the order chosen) and the
    weight they bring within reach."""

    chosen: tuple[int, ...]
    covered: float
    method: str
    optimal: bool = False


def greedy(weights: Floats, sets: Sequence[Indices], k: int) -> Choice:
    """Choose up to ``k`` candidates, each time the one that covers the most weight not
    yet covered. Lazy evaluation: a candidate's gain only falls as others are chosen, so
    a gain computed earlier is an upper bound and is recomputed only when it is at the
    top of the heap."""
    covered = np.zeros(len(weights), dtype=bool)
    heap = [(-float(weights[s].sum()), j) for j, s in enumerate(sets)]
    heapq.heapify(heap)
    chosen: list[int] = []
    total = 0.0
    while heap and len(chosen) < k:
        _bound, j = heapq.heappop(heap)
        gain = float(weights[sets[j][~covered[sets[j]]]].sum())
        if heap and gain < -heap[0][0]:
            heapq.heappush(heap, (-gain, j))
            continue
        if gain <= 0.0:
            break
        chosen.append(j)
        total += gain
        covered[sets[j]] = True
    return Choice(tuple(chosen), total, "greedy")


def exact(
    weights: Floats, sets: Sequence[Indices], k: int, *, time_limit: float | None = None
) -> Choice:
    """The optimum of the maximal covering problem: binary x_j (open candidate j) and
    y_i in [0, 1] (place i covered), maximise sum w_i y_i subject to y_i <= sum of x_j
    over the candidates covering i, and sum x_j <= k. Only places some candidate covers
    take a variable. ``optimal`` is False when HiGHS stopped at ``time_limit``."""
    n = len(sets)
    reachable = np.unique(np.concatenate(sets)) if n else np.empty(0, dtype=np.intp)
    if n == 0 or k <= 0 or len(reachable) == 0:
        return Choice((), 0.0, "exact", optimal=True)
    row_of = {int(place): row for row, place in enumerate(reachable)}
    m = len(reachable)
    # Rows: y_i - sum_j a_ij x_j <= 0 for each reachable place i; then sum_j x_j <= k.
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for j, members in enumerate(sets):
        for place in members:
            rows.append(row_of[int(place)])
            cols.append(j)
            values.append(-1.0)
    rows.extend(range(m))
    cols.extend(range(n, n + m))
    values.extend([1.0] * m)
    rows.extend([m] * n)
    cols.extend(range(n))
    values.extend([1.0] * n)
    matrix = sparse.csr_array((values, (rows, cols)), shape=(m + 1, n + m))
    upper = np.zeros(m + 1)
    upper[m] = k
    objective = np.concatenate((np.zeros(n), -weights[reachable]))
    integrality = np.concatenate((np.ones(n), np.zeros(m)))
    options = {"time_limit": time_limit} if time_limit else {}
    result = milp(
        objective,
        constraints=LinearConstraint(matrix, -np.inf, upper),
        integrality=integrality,
        bounds=Bounds(0, 1),
        options=options,
    )
    if result.x is None:
        raise RuntimeError(f"the siting programme could not be solved: {result.message}")
    chosen = tuple(int(j) for j in np.flatnonzero(result.x[:n] > 0.5))
    covered = np.zeros(len(weights), dtype=bool)
    for j in chosen:
        covered[sets[j]] = True
    return Choice(chosen, float(weights[covered].sum()), "exact", optimal=result.status == 0)


@dataclass(frozen=True)
class Comparison:
    greedy: Choice
    exact: Choice

    @property
    def gap(self) -> float:
        """How far greedy falls short of the optimum, as a share of the optimum."""
        best = self.exact.covered
        return 0.0 if best <= 0 else max(0.0, (best - self.greedy.covered) / best)


def compare(
    weights: Floats, sets: Sequence[Indices], k: int, *, time_limit: float | None = None
) -> Comparison:
    """Both answers for the same problem, so the greedy one is shown with its gap."""
    return Comparison(greedy(weights, sets, k), exact(weights, sets, k, time_limit=time_limit))


def uncovered_weights(weights: Floats, distances_km: Floats, radius_km: float) -> Floats:
    """The weights with the places already within ``radius_km`` of a centre set to zero:
    a new branch gains nothing by covering them again."""
    return np.where(distances_km <= radius_km, 0.0, weights)
