"""Intake pages: the public report form and its follow-up, triage and the handler's side,
life-safety alerts, the staff entry of a report, QR posters. URL names are a contract:
notifications, posters, menus and tests reverse them."""

from __future__ import annotations

from django.urls import path

from qamqor.intake.views import followup, posters, reporting, triage

urlpatterns = [
    # public: the report form a school's QR code opens, and its twin for a school's website
    path("report/", reporting.report_start, name="report-start"),
    path("report/<slug:school_code>/", reporting.report_form, name="report-form"),
    path("report/<slug:school_code>/thanks/", reporting.report_thanks, name="report-thanks"),
    path("embed/report/<slug:school_code>/", reporting.report_embed, name="report-embed"),
    # public: the reporter's follow-up
    path("followup/", followup.followup_start, name="followup"),
    path("followup/status/", followup.followup_status, name="followup-status"),
    path("followup/leave/", followup.followup_leave, name="followup-leave"),
    # staff entry of a report made orally or through the message box
    path("reports/new/", reporting.staff_entry, name="report-staff-entry"),
    # triage and the handler's side
    path("reports/", triage.report_list, name="report-list"),
    path("reports/<uuid:public_id>/", triage.report_detail, name="report-detail"),
    path("reports/<uuid:public_id>/register/", triage.report_register, name="report-register"),
    path(
        "reports/<uuid:public_id>/register/preview/",
        triage.report_register_preview,
        name="report-register-preview",
    ),
    path("reports/<uuid:public_id>/dismiss/", triage.report_dismiss, name="report-dismiss"),
    path("reports/<uuid:public_id>/reply/", triage.report_reply, name="report-reply"),
    path("reports/<uuid:public_id>/link/", triage.report_link, name="report-link"),
    path("reports/<uuid:public_id>/untrue/", triage.report_untrue, name="report-untrue"),
    path(
        "reports/<uuid:public_id>/attachments/<int:pk>/",
        triage.report_attachment,
        name="report-attachment",
    ),
    path("alerts/<uuid:public_id>/", triage.alert_detail, name="life-safety-alert"),
    path(
        "alerts/<uuid:public_id>/acknowledge/",
        triage.alert_acknowledge,
        name="life-safety-acknowledge",
    ),
    # QR posters
    path("posters/", posters.poster_index, name="poster-index"),
    path("posters/school/<slug:school_code>.pdf", posters.school_poster, name="poster-school"),
    path(
        "posters/district/<slug:district_code>.pdf",
        posters.district_posters,
        name="poster-district",
    ),
]
