"""The statistics pages' filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.analytics import accessibility
from qamqor.directory.models import Region


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
