"""Results are published suppressed: no count from 1 to the threshold minus one is shown,
none can be worked out from the totals, and reading them takes the same few queries
however many answers there are (brief 3.3.4; DESIGN §5.3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qamqor.instruments.suppression import _largest
from qamqor.surveys import selectors, services
from qamqor.surveys.models import Campaign
from tests.factories import World
from tests.surveys.conftest import answer

pytestmark = pytest.mark.django_db

MINIMUM = 5


def _true_table(table: selectors.ResultTable, counts: list[list[int]]) -> list[list[int]]:
    full = [[*row, sum(row)] for row in counts]
    full.append([sum(row[c] for row in full) for c in range(len(full[0]))])
    return full


def _check_protected(table: selectors.ResultTable, counts: list[list[int]]) -> None:
    """Every shown cell is 0 or at least the threshold, or a total; every hidden small count
    could, from everything shown, be as large as the threshold."""
    full = _true_table(table, counts)
    hidden = [[cell is None for cell in row] for row in table.cells]
    for r, row in enumerate(table.cells):
        for c, cell in enumerate(row):
            if cell is not None:
                assert cell == full[r][c]
                assert cell == 0 or cell >= MINIMUM, (r, c, cell)
            elif 0 < full[r][c] < MINIMUM:
                assert table.small[r][c]
                assert _largest(full, hidden, (r, c)) >= MINIMUM, (r, c)


def test_a_campaigns_results_hide_small_cells(campaign: Campaign) -> None:
    # adolescents: 12 "rather", 3 "fully"; parents: 6 "not_at_all", 1 "dont_know"
    answer(campaign, 12, "adolescent", trust_psc="rather")
    answer(campaign, 3, "adolescent", trust_psc="fully")
    answer(campaign, 6, "parent", trust_psc="not_at_all")
    services.submit_response(
        campaign=campaign,
        group="parent",
        device="one-parent-device-000",
        answers={"trust_psc": "dont_know"},
    )
    tables = {table.question.code: table for table in selectors.campaign_results(campaign)}
    assert set(tables) == {"trust_psc"}  # questions nobody answered are left out
    table = tables["trust_psc"]
    # options: fully, rather, rather_not, not_at_all, dont_know
    counts = [[3, 12, 0, 0, 0], [0, 0, 0, 6, 1]]
    _check_protected(table, counts)
    texts = dict(table.lines())
    assert texts["adolescents"][0] == "<5" and texts["parents"][4] == "<5"
    # the totals cannot give the small ones away: the row totals 15 and 7 are hidden or
    # a complement is
    assert "x" in {text for row in texts.values() for text in row}
    for row in texts.values():
        for text in row:
            assert text in ("<5", "x") or int(text) == 0 or int(text) >= MINIMUM


def test_results_by_region_hide_small_cells(world: World, campaign: Campaign) -> None:
    today = timezone.localdate()
    other = services.open_campaign(
        actor=world.regional_b,
        title="Region B",
        region=world.b.region,
        opens_on=today,
        closes_on=today + timedelta(days=7),
    )
    answer(campaign, 9, "adolescent", trust_police="rather_not")
    answer(campaign, 2, "adolescent", trust_police="fully")
    answer(other, 7, "adolescent", trust_police="not_at_all")
    answer(other, 1, "adolescent", trust_police="fully")
    answer(other, 4, "parent", trust_police="fully")  # another group: not in these tables
    tables = {table.question.code: table for table in selectors.region_results("adolescent")}
    table = tables["trust_police"]
    assert [label for _code, label in table.rows] == ["Astana", "Almaty"]  # by region code
    _check_protected(table, [[1, 0, 0, 7, 0], [2, 0, 9, 0, 0]])
    assert "<5" in dict(table.lines())["Astana"]


def test_random_tables_never_show_or_give_away_a_small_cell() -> None:
    import random

    from qamqor.instruments.suppression import protect

    rng = random.Random(34)
    for _round in range(15):
        rows, width = rng.randint(1, 4), rng.randint(2, 5)
        counts = [
            [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14]) for _c in range(width)]
            for _r in range(rows)
        ]
        if not any(any(row) for row in counts):
            continue
        cells, small = protect(counts, MINIMUM)
        table = selectors.ResultTable(
            question=None,  # type: ignore[arg-type]
            rows=[(str(r), str(r)) for r in range(rows)],
            cells=cells,
            small=small,
            minimum=MINIMUM,
        )
        _check_protected(table, counts)


def test_reading_results_takes_the_same_queries_at_any_size(
    world: World, campaign: Campaign, django_assert_max_num_queries: object
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.regional_a)
    url = reverse("survey-campaign", kwargs={"public_id": campaign.public_id})
    answer(campaign, 3, "adolescent", trust_psc="rather", first_contact="friend")
    client.get(url)  # warm the session and the scope

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    answer(campaign, 30, "parent", trust_psc="fully", first_contact="psc", knows_psc="yes")
    big = count()
    assert big == small
    assert small <= 12
    results = reverse("survey-results")
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get(results).status_code == 200


def test_a_group_that_did_not_answer_a_question_is_not_a_row(campaign: Campaign) -> None:
    """Eight pupils naming a friend stay visible when no parent answered that question."""
    answer(campaign, 8, "adolescent", first_contact="friend")
    answer(campaign, 6, "parent", trust_psc="fully")
    tables = {table.question.code: table for table in selectors.campaign_results(campaign)}
    first = tables["first_contact"]
    assert [code for code, _label in first.rows] == ["adolescent"]
    assert dict(first.lines())["adolescents"][1] == "8"
    assert [code for code, _label in tables["trust_psc"].rows] == ["parent"]
