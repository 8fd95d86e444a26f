"""QR posters: one printable A4 page per school, in Kazakh and Russian (docs/intake.md).

The QR code on a school's wall is by far the most used way in (DESIGN §9): it opens the
report form with the school already chosen. A poster carries the school's names, the QR
code, the school code to type in by hand, and the 111 and 112 numbers. Its texts are fixed
Kazakh and Russian on every poster whatever the downloader's language: the poster speaks
to the pupils, not to the staff member who prints it.

Posters carry no personal data, but they are downloaded by staff only: the school's own
coordinator and psychologist, the region's coordinators and the national coordinator.
Anyone else gets a 404, as everywhere (DESIGN §5.2).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from qamqor.accounts import policy
from qamqor.directory.models import District, Organisation

# fpdf2 subsets the font with fontTools, which logs every table it prunes at INFO.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"  # covers all 42 letters of the Kazakh Cyrillic alphabet; see fonts/

# --- the poster's own texts: fixed Kazakh and Russian, not gettext (see the docstring) ---

HEADLINE_KK = "Сені біреу ренжітіп жүр ме?"
HEADLINE_RU = "Тебя обижают?"
INVITATION_KK = "Бізге хабарла — анонимді түрде де болады."
INVITATION_RU = "Сообщи нам — можно анонимно."
SCAN_KK = "Телефоныңның камерасын QR-кодқа бағытта"
SCAN_RU = "Наведи камеру телефона на QR-код"
CODE_LABEL = "Мектеп коды · Код школы"
TYPE_KK = "немесе {address} сайтын ашып, мектеп кодын енгіз"
TYPE_RU = "или открой {address} и введи код школы"
HELPLINE_KK = "Балаларға арналған сенім телефоны,\nтегін, тәулік бойы"
HELPLINE_RU = "Телефон доверия для детей,\nбесплатно, круглосуточно"
EMERGENCY_KK = "Қазір қауіп төніп тұрса,\nдереу қоңырау шал"
EMERGENCY_RU = "Если опасность прямо сейчас,\nзвони сразу"

# --- geometry, in millimetres on an A4 portrait page ---

PAGE_WIDTH = 210.0
MARGIN = 14.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
MM_PER_PT = 25.4 / 72
LINE = 1.22  # line height as a multiple of the font size
QR_AREA = 100.0  # the symbol with its quiet zone
QR_QUIET_MODULES = 4  # ISO/IEC 18004 asks for four light modules around the symbol
INK = (0, 0, 0)
ACCENT = (0, 92, 108)  # dark teal: reads as dark grey on a black-and-white printer
MUTED = (70, 70, 70)


@dataclass(frozen=True)
class Poster:
    """What one school's page shows."""

    code: str
    name_kk: str
    name_ru: str
    url: str  # what the QR code opens: the report form with the school chosen
    typed_address: str  # the address a pupil types in by hand, without the scheme


def report_url(school_code: str) -> str:
    """The absolute address of the school's report form, as the QR code carries it."""
    return f"{settings.SITE_URL}{reverse('report-form', args=[school_code])}"


def typed_address() -> str:
    """The 'type your school's code' page, short enough to read off a wall."""
    parts = urlsplit(f"{settings.SITE_URL}{reverse('report-start')}")
    return f"{parts.netloc}{parts.path}"


def poster_for(school: Organisation) -> Poster:
    return Poster(
        code=school.code,
        name_kk=school.name_kk,
        name_ru=school.name_ru,
        url=report_url(school.code),
        typed_address=typed_address(),
    )


# --- who may download --------------------------------------------------------------------


def schools_for_posters(user: object) -> QuerySet[Organisation]:
    """Schools whose poster ``user`` may download: staff of the school (coordinator,
    psychologist), coordinators of its region, the national coordinator."""
    schools = Organisation.objects.schools()
    scope = policy.scope_for(user)
    if scope.national:
        return schools
    q = policy.NOTHING
    if scope.school_ids:
        q |= Q(pk__in=scope.school_ids)
    if scope.region_ids:
        q |= Q(region_id__in=scope.region_ids)
    return schools.filter(q)


