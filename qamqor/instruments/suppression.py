"""Small-cell suppression of published tables: no count below the minimum is shown, or can
be derived from the ones that are (DESIGN §5.3: statistics suppress small cells).

``suppress`` hides small cells and their complements (screening aggregates); ``protect``
adds protection intervals and the labels' meaning on top of it (the public report, the
trust surveys' results). Pure functions of the counts, below every app that publishes."""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

SUPPRESSED = None  # a cell the reader must not see

Grid = list[list[int | None]]


def suppress(rows: list[list[int]], minimum: int) -> list[list[int | None]]:
    """Hide small cells so that none can be read off or derived by subtraction.

    ``rows`` are counts per group (one column per band). A row whose total is below
    ``minimum`` is hidden whole; a cell from 1 to ``minimum - 1`` is hidden; then, until
    nothing changes, a row or a column (the totals row counts as a row) with exactly one
    hidden cell hides one more, so that no hidden cell is the difference of visible ones;
    last, every hidden small count is checked exactly against everything shown, and one
    that could be worked out hides one more cell in its row or column (``_first_pinned``).
    The result has one more row (the totals) and one more column (each row's total).
    """
    if not rows:
        return []
    width = len(rows[0])
    table: list[list[int]] = [[*row, sum(row)] for row in rows]
    table.append([sum(row[c] for row in table) for c in range(width + 1)])
    hidden = [[False] * (width + 1) for _row in table]
    for r, row in enumerate(table):
        if row[width] < minimum:
            hidden[r] = [True] * (width + 1)
            continue
        for c in range(width):
            if 0 < row[c] < minimum:
                hidden[r][c] = True

    def hide_one_more(cells: list[tuple[int, int]]) -> bool:
        """Hide the smallest visible cell among ``cells``; False if there is none."""
        visible = [(table[r][c] == 0, table[r][c], r, c) for r, c in cells if not hidden[r][c]]
        if not visible:
            return False
        # A hidden zero protects nothing where a zero total pins it: prefer counts.
        _zero, _value, r, c = min(visible)
        hidden[r][c] = True
        return True

    def complete_lines() -> None:
        """Until nothing changes, a line with exactly one hidden cell hides one more."""
        changed = True
        while changed:
            changed = False
            # Within a row: cells + ... = the row total (when the total is shown).
            for r in range(len(table)):
                if hidden[r][width]:
                    continue
                if sum(hidden[r][c] for c in range(width)) == 1:
                    changed |= hide_one_more([(r, c) for c in range(width)])
            # Within a column: the groups' cells add up to the totals row's cell.
            for c in range(width + 1):
                if sum(hidden[r][c] for r in range(len(table))) == 1:
                    changed |= hide_one_more([(r, c) for r in range(len(table))])

    # One subtraction is not the only way to a hidden number: zeros pinned by a zero total
    # and chains of rows and columns can give one away too. An exact check (the least and
    # the greatest value each small count can take given everything shown) finds those;
    # each one found hides one more cell beside it, and the lines are completed again.
    complete_lines()
    while (pinned := _first_pinned(table, hidden, minimum)) is not None:
        r, c = pinned
        lines = [[(r, j) for j in range(width + 1)], [(i, c) for i in range(len(table))]]
        everywhere = [(i, j) for i in range(len(table)) for j in range(width + 1)]
        if not any(hide_one_more(cells) for cells in (*lines, everywhere)):
            break  # everything is hidden already
        complete_lines()
    return [
        [SUPPRESSED if hidden[r][c] else table[r][c] for c in range(width + 1)]
        for r in range(len(table))
    ]


