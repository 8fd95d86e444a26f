"""The public report's choice of period (brief 1.4.1, 3.1.2): a year, and a quarter or
the whole year; the page, the PDF and the API validate with this one form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.analytics.public_report import FIRST_YEAR, last_complete_quarter

REPORT_LANGUAGES = (("kk", "Қазақша"), ("ru", "Русский"), ("en", "English"))


class ReportPeriodForm(forms.Form):
    """A year and a quarter (empty: the whole year); a period that has not begun is an
    error on its field. Unbound or empty, the last complete quarter."""

    year = forms.IntegerField(label=_("Year"), required=False, min_value=FIRST_YEAR)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("The whole year")),
            (1, _("1st quarter")),
            (2, _("2nd quarter")),
            (3, _("3rd quarter")),
            (4, _("4th quarter")),
        ],
    )
    lang = forms.ChoiceField(label=_("Language"), required=False, choices=REPORT_LANGUAGES)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "year" in self.errors or "quarter" in self.errors:
            return data
        today = timezone.localdate()
        year = data.get("year")
        if year is None:
            if self.data.get("quarter") not in (None, ""):
                self.add_error("year", _("Choose the year of the quarter."))
                return data
            data["year"], data["quarter"] = last_complete_quarter(today)
            return data
        if year > today.year:
            self.add_error("year", _("The report covers years that have begun."))
            return data
        quarter = data.get("quarter")
        if quarter and year == today.year and (quarter - 1) * 3 + 1 > today.month:
            self.add_error("quarter", _("This quarter has not begun yet."))
        return data
