"""Statistics pages of the coordination center."""

from __future__ import annotations

from django.urls import path

from qamqor.analytics import views

urlpatterns = [
    path(
        "statistics/accessibility/",
        views.accessibility_page,
        name="statistics-accessibility",
    ),
]
