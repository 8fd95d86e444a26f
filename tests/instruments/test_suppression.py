"""Small-cell suppression: no small number is shown, and none can be worked out by
subtracting visible numbers in a row or a column."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qamqor.instruments.suppression import suppress

MINIMUM = 10


def test_a_small_cell_and_its_complement_are_hidden() -> None:
    table = suppress([[20, 3, 15], [12, 12, 12]], MINIMUM)
    assert table[0][1] is None  # 3 < 10
    assert sum(cell is None for cell in table[0][:3]) >= 2  # its row cannot give it away
    assert table[-1][-1] == 74  # the grand total is safe to show


def test_a_small_group_is_hidden_whole() -> None:
    table = suppress([[40, 30], [4, 2]], MINIMUM)
    assert table[1] == [None, None, None]


def test_nothing_is_hidden_when_every_cell_is_large() -> None:
    assert suppress([[10, 20], [30, 40]], MINIMUM) == [[10, 20, 30], [30, 40, 70], [40, 60, 100]]


def test_zero_is_not_a_small_cell() -> None:
    assert suppress([[0, 25]], MINIMUM) == [[0, 25, 25], [0, 25, 25]]


@settings(max_examples=300, deadline=None)
@given(
    rows=st.integers(1, 6).flatmap(
        lambda width: st.lists(
            st.lists(st.integers(0, 40), min_size=width, max_size=width), min_size=1, max_size=6
        )
    )
)
def test_no_hidden_cell_can_be_derived_and_no_small_cell_is_shown(rows: list[list[int]]) -> None:
    table = suppress(rows, MINIMUM)
    width = len(rows[0])
    for line in table:
        for cell in line:
            assert cell is None or cell == 0 or cell >= MINIMUM
    # In a row (cells add up to the row total) and in a column (groups add up to the
    # totals row), one hidden cell alone would be the difference of the shown numbers.
    for line in table:
        if line[width] is not None:
            assert sum(cell is None for cell in line[:width]) != 1
    for column in range(width + 1):
        assert sum(line[column] is None for line in table) != 1
    # What is shown is true.
    full = [[*row, sum(row)] for row in rows]
    full.append([sum(row[c] for row in full) for c in range(width + 1)])
    for shown, truth in zip(table, full, strict=True):
        for cell, value in zip(shown, truth, strict=True):
            assert cell is None or cell == value
