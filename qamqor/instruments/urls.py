"""Screening pages: staff under /screenings/, the child's one-time code under /s/.

URL names are a contract: services, notifications and tests reverse them.
"""

from __future__ import annotations

from django.urls import path

from qamqor.instruments.views import campaigns, child, library, results, screenings

urlpatterns = [
    # the child: no login
    path("s/", child.code_entry, name="screening-code"),
    path("s/answer/", child.answer, name="screening-answer"),
    path("s/done/", child.done, name="screening-done"),
    path("s/<str:code>/", child.code_link, name="screening-link"),
    # staff
    path("screenings/", screenings.home, name="screenings"),
    path("screenings/children/", screenings.children, name="screening-children"),
    path("screenings/children/<str:code>/", screenings.child_detail, name="screening-child"),
    path("screenings/alerts/", results.alerts, name="screening-alerts"),
    path(
        "screenings/alerts/<int:pk>/acknowledge/",
        results.alert_acknowledge,
        name="screening-alert-acknowledge",
    ),
    path("screenings/dashboard/", results.dashboard, name="screening-dashboard"),
    path("screenings/instruments/", library.library, name="instrument-library"),
    path(
        "screenings/instruments/<slug:code>/", library.instrument_detail, name="instrument-detail"
    ),
    path(
        "screenings/instruments/<slug:code>/fhir/", library.instrument_fhir, name="instrument-fhir"
    ),
    path("screenings/campaigns/", campaigns.campaign_list, name="campaign-list"),
    path(
        "screenings/campaigns/<uuid:public_id>/", campaigns.campaign_detail, name="campaign-detail"
    ),
    path(
        "screenings/campaigns/<uuid:public_id>/progress/",
        campaigns.campaign_progress,
        name="campaign-progress",
    ),
    path(
        "screenings/campaigns/<uuid:public_id>/classes/",
        campaigns.campaign_add_class,
        name="campaign-add-class",
    ),
    path(
        "screenings/campaigns/<uuid:public_id>/consent/",
        campaigns.campaign_consent,
        name="campaign-consent",
    ),
    path(
        "screenings/campaigns/<uuid:public_id>/slips/",
        campaigns.campaign_slips,
        name="campaign-slips",
    ),
    path(
        "screenings/campaigns/<uuid:public_id>/follow-up/",
        campaigns.campaign_follow_up,
        name="campaign-follow-up",
    ),
    path(
        "screenings/campaigns/<uuid:public_id>/close/",
        campaigns.campaign_close,
        name="campaign-close",
    ),
    path("screenings/<uuid:public_id>/", results.result, name="screening-result"),
    path("screenings/<uuid:public_id>/answer/", screenings.interview, name="screening-interview"),
    path("screenings/<uuid:public_id>/code/", screenings.invitation, name="screening-invitation"),
    path("screenings/<uuid:public_id>/fhir/", results.result_fhir, name="screening-fhir"),
]