def _first_pinned(
    table: list[list[int]], hidden: list[list[bool]], minimum: int
) -> tuple[int, int] | None:
    """The first hidden small count (1 to ``minimum - 1``) whose value follows from what is
    shown, or None.

    What a reader knows: the groups add up to the totals row, each row's cells add up to
    its total, no count is negative, and every shown cell. A hidden count is given away
    when it takes one value only on that set. The equations alone pin some; with
    non-negativity, a zero total also pins the counts that add up to it, and chains of
    such zeros pin more. So: one linear programme finds every hidden count that must be
    zero (it maximises how far each can rise above zero at once: those that cannot rise
    are zero everywhere), and a count is then given away exactly when its unit vector lies
    in the span of the equations and of those zeros (the system is a bipartite incidence
    matrix, totally unimodular, so the range of a count is a whole number: zero or at
    least one)."""
    cells = [(r, c) for r, row in enumerate(hidden) for c, is_hidden in enumerate(row) if is_hidden]
    sensitive = [(r, c) for r, c in cells if 0 < table[r][c] < minimum]
    if not sensitive:
        return None
    index = {cell: k for k, cell in enumerate(cells)}
    width = len(table[0]) - 1
    groups = len(table) - 1
    lines = [[(r, c, 1.0) for c in range(width)] + [(r, width, -1.0)] for r in range(len(table))]
    lines += [[(r, c, 1.0) for r in range(groups)] + [(groups, c, -1.0)] for c in range(width + 1)]
    n = len(cells)
    a_eq = np.zeros((len(lines), n))
    b_eq = np.zeros(len(lines))
    for row, line in enumerate(lines):
        for r, c, sign in line:
            if (r, c) in index:
                a_eq[row, index[(r, c)]] += sign
            else:
                b_eq[row] -= sign * table[r][c]
    # Variables x (the hidden counts) and s (each count's rise, capped): maximise the sum
    # of s with s <= n x, s <= 1 and the equations on x. A count that can be positive is
    # at least 1 at some vertex (whole numbers), so the mean of those vertices has every
    # such count at least 1/n: the optimum has s = 1 for each of them and s = 0 for the
    # counts that must be zero.
    result = linprog(
        np.concatenate((np.zeros(n), -np.ones(n))),
        A_ub=np.hstack((-n * np.eye(n), np.eye(n))),
        b_ub=np.zeros(n),
        A_eq=np.hstack((a_eq, np.zeros((len(lines), n)))),
        b_eq=b_eq,
        bounds=[(0, None)] * n + [(0, 1)] * n,
        method="highs",
    )
    if result.status != 0:  # cannot happen for a true table; hide more to be safe
        return sensitive[0]
    zeros = np.eye(n)[result.x[n:] < 0.5]
    known = np.vstack((a_eq, zeros))
    rank = np.linalg.matrix_rank(known)
    for cell in sensitive:
        unit = np.eye(1, n, index[cell])
        if np.linalg.matrix_rank(np.vstack((known, unit))) == rank:
            return cell
    return None


# --- suppression with protection --------------------------------------------------------------


