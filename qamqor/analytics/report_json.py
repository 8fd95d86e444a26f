"""The public report's tables as JSON for ``GET /api/v1/stats/report`` (brief 1.4.1,
3.1.2): the same suppressed tables as the page and the PDF (``analytics.public_report``);
a hidden count is the text the page shows ("<5" or "x")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema

from qamqor.analytics import public_report

Cell = int | str


class ReportRowOut(Schema):
    code: str
    label: str
    cells: list[Cell]
    total: Cell
    extra: list[str | None]


class ReportTableOut(Schema):
    code: str
    title: str
    columns: list[str]
    column_labels: list[str]
    extra: list[str]
    column_extra: dict[str, list[str | None]]
    rows: list[ReportRowOut]
    totals: ReportRowOut
    note: str


class PublicReportOut(Schema):
    year: int
    quarter: int | None
    period: str
    as_of: dt.datetime | None
    minimum: int
    legend: str
    notes: list[str]
    tables: list[ReportTableOut]


def _row(table: public_report.Table, r: int, code: str, label: str, minimum: int) -> dict[str, Any]:
    width = len(table.columns)
    return {
        "code": code,
        "label": label,
        "cells": [_cell(table, r, c, minimum) for c in range(width)],
        "total": _cell(table, r, width, minimum),
        "extra": [values[r] if r < len(values) else None for _label, values in table.extra]
        if not table.single
        else [],
    }


def _cell(table: public_report.Table, r: int, c: int, minimum: int) -> Cell:
    value = table.cells[r][c]
    return value if value is not None else public_report.cell_text(table, r, c, minimum)


def report_json(year: int, quarter: int | None) -> dict[str, Any]:
    """The report for ``year`` (and ``quarter``) in ``PublicReportOut``'s shape."""
    report = public_report.cached(year, quarter)
    minimum = report.minimum
    tables = []
    for table in report.tables:
        rows = [_row(table, r, code, label, minimum) for r, (code, label) in enumerate(table.rows)]
        totals = _row(table, len(table.rows), "total", "", minimum)
        if table.single:  # one row: the extra figures are per column
            totals["extra"] = []
        tables.append(
            {
                "code": table.code,
                "title": table.title,
                "columns": [code for code, _label in table.columns],
                "column_labels": [label for _code, label in table.columns],
                "extra": [label for label, _values in table.extra],
                # A one-row table's derived figures are per column (a share of each band).
                "column_extra": dict(table.extra) if table.single else {},
                "rows": rows,
                "totals": totals,
                "note": table.note,
            }
        )
    return {
        "year": report.year,
        "quarter": report.quarter,
        "period": public_report.period_label(report.year, report.quarter),
        "as_of": report.as_of,
        "minimum": minimum,
        "legend": public_report.legend(report),
        "notes": public_report.method_notes(report),
        "tables": tables,
    }
