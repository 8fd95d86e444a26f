"""The statistics pages' filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.analytics import accessibility, indicators
from qamqor.analytics.catalogue import Indicator
from qamqor.directory.models import District, Organisation, Region


class AccessibilityForm(forms.Form):
    """Which region, how far a family can be expected to travel, and how many branches
    to plan (brief 1.8.2, 3.1.2)."""

    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All regions in my view"),
        to_field_name="code",
    )
    radius_km = forms.IntegerField(
        label=_("Within (km)"),
        required=False,
        min_value=1,
        max_value=300,
        initial=int(accessibility.DEFAULT_RADIUS_KM),
        help_text=_("The distance a family can be expected to travel to a centre."),
    )
    branches = forms.IntegerField(
        label=_("New branches to plan"),
        required=False,
        min_value=1,
        max_value=30,
        initial=accessibility.DEFAULT_BRANCHES,
    )

    def __init__(self, *args: Any, region_ids: frozenset[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.order_by("code")
        if region_ids is not None:
            regions = regions.filter(pk__in=region_ids)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("radius_km") is None:
            data["radius_km"] = int(accessibility.DEFAULT_RADIUS_KM)
        if data.get("branches") is None:
            data["branches"] = accessibility.DEFAULT_BRANCHES
        return data

    def scope(self, region_ids: frozenset[int] | None) -> frozenset[int] | None:
        """The regions to compute for: the one chosen, else all the user may see."""
        region = self.cleaned_data.get("region")
        return frozenset({region.pk}) if region is not None else region_ids


class IndicatorQueryForm(forms.Form):
    """The query of an indicator's values (``GET /api/v1/stats/indicators/{code}``): which
    periods, which place (among those the user may see) and which breakdown."""

    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[
            ("month", _("month")),
            ("quarter", _("quarter")),
            ("year", _("year")),
            ("all", _("all time")),
        ],
    )
    start = forms.DateField(
        label=_("From (month)"), required=False, input_formats=["%Y-%m", "%Y-%m-%d"]
    )
    end = forms.DateField(
        label=_("To (month)"), required=False, input_formats=["%Y-%m", "%Y-%m-%d"]
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, to_field_name="code"
    )
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.none(), required=False, to_field_name="code"
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="code",
    )
    breakdown = forms.ChoiceField(label=_("Broken down by"), required=False, choices=[])

    def __init__(
        self, *args: Any, region_ids: frozenset[int] | None, indicator: Indicator, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        regions = Region.objects.order_by("code")
        districts = District.objects.order_by("code")
        organisations = Organisation.objects.filter(region__isnull=False)
        if region_ids is not None:
            regions = regions.filter(pk__in=region_ids)
            districts = districts.filter(region_id__in=region_ids)
            organisations = organisations.filter(region_id__in=region_ids)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["district"].queryset = districts  # type: ignore[attr-defined]
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["breakdown"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (code, code) for code in indicator.disaggregations
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("period") or "year"
        data["period"] = kind
        places = [name for name in ("region", "district", "organisation") if data.get(name)]
        if len(places) > 1:
            raise forms.ValidationError(
                _("Choose one place: a region, a district or an organisation.")
            )
        area = indicators.COUNTRY
        if places:
            area = indicators.Area(places[0], data[places[0]].code)
            if area.kind not in self.indicator.areas:
                self.add_error(places[0], _("This indicator has no figures for such a place."))
        data["area"] = area
        start, end = data.get("start"), data.get("end")
        data["periods"] = None
        if start or end:
            if kind == "all":
                self.add_error("period", _("Choose month, quarter or year to give dates."))
                return data
            today = timezone.localdate()
            first = (start or end or today).replace(day=1)
            last = (end or today).replace(day=1)
            if last < first:
                self.add_error("end", _("The end comes after the start."))
                return data
            periods = indicators.periods_between(first, last, kind)
            if len(periods) > MAX_PERIODS:
                self.add_error("start", _("Ask for at most 120 periods at once."))
            data["periods"] = periods
        return data


MAX_PERIODS = 120


class Dhis2ExportForm(forms.Form):
    """The query of ``GET /api/v1/stats/dhis2``: the arguments of ``manage.py
    export_dhis2`` (brief 1.4.1, 3.1.1), checked before anything is read."""

    indicator = forms.MultipleChoiceField(label=_("Indicators"), choices=[])
    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("month", _("month")), ("quarter", _("quarter")), ("year", _("year"))],
    )
    start = forms.DateField(label=_("From (month)"), input_formats=["%Y-%m"])
    end = forms.DateField(label=_("To (month)"), input_formats=["%Y-%m"])
    breakdown = forms.CharField(label=_("Broken down by"), required=False, max_length=40)
    format = forms.ChoiceField(
        label=_("Format"), required=False, choices=[("json", "dataValueSets JSON"), ("adx", "ADX")]
    )
    unsuppressed = forms.BooleanField(label=_("Small cells as they are"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [  # type: ignore[attr-defined]
            (code, code) for code in indicators.catalogue()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["period"] = data.get("period") or "month"
        data["format"] = data.get("format") or "json"
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The last month comes before the first."))
        found = indicators.catalogue()
        for code in data.get("indicator") or ():
            if "country" not in found[code].areas:
                self.add_error("indicator", _("%(code)s has no national figures.") % {"code": code})
            breakdown = data.get("breakdown")
            if breakdown and breakdown not in found[code].disaggregations:
                self.add_error(
                    "breakdown",
                    _("%(code)s is not broken down by %(breakdown)s.")
                    % {"code": code, "breakdown": breakdown},
                )
        return data
