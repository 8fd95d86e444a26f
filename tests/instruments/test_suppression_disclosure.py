"""No suppressed cell can be worked out from what is published, by any combination of
row and column totals (not only by one subtraction): for every hidden cell a linear
programme finds the smallest and the largest value consistent with the shown numbers,
and the two must differ (qamqor/instruments/suppression.py, docs/instruments.md)."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from qamqor.instruments.suppression import suppress

MINIMUM = 5


def feasible_range(table: list[list[int | None]], r: int, c: int) -> tuple[float, float]:
    """The least and the greatest value of hidden cell (r, c) given every shown cell,
    with groups adding up to the totals row and cells adding up to their row's total."""
    hidden = [(i, j) for i, line in enumerate(table) for j, cell in enumerate(line) if cell is None]
    index = {cell: k for k, cell in enumerate(hidden)}
    width = len(table[0]) - 1
    groups = len(table) - 1
    equations: list[tuple[dict[int, float], float]] = []

    def add(cells: list[tuple[tuple[int, int], float]]) -> None:
        coefficients: dict[int, float] = {}
        constant = 0.0
        for (i, j), sign in cells:
            if (i, j) in index:
                coefficients[index[(i, j)]] = coefficients.get(index[(i, j)], 0.0) + sign
            else:
                constant -= sign * float(table[i][j])  # type: ignore[arg-type]
        if coefficients:
            equations.append((coefficients, constant))

    for i in range(len(table)):  # the cells of a row add up to its total
        add([((i, j), 1.0) for j in range(width)] + [((i, width), -1.0)])
    for j in range(width + 1):  # the groups add up to the totals row
        add([((i, j), 1.0) for i in range(groups)] + [((groups, j), -1.0)])
    a_eq = np.zeros((len(equations), len(hidden)))
    b_eq = np.zeros(len(equations))
    for row, (coefficients, constant) in enumerate(equations):
        for k, value in coefficients.items():
            a_eq[row, k] = value
        b_eq[row] = constant
    objective = np.zeros(len(hidden))
    objective[index[(r, c)]] = 1.0
    bounds = [(0, None)] * len(hidden)
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    assert low.status == 0
    return low.fun, np.inf if high.status == 3 else -high.fun


@settings(max_examples=120, deadline=None)
# Tables that gave a count away before the exact check: zeros pinned by a zero total.
@example(rows=[[0, 1, 5], [0, 5, 0]])
@example(rows=[[0, 0, 0, 1], [0, 0, 5, 0]])
@given(
    rows=st.integers(1, 5).flatmap(
        lambda width: st.lists(
            st.lists(st.integers(0, 12), min_size=width, max_size=width), min_size=1, max_size=5
        )
    )
)
def test_no_hidden_cell_is_pinned_by_the_published_numbers(rows: list[list[int]]) -> None:
    table = suppress(rows, MINIMUM)
    full = [[*row, sum(row)] for row in rows]
    full.append([sum(row[c] for row in full) for c in range(len(rows[0]) + 1)])
    for r, line in enumerate(table):
        for c, cell in enumerate(line):
            # The small counts (1 to MINIMUM - 1, a small group's total included) must
            # keep some doubt. A zero is not a small cell (a column of zeros may show
            # that its groups are zeros), and a complement may be worked out as long as
            # it gives no small count away.
            if cell is None and 0 < full[r][c] < MINIMUM:
                low, high = feasible_range(table, r, c)
                assert high - low >= 1, (rows, table, (r, c), low, high)


def test_a_bridge_between_two_hidden_blocks_is_caught() -> None:
    # The linear programme itself: a single hidden cell in a row whose total is shown
    # is pinned, and the check says so.
    table: list[list[int | None]] = [[None, 7, 10], [3, 7, 10], [6, 14, 20]]
    assert feasible_range(table, 0, 0) == (3.0, 3.0)
