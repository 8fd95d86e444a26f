"""Intake pages (issue 4). URL names are a contract: notifications and tests reverse them."""

from __future__ import annotations

from django.urls import path

from qamqor.intake import views
from qamqor.web import views as web_views

urlpatterns = [
    path("followup/", views.followup_start, name="followup"),
    path("followup/status/", views.followup_status, name="followup-status"),
    path("followup/leave/", views.followup_leave, name="followup-leave"),
    path("embed/report/<slug:school_code>/", web_views.report_embed, name="report-embed"),
    path("reports/new/", views.staff_entry, name="report-staff-entry"),
    path("reports/<uuid:public_id>/reply/", views.report_reply, name="report-reply"),
    path("reports/<uuid:public_id>/link/", views.report_link, name="report-link"),
    path("reports/<uuid:public_id>/untrue/", views.report_untrue, name="report-untrue"),
    path(
        "reports/<uuid:public_id>/attachments/<int:pk>/",
        views.report_attachment,
        name="report-attachment",
    ),
    path("alerts/<uuid:public_id>/", views.alert_detail, name="life-safety-alert"),
    path(
        "alerts/<uuid:public_id>/acknowledge/",
        views.alert_acknowledge,
        name="life-safety-acknowledge",
    ),
]
