"""Reads of trust surveys (brief 3.3.4): the campaigns a coordinator sees, a campaign by
its public link, and the results as suppressed tables.

Every table of results is one question: rows (respondent groups of a campaign, or
regions) by the question's options, with row and column totals, suppressed by
``instruments.suppression.protect`` at ``QAMQOR_PUBLIC_REPORT_MIN_CELL`` — the same code
and threshold as the public statistics report: a count from 1 to the threshold minus one
is "<5", and complementary cells are "x" so that no hidden count follows from the totals
or from what the labels say. Everyone who reads results reads them suppressed: the
respondents are anonymous, and a small cell could still point at one of them. Each table
set is read with one grouped query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from qamqor.accounts import access
from qamqor.directory.models import Region
from qamqor.instruments.suppression import Grid, protect
from qamqor.surveys.models import Answer, Campaign, RespondentGroup
from qamqor.surveys.questions import Question, questionnaire


def minimum_cell() -> int:
    """Counts below this are shown as "<N" (the public report's threshold)."""
    return int(getattr(settings, "QAMQOR_PUBLIC_REPORT_MIN_CELL", 5))


def campaign_list(user: Any) -> QuerySet[Campaign]:
    return (
        Campaign.objects.restrict(user, "view")
        .select_related("region", "school")
        .annotate(response_count=Count("responses"))
        .order_by("-opens_on", "-pk")
    )


def get_campaign(user: Any, public_id: UUID | str, action: str = "view") -> Campaign:
    """A campaign the user may ``action``; 404 otherwise (out of scope or unknown)."""
    try:
        key = UUID(str(public_id))
    except ValueError:
        raise Http404("campaign") from None
    return access.get_or_404(
        Campaign.objects.select_related("region", "school"), user, action, public_id=key
    )


def campaign_by_token(token: str) -> Campaign:
    """A campaign by its public link (no sign-in); 404 for an unknown link."""
    found = Campaign.objects.select_related("region", "school").filter(token=token).first()
    if found is None:
        raise Http404("survey")
    return found


@dataclass
class ResultTable:
    """One question's published table: ``rows`` by the question's options with totals (the
    last row and column of ``cells``; None is hidden, ``small`` says which hidden ones are
    shown as "<N")."""

    question: Question
    rows: list[tuple[str, str]]
    cells: Grid
    small: list[list[bool]]
    minimum: int

    @property
    def title(self) -> str:
        return self.question.text(RespondentGroup.PARENT)

    @property
    def columns(self) -> list[tuple[str, str]]:
        return [(option.code, option.label) for option in self.question.options]

    def text(self, r: int, c: int) -> str:
        value = self.cells[r][c]
        if value is not None:
            return str(value)
        return f"<{self.minimum}" if self.small[r][c] else "x"

    def lines(self) -> Iterator[tuple[str, list[str]]]:
        """(row label, cell texts) for every row, the totals row last."""
        labels = [label for _code, label in self.rows] + [_("Total")]
        for r, label in enumerate(labels):
            yield label, [self.text(r, c) for c in range(len(self.cells[r]))]

    def chart(self) -> dict[str, Any]:
        """The rows (not the totals) as a stacked bar chart: hidden cells are null."""
        return {
            "title": self.title,
            "labels": [label for _code, label in self.rows],
            "datasets": [
                {"label": label, "data": [self.cells[r][c] for r in range(len(self.rows))]}
                for c, (_code, label) in enumerate(self.columns)
            ],
        }


def _tables(
    rows: list[tuple[str, str]], counts: dict[tuple[str, str, str], int]
) -> list[ResultTable]:
    """One suppressed table per question from ``counts`` by (row, question, option)."""
    minimum = minimum_cell()
    tables = []
    for question in questionnaire().questions:
        lines = [
            (
                (row, label),
                [counts.get((row, question.code, option), 0) for option in question.option_codes],
            )
            for row, label in rows
        ]
        # A row nobody answered the question in is left out: that no one of a group or a
        # region answered says nothing of anyone, and a row of zeros would only make the
        # suppression hide the rows that have answers.
        answered = [(row, line) for row, line in lines if any(line)]
        if not answered:
            continue
        cells, small = protect([line for _row, line in answered], minimum)
        tables.append(
            ResultTable(question, [row for row, _line in answered], cells, small, minimum)
        )
    return tables


def campaign_results(campaign: Campaign) -> list[ResultTable]:
    """A campaign's results: per question, its respondent groups by the options."""
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    grouped = (
        Answer.objects.filter(response__campaign=campaign)
        .values_list("response__group", "question", "option")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for group, question, option, n in grouped:
        counts[(group, question, option)] = n
    rows = [(group, str(RespondentGroup(group).label)) for group in campaign.groups]
    return _tables(rows, counts)


def region_results(group: str) -> list[ResultTable]:
    """Every campaign together: per question, the regions with answers from ``group`` by
    the options (region-wide and school campaigns alike count in their region)."""
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    grouped = (
        Answer.objects.filter(response__group=group)
        .values_list("response__campaign__region_id", "question", "option")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    for region_id, question, option, n in grouped:
        found[region_id][(question, option)] = n
    regions = Region.objects.filter(pk__in=found).order_by("code")
    for region in regions:
        for (question, option), n in found[region.pk].items():
            counts[(region.code, question, option)] = n
    rows = [(region.code, region.name) for region in regions]
    return _tables(rows, counts)


def export_header() -> list[str]:
    return [_("Question"), _("Row"), _("Answer"), _("Count")]


def export_rows(tables: list[ResultTable]) -> Iterator[list[str]]:
    """The suppressed tables in long form: question, row, answer, count as published
    ("<5", "x" for hidden cells); the totals as the "Total" row and answer."""
    for table in tables:
        answers = [label for _code, label in table.columns] + [_("Total")]
        for label, texts in table.lines():
            for answer, text in zip(answers, texts, strict=True):
                yield [table.question.code, label, answer, text]
