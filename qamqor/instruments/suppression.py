"""Small-cell suppression of screening aggregates: no count below the minimum is shown, or
can be derived from the ones that are (DESIGN §5.3: statistics suppress small cells)."""

from __future__ import annotations

SUPPRESSED = None  # a cell the reader must not see


def suppress(rows: list[list[int]], minimum: int) -> list[list[int | None]]:
    """Hide small cells so that none can be read off or derived by subtraction.

    ``rows`` are counts per group (one column per band). A row whose total is below
    ``minimum`` is hidden whole; a cell from 1 to ``minimum - 1`` is hidden; then, until
    nothing changes, a row or a column (the totals row counts as a row) with exactly one
    hidden cell hides one more, so that no hidden cell is the difference of visible ones.
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
        visible = [(table[r][c], r, c) for r, c in cells if not hidden[r][c]]
        if not visible:
            return False
        _value, r, c = min(visible)
        hidden[r][c] = True
        return True

    changed = True
    while changed:
        changed = False
        # Within a row: cells + ... = the row total (when the total is shown).
        for r in range(len(table)):
            if hidden[r][width]:
                continue
            count = sum(hidden[r][c] for c in range(width))
            if count == 1:
                changed |= hide_one_more([(r, c) for c in range(width)])
        # Within a column: the groups' cells add up to the totals row's cell.
        for c in range(width + 1):
            count = sum(hidden[r][c] for r in range(len(table)))
            if count == 1:
                changed |= hide_one_more([(r, c) for r in range(len(table))])
    return [
        [SUPPRESSED if hidden[r][c] else table[r][c] for c in range(width + 1)]
        for r in range(len(table))
    ]
