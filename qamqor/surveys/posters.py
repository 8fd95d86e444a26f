"""A survey campaign's printable A4 poster and its QR code: the school posters' document
(``intake.posters``, the same fonts, QR drawing and layout helpers) with the survey's own
fixed Kazakh and Russian texts, and the link that opens the survey without a login."""

from __future__ import annotations

import base64
import io

import segno
from django.conf import settings
from django.urls import reverse

from qamqor.intake.posters import (
    ACCENT,
    MUTED,
    PAGE_WIDTH,
    QR_AREA,
)
from qamqor.intake.posters import _PosterDocument as PosterDocument
from qamqor.surveys.models import Campaign

HEADLINE_KK = "Пікіріңіз маңызды"
HEADLINE_RU = "Ваше мнение важно"
INVITATION_KK = "Сауалнама анонимді: атыңыз да, телефоныңыз да сақталмайды."
INVITATION_RU = "Опрос анонимный: ни имя, ни телефон не сохраняются."
SCAN_KK = "Телефонның камерасын QR-кодқа бағыттаңыз"
SCAN_RU = "Наведите камеру телефона на QR-код"
ABOUT_KK = "Балалар мен ата-аналардың ПҚО-ға, мектеп психологына және полицияға сенімі туралы"
ABOUT_RU = "О доверии детей и родителей к ЦПП, школьному психологу и полиции"


def answer_url(campaign: Campaign) -> str:
    """The absolute address of the survey, as the QR code and the link carry it."""
    return f"{settings.SITE_URL}{reverse('survey-start', args=[campaign.token])}"


def qr_data_uri(campaign: Campaign) -> str:
    """The link's QR code as an SVG data URI for the campaign's page (CSP allows data:)."""
    buffer = io.BytesIO()
    segno.make(answer_url(campaign), error="m").save(buffer, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def poster_pdf(campaign: Campaign) -> bytes:
    """One A4 page: headline, what the survey is about, where, the QR code and the link."""
    url = answer_url(campaign)
    document = PosterDocument(f"Qamqor — {campaign.title}")
    document.add_page()
    document.set_draw_color(*ACCENT)
    document.set_line_width(1.2)
    document.rect(8, 8, PAGE_WIDTH - 16, 297 - 16, style="D", round_corners=True, corner_radius=6)
    y = document.centred(HEADLINE_KK, y=16, size=28, min_size=18, bold=True, color=ACCENT)
    y = document.centred(HEADLINE_RU, y=y + 1, size=28, min_size=18, bold=True, color=ACCENT)
    y = document.centred(ABOUT_KK, y=y + 3, size=13, min_size=9, max_lines=2)
    y = document.centred(ABOUT_RU, y=y + 1, size=13, min_size=9, max_lines=2)
    y = document.centred(campaign.title, y=y + 4, size=15, min_size=10, bold=True, max_lines=2)
    document.centred(campaign.place, y=y + 1, size=12, min_size=9, max_lines=2, color=MUTED)
    document.centred(SCAN_KK, y=110, size=12, min_size=9, color=MUTED)
    document.centred(SCAN_RU, y=116, size=12, min_size=9, color=MUTED)
    document.qr_code(url, x=(PAGE_WIDTH - QR_AREA) / 2, y=124, area=QR_AREA)
    y = document.centred(url, y=228, size=10, min_size=7, max_lines=2)
    y = document.centred(INVITATION_KK, y=y + 6, size=12, min_size=9, max_lines=2)
    document.centred(INVITATION_RU, y=y + 1, size=12, min_size=9, max_lines=2)
    return bytes(document.output())
