"""Statistics pages of the coordination center."""

from __future__ import annotations

from django.urls import path

from qamqor.analytics import dashboard_views, report_views, views

urlpatterns = [
    path("statistics/report/", report_views.public_report_page, name="statistics-report"),
    path("statistics/report/pdf/", report_views.public_report_pdf, name="statistics-report-pdf"),
    path("statistics/", dashboard_views.country, name="statistics"),
    path("statistics/region/<str:code>/", dashboard_views.region, name="statistics-region"),
    path("statistics/district/<int:pk>/", dashboard_views.district, name="statistics-district"),
    path(
        "statistics/organisation/<int:pk>/",
        dashboard_views.organisation,
        name="statistics-organisation",
    ),
    path(
        "statistics/accessibility/",
        views.accessibility_page,
        name="statistics-accessibility",
    ),
]
