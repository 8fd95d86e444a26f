"""Small-cell suppression of screening aggregates: no count below the minimum is shown, or
can be derived from the ones that are (DESIGN §5.3: statistics suppress small cells)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

SUPPRESSED = None  # a cell the reader must not see


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