def districts_for_posters(user: object) -> QuerySet[District]:
    """Districts whose whole poster set ``user`` may download: the region's coordinators
    and the national coordinator. School staff download their own school's poster."""
    scope = policy.scope_for(user)
    if scope.national:
        return District.objects.all()
    return District.objects.filter(region_id__in=scope.region_ids)


def school_or_404(user: object, school_code: str) -> Organisation:
    school = schools_for_posters(user).filter(code=school_code).first()
    if school is None:
        raise Http404("school")
    return school


def district_schools_or_404(user: object, district_code: str) -> tuple[District, list[Poster]]:
    """The district and one poster per school in it, ordered by school code; 404 if the
    user may not see the district or it has no school."""
    district = districts_for_posters(user).filter(code=district_code).first()
    if district is None:
        raise Http404("district")
    schools = Organisation.objects.schools().filter(district=district).order_by("code")
    posters = [poster_for(school) for school in schools.only("code", "name_kk", "name_ru")]
    if not posters:
        raise Http404("no school in the district")
    return district, posters


# --- the PDF -----------------------------------------------------------------------------


class _PosterDocument(FPDF):
    """An A4 document with the vendored DejaVu Sans (regular and bold) and no page breaks:
    every block is placed at a fixed height so that posters look alike."""

    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.c_margin = 0
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_title(title)
        self.set_creator("Qamqor")
        self.set_lang("kk")

    def fitted_size(
        self, text: str, *, size: float, min_size: float, bold: bool, max_lines: int, width: float
    ) -> tuple[float, int]:
        """The largest size from ``size`` down to ``min_size`` at which ``text`` takes at
        most ``max_lines`` lines of ``width``; with the number of lines it takes then."""
        style = "B" if bold else ""
        while True:
            self.set_font(FONT, style, size)
            lines = cast(
                list[str],
                self.multi_cell(
                    width, text=text, dry_run=True, output=MethodReturnValue.LINES, align="C"
                ),
            )
            if len(lines) <= max_lines or size <= min_size:
                return size, len(lines)
            size -= 1

    def centred(
        self,
        text: str,
        *,
        y: float,
        size: float,
        min_size: float | None = None,
        bold: bool = False,
        max_lines: int = 1,
        color: tuple[int, int, int] = INK,
        width: float = CONTENT_WIDTH,
        x: float = MARGIN,
    ) -> float:
        """Write ``text`` centred, shrunk to fit ``max_lines``; returns the y below it."""
        size, _lines = self.fitted_size(
            text,
            size=size,
            min_size=min_size or size,
            bold=bold,
            max_lines=max_lines,
            width=width,
        )
        self.set_text_color(*color)
        self.set_xy(x, y)
        self.multi_cell(
            width,
            h=size * MM_PER_PT * LINE,
            text=text,
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        return self.get_y()

    def block_height(
        self, text: str, *, size: float, min_size: float, bold: bool, max_lines: int
    ) -> float:
        size, lines = self.fitted_size(
            text,
            size=size,
            min_size=min_size,
            bold=bold,
            max_lines=max_lines,
            width=CONTENT_WIDTH,
        )
        return lines * size * MM_PER_PT * LINE

    def qr_code(self, url: str, *, x: float, y: float, area: float) -> None:
        """The QR code as vector squares (sharp at any print size), quiet zone included in
        ``area``; runs of dark modules in a row are drawn as one rectangle."""
        matrix = segno.make(url, error="m", micro=False).matrix
        count = len(matrix)
        module = area / (count + 2 * QR_QUIET_MODULES)
        left = x + QR_QUIET_MODULES * module
        top = y + QR_QUIET_MODULES * module
        overlap = 0.02  # hides hairline seams between rows in on-screen viewers
        self.set_fill_color(*INK)
        for row_index, row in enumerate(matrix):
            column = 0
            while column < count:
                if not row[column]:
                    column += 1
                    continue
                start = column
                while column < count and row[column]:
                    column += 1
                self.rect(
                    left + start * module,
                    top + row_index * module,
                    (column - start) * module,
                    module + overlap,
                    style="F",
                )
        self.link(x, y, area, area, url)

    def poster_page(self, poster: Poster) -> None:
        self.add_page()
        self.start_section(f"{poster.code} — {poster.name_ru}")
        self.set_draw_color(*ACCENT)
        self.set_line_width(1.2)
        self.rect(8, 8, PAGE_WIDTH - 16, 297 - 16, style="D", round_corners=True, corner_radius=6)

        y = self.centred(HEADLINE_KK, y=15, size=27, min_size=18, bold=True, color=ACCENT)
        y = self.centred(HEADLINE_RU, y=y + 1, size=27, min_size=18, bold=True, color=ACCENT)
        y = self.centred(INVITATION_KK, y=y + 2, size=15, min_size=11)
        self.centred(INVITATION_RU, y=y + 0.5, size=15, min_size=11)

        self.set_draw_color(*ACCENT)
        self.set_line_width(0.4)
        self.line(MARGIN + 20, 58, PAGE_WIDTH - MARGIN - 20, 58)

        self._school_names(poster, top=61, height=29)

        y = self.centred(SCAN_KK, y=92, size=12, min_size=9, color=MUTED)
        self.centred(SCAN_RU, y=y, size=12, min_size=9, color=MUTED)

        self.qr_code(poster.url, x=(PAGE_WIDTH - QR_AREA) / 2, y=103, area=QR_AREA)

        y = self.centred(CODE_LABEL, y=203, size=11, color=MUTED)
        y = self.centred(poster.code, y=y + 0.5, size=26, min_size=12, bold=True)
        y = self.centred(TYPE_KK.format(address=poster.typed_address), y=y + 1, size=11, min_size=8)
        self.centred(TYPE_RU.format(address=poster.typed_address), y=y, size=11, min_size=8)

        box_width = (CONTENT_WIDTH - 6) / 2
        self._number_box("111", HELPLINE_KK, HELPLINE_RU, x=MARGIN, width=box_width)
        self._number_box(
            "112", EMERGENCY_KK, EMERGENCY_RU, x=MARGIN + box_width + 6, width=box_width
        )

    def _school_names(self, poster: Poster, *, top: float, height: float) -> None:
        """The Kazakh name in bold above the Russian one, centred in the band; one name
        when both are the same."""
        names = [(poster.name_kk, True, 17.0)]
        if poster.name_ru and poster.name_ru != poster.name_kk:
            names.append((poster.name_ru, False, 15.0))
        total = sum(
            self.block_height(text, size=size, min_size=9, bold=bold, max_lines=2)
            for text, bold, size in names
        )
        y = top + max(0.0, (height - total) / 2)
        for text, bold, size in names:
            y = self.centred(text, y=y, size=size, min_size=9, bold=bold, max_lines=2)

    def _number_box(
        self, number: str, text_kk: str, text_ru: str, *, x: float, width: float
    ) -> None:
        top, height = 238.0, 44.0
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.8)
        self.rect(x, top, width, height, style="D", round_corners=True, corner_radius=4)
        inner = width - 8
        y = self.centred(number, y=top + 2, size=38, bold=True, color=ACCENT, width=inner, x=x + 4)
        y = self.centred(
            text_kk, y=y + 0.5, size=10.5, min_size=8, max_lines=2, width=inner, x=x + 4
        )
        self.centred(text_ru, y=y + 0.5, size=10.5, min_size=8, max_lines=2, width=inner, x=x + 4)


def render_posters(posters: Iterable[Poster], *, title: str) -> bytes:
    """One PDF with a page per poster, in the order given."""
    document = _PosterDocument(title)
    for poster in posters:
        document.poster_page(poster)
    return bytes(document.output())


def school_poster_pdf(school: Organisation) -> bytes:
    return render_posters([poster_for(school)], title=f"Qamqor — {school.code}")


def district_poster_pdf(district: District, posters: list[Poster]) -> bytes:
    return render_posters(posters, title=f"Qamqor — {district.code}")
