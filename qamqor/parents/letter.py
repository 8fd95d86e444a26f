"""The parent's written application to the school director under Order No. 506, as a PDF
in Kazakh or Russian (brief 2.1.1).

The wording is the data file's (``data/school_duties.json``, "application"), in the
language the parent chose, whatever the page's language: the letter speaks to the
director. The deadlines are the school timeline (``guidance.school_timeline``) counted
from the day the application is made. Nothing of it is stored: the PDF is built in
memory and sent back (docs/parents.md, "Personal data").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from qamqor.directory.models import Organisation
from qamqor.intake.posters import FONT, FONT_DIR
from qamqor.parents import guidance

# fpdf2 subsets the font with fontTools, which logs every table it prunes at INFO.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

MARGIN = 20.0
LETTER_LANGUAGES = ("kk", "ru")


@dataclass(frozen=True)
class Application:
    """What the parent typed, for one letter; held in memory only."""

    language: str  # kk or ru: the letter's language
    school: Organisation
    parent_name: str
    parent_contact: str
    child_name: str
    child_class: str
    what_happened: str
    happened_from: date
    happened_until: date | None
    repeated: bool
    actions_taken: str

    @property
    def school_name(self) -> str:
        return str(getattr(self.school, f"name_{self.language}") or self.school.name_ru)

    def period(self) -> str:
        start = guidance.format_day(self.happened_from)
        if self.happened_until and self.happened_until != self.happened_from:
            return f"{start} – {guidance.format_day(self.happened_until)}"
        return start


class _Letter(FPDF):
    def __init__(self, title: str, language: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_title(title)
        self.set_creator("Qamqor")
        self.set_lang(language)

    def para(
        self, text: str, *, size: float = 11, bold: bool = False, align: str = "J", gap: float = 2
    ) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)

    def right_block(self, text: str) -> None:
        self.set_font(FONT, "", 11)
        width = self.epw * 0.55
        self.set_x(self.l_margin + self.epw - width)
        self.multi_cell(width, 5.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(6)


def build_pdf(application: Application, *, today: date) -> bytes:
    """The application as an A4 PDF, with the deadlines counted from ``today``."""
    language = application.language
    if language not in LETTER_LANGUAGES:
        raise ValueError(f"letters are written in kk or ru, not {language!r}")
    data = guidance.school_duties()
    words = {key: text.pick(language) for key, text in data.application.items()}
    order = data.order.title.pick(language)

    letter = _Letter(words["heading"], language)
    letter.add_page()
    addressee = [
        words["to_director"].format(school=application.school_name),
        words["from_parent"].format(
            parent=application.parent_name,
            child=application.child_name,
            **{"class": application.child_class},
        ),
    ]
    if application.parent_contact:
        addressee.append(words["contact"].format(contact=application.parent_contact))
    letter.right_block("\n".join(addressee))

    letter.para(words["heading"], size=14, bold=True, align="C", gap=1)
    letter.para(words["subject"], align="C", gap=6)
    letter.para(
        words["intro"].format(child=application.child_name, **{"class": application.child_class})
    )
    letter.para(words["what_happened"], bold=True, gap=0.5)
    letter.para(application.what_happened)
    letter.para(words["when"], bold=True, gap=0.5)
    letter.para(application.period(), gap=1 if application.repeated else 2)
    if application.repeated:
        letter.para(words["repeated"])
    if application.actions_taken:
        letter.para(words["done_so_far"], bold=True, gap=0.5)
        letter.para(application.actions_taken)
    letter.para(words["request"].format(order=order), gap=4)

    letter.para(
        words["deadlines_heading"].format(date=guidance.format_day(today)), bold=True, gap=1
    )
    for number, entry in enumerate(guidance.school_timeline(today, language), start=1):
        source = f"{data.order.short.pick(language)}, {entry.duty.source.article.pick(language)}"
        lines = [f"{number}. {entry.duty.title.pick(language)}"]
        if entry.due is not None:
            lines.append(f"{entry.rule}; {entry.due_text(language)} ({source})")
        else:
            lines.append(f"{entry.duty.text.pick(language)} ({source})")
        letter.para("\n".join(lines), size=10, align="L", gap=1.5)

    letter.ln(6)
    letter.para(words["date_line"].format(date=guidance.format_day(today)), align="L", gap=1)
    letter.para(words["signature"], align="L", gap=8)
    letter.para(words["received_line"], size=9, align="L", gap=6)
    letter.para(words["footer"], size=8, align="L")
    return bytes(letter.output())
