"""The public report as a PDF (brief 1.4.1, 3.1.2): the same tables, headings and method
notes as the page, in kk, ru or en, with the bundled DejaVu fonts that cover every
Kazakh letter. Built in memory from ``public_report.Report``."""

from __future__ import annotations

import logging
from typing import cast

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from qamqor.analytics.public_report import (
    Report,
    cell_text,
    legend,
    method_notes,
    period_label,
    text_rows,
)
from qamqor.intake.posters import FONT, FONT_DIR

# fpdf2 subsets the font with fontTools, which logs every table it prunes at INFO.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

MARGIN = 12.0
ROW = 5.0


class _ReportPdf(FPDF):
    def __init__(self, title: str, language: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_title(title)
        self.set_creator("Qamqor")
        self.set_lang(language)

    def para(self, text: str, *, size: float = 9, bold: bool = False, gap: float = 1.5) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)

    def lines_of(self, width: float, text: str) -> int:
        """How many lines ``text`` takes in a cell ``width`` mm wide."""
        lines = self.multi_cell(width, ROW, text, dry_run=True, output="LINES")
        return max(1, len(cast(list[str], lines)))

    def footer(self) -> None:
        self.set_y(-8)
        self.set_font(FONT, "", 7)
        self.cell(0, 4, f"Qamqor · {self.page_no()}", align="C")

    def grid(self, header: list[str], lines: list[list[str]], first: float) -> None:
        """A table: the first column ``first`` mm wide, the others share the rest."""
        others = max(1, len(header) - 1)
        width = min(34.0, (float(self.epw) - first) / others)
        size = 7.5 if others > 6 else 8.5
        if self.will_page_break(ROW * 3):
            self.add_page()

        def row(cells: list[str], bold: bool) -> None:
            self.set_font(FONT, "B" if bold else "", size)
            widths = [first] + [width] * (len(cells) - 1)
            height = ROW * max(
                self.lines_of(w, text) for w, text in zip(widths, cells, strict=True)
            )
            if self.will_page_break(height):
                self.add_page()
            top = self.get_y()
            x = self.l_margin
            for index, text in enumerate(cells):
                w = first if index == 0 else width
                self.rect(x, top, w, height)
                self.set_xy(x, top)
                self.multi_cell(
                    w, ROW, text, align="L" if index == 0 else "R",
                    new_x=XPos.RIGHT, new_y=YPos.TOP,
                )  # fmt: skip
                x += w
            self.set_xy(self.l_margin, top + height)

        row(header, True)
        for index, line in enumerate(lines):
            row(line, index == len(lines) - 1)
        self.ln(2)


def render(report: Report, language: str) -> bytes:
    """The report as PDF bytes, in the active language (the caller sets it)."""
    title = _("Qamqor public report")
    pdf = _ReportPdf(title, language)
    pdf.add_page()
    pdf.para(title, size=16, bold=True)
    pdf.para(period_label(report.year, report.quarter), size=12, bold=True, gap=3)
    pdf.para(
        _("Cases registered: %(total)s")
        % {"total": cell_text(report.tables[0], 1, -1, report.minimum)},
        size=10,
        bold=True,
    )
    for table in report.tables:
        pdf.para(table.title, size=11, bold=True)
        header, lines = text_rows(table, report.minimum)
        pdf.grid(header, lines, 60.0)
        if table.note:
            pdf.para(table.note, size=7.5)
    pdf.para(_("Legend"), size=11, bold=True)
    pdf.para(legend(report), size=8.5)
    pdf.para(_("Method notes"), size=11, bold=True)
    for note in method_notes(report):
        pdf.para(note, size=8.5)
    pdf.para(_("Definitions"), size=11, bold=True)
    for name, brief in report.definitions:
        pdf.para(f"{name}" + (f" ({_('brief')} {brief})" if brief else ""), size=8.5, gap=0.5)
    return bytes(pdf.output())