def _equations(hidden: list[list[bool]], table: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """What a reader knows of the hidden cells: each row adds up to its total, each column
    of the groups to the totals row (the published cells moved to the right side)."""
    cells = [(r, c) for r, row in enumerate(hidden) for c, is_hidden in enumerate(row) if is_hidden]
    index = {cell: k for k, cell in enumerate(cells)}
    width, groups = len(table[0]) - 1, len(table) - 1
    lines = [[(r, c, 1.0) for c in range(width)] + [(r, width, -1.0)] for r in range(len(table))]
    lines += [[(r, c, 1.0) for r in range(groups)] + [(groups, c, -1.0)] for c in range(width + 1)]
    a_eq = np.zeros((len(lines), len(cells)))
    b_eq = np.zeros(len(lines))
    for row, line in enumerate(lines):
        for r, c, sign in line:
            if (r, c) in index:
                a_eq[row, index[(r, c)]] += sign
            else:
                b_eq[row] -= sign * table[r][c]
    return a_eq, b_eq


def _largest(table: list[list[int]], hidden: list[list[bool]], cell: tuple[int, int]) -> float:
    """The largest value hidden ``cell`` can take given everything published (no count is
    negative); the system is totally unimodular, so the bound is a whole number."""
    cells = [(r, c) for r, row in enumerate(hidden) for c, is_hidden in enumerate(row) if is_hidden]
    a_eq, b_eq = _equations(hidden, table)
    objective = np.zeros(len(cells))
    objective[cells.index(cell)] = -1.0
    result = linprog(
        objective, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * len(cells), method="highs"
    )
    if result.status == 3:  # unbounded: nothing caps it
        return float("inf")
    return float(-result.fun) if result.status == 0 else 0.0


def _pinned_by_labels(
    table: list[list[int]],
    hidden: list[list[bool]],
    small: list[list[bool]],
    cell: tuple[int, int],
    minimum: int,
) -> bool:
    """Whether hidden small ``cell`` takes one value only once a reader also uses what
    the labels say: a "<N" count is from 1 to N - 1, an "x" is 0 or at least N (whole
    numbers; a mixed-integer programme, a binary per "x" choosing which)."""
    cells = [(r, c) for r, row in enumerate(hidden) for c, is_hidden in enumerate(row) if is_hidden]
    crosses = [h for h in cells if not small[h[0]][h[1]]]
    n, m = len(cells), len(crosses)
    a_eq, b_eq = _equations(hidden, table)
    big = float(table[-1][-1]) + 1
    rows, lower, upper = [np.hstack((a_eq, np.zeros((len(b_eq), m))))], [b_eq], [b_eq]
    for j, (r, c) in enumerate(crosses):
        at_least = np.zeros(n + m)
        at_least[cells.index((r, c))], at_least[n + j] = 1.0, -float(minimum)
        at_most = np.zeros(n + m)
        at_most[cells.index((r, c))], at_most[n + j] = 1.0, -big
        rows += [at_least[None, :], at_most[None, :]]
        lower += [np.array([0.0]), np.array([-np.inf])]
        upper += [np.array([np.inf]), np.array([0.0])]
    constraints = LinearConstraint(np.vstack(rows), np.concatenate(lower), np.concatenate(upper))
    bounds = Bounds(
        [1.0 if small[r][c] else 0.0 for r, c in cells] + [0.0] * m,
        [minimum - 1.0 if small[r][c] else big for r, c in cells] + [1.0] * m,
    )
    objective = np.zeros(n + m)
    objective[cells.index(cell)] = 1.0
    kinds = np.ones(n + m)
    low = milp(objective, constraints=constraints, bounds=bounds, integrality=kinds)
    high = milp(-objective, constraints=constraints, bounds=bounds, integrality=kinds)
    if low.status != 0 or high.status != 0:
        return True  # cannot happen for a true table; hide more to be safe
    return bool(round(-high.fun) - round(low.fun) < 1)


def protect(counts: list[list[int]], minimum: int) -> tuple[Grid, list[list[bool]]]:
    """``counts`` with a totals column and a totals row, hidden cells None, and which of
    them are small (1 to ``minimum - 1``: shown as "<N").

    First ``suppress`` (small cells and enough complements that none is pinned by the
    totals); then, while a small count's largest possible value given the published
    numbers stays below ``minimum`` (so the totals alone would show it is small), one
    more cell is hidden: a cell inside the table before a total, in the small count's
    row or column before one elsewhere, and one whose other line already hides a cell
    (so it can give way) before one that would stand alone. The same when the labels
    themselves give a small count away (``_pinned_by_labels``: "<5" says 1 to 4, "x" says
    0 or at least 5). When every cell is hidden and the labels still give a count away,
    none is labelled small: all are "x" (``withheld``), and the table's note says so.
    """
    shown = suppress(counts, minimum)
    width = len(counts[0])
    table = [[*row, sum(row)] for row in counts]
    table.append([sum(row[c] for row in table) for c in range(width + 1)])
    hidden = [[cell is None for cell in row] for row in shown]
    small = [
        [hidden[r][c] and 0 < table[r][c] < minimum for c in range(width + 1)]
        for r in range(len(table))
    ]

    def lonely(i: int, j: int) -> bool:
        """Whether hiding (i, j) would leave it alone in its column or row."""
        in_column = sum(hidden[k][j] for k in range(len(table)))
        in_row = sum(hidden[i][k] for k in range(width + 1))
        return in_column == 0 or in_row == 0

    # Hiding a cell only widens what a reader must allow (every earlier solution stays
    # one), so a small count once in doubt stays in doubt: it is not checked again.
    settled: set[tuple[int, int]] = set()
    changed = True
    while changed:
        changed = False
        for r, c in [(r, c) for r in range(len(table)) for c in range(width + 1) if small[r][c]]:
            if (r, c) in settled:
                continue
            if _largest(table, hidden, (r, c)) >= minimum and not _pinned_by_labels(
                table, hidden, small, (r, c), minimum
            ):
                settled.add((r, c))
                continue
            visible = [
                (i, j) for i in range(len(table)) for j in range(width + 1) if not hidden[i][j]
            ]
            if not visible:
                continue
            # Totals stay published if they can; then a cell in the small count's row or
            # column; one that can give way (its other line hides a cell already); a
            # count before a zero; the smallest.
            i, j = min(
                visible,
                key=lambda cell: (
                    cell[1] == width or cell[0] == len(table) - 1,
                    cell[0] != r and cell[1] != c,
                    lonely(*cell),
                    table[cell[0]][cell[1]] == 0,
                    table[cell[0]][cell[1]],
                ),
            )
            hidden[i][j] = True
            changed = True
            break
    everything_hidden = all(all(row) for row in hidden)
    if everything_hidden and any(
        _pinned_by_labels(table, hidden, small, (r, c), minimum)
        for r in range(len(table))
        for c in range(width + 1)
        if small[r][c]
    ):
        # Nothing is left to hide and the "<N" labels still give a count away (a 2-by-2
        # table of ones under a total of 4: four counts of at least 1 that sum to at most
        # 4): every cell is shown as "x", which then may also stand for a small count.
        small = [[False] * (width + 1) for _row in table]
    grid: Grid = [
        [None if hidden[r][c] else table[r][c] for c in range(width + 1)] for r in range(len(table))
    ]
    return grid, small


def withheld(cells: Grid, small: list[list[bool]]) -> bool:
    """Whether ``protect`` hid every cell and labelled none small: each "x" may then also
    stand for a small count, which the table's note must say."""
    return all(value is None for row in cells for value in row) and not any(map(any, small))
