"""Screening pages: staff under /screenings/, the child's one-time code under /s/.

URL names are a contract: services, notifications and tests reverse them.
"""

from __future__ import annotations

from django.urls import path

from qamqor.instruments import views

urlpatterns = [
    # the child: no login
    path("s/", views.code_entry, name="screening-code"),
    path("s/answer/", views.answer, name="screening-answer"),
    path("s/done/", views.done, name="screening-done"),
    path("s/<str:code>/", views.code_link, name="screening-link"),
    # staff
    path("screenings/", views.home, name="screenings"),
    path("screenings/children/", views.children, name="screening-children"),
    path("screenings/children/<str:code>/", views.child_detail, name="screening-child"),
    path("screenings/alerts/", views.alerts, name="screening-alerts"),
    path(
        "screenings/alerts/<int:pk>/acknowledge/",
        views.alert_acknowledge,
        name="screening-alert-acknowledge",
    ),
    path("screenings/dashboard/", views.dashboard, name="screening-dashboard"),
    path("screenings/instruments/", views.library, name="instrument-library"),
    path("screenings/instruments/<slug:code>/", views.instrument_detail, name="instrument-detail"),
    path("screenings/instruments/<slug:code>/fhir/", views.instrument_fhir, name="instrument-fhir"),
    path("screenings/campaigns/", views.campaign_list, name="campaign-list"),
    path("screenings/campaigns/<uuid:public_id>/", views.campaign_detail, name="campaign-detail"),
    path(
        "screenings/campaigns/<uuid:public_id>/progress/",
        views.campaign_progress,
        name="campaign-progress",
    ),
    path(
        "screenings/campaigns/<uuid:public_id>/classes/",
        views.campaign_add_class,
        name="campaign-add-class",
    ),
    path(
        "screenings/campaigns/<uuid:public_id>/consent/",
        views.campaign_consent,
        name="campaign-consent",
    ),
    path(
        "screenings/campaigns/<uuid:public_id>/slips/", views.campaign_slips, name="campaign-slips"
    ),
    path(
        "screenings/campaigns/<uuid:public_id>/follow-up/",
        views.campaign_follow_up,
        name="campaign-follow-up",
    ),
    path(
        "screenings/campaigns/<uuid:public_id>/close/", views.campaign_close, name="campaign-close"
    ),
    path("screenings/<uuid:public_id>/", views.result, name="screening-result"),
    path("screenings/<uuid:public_id>/answer/", views.interview, name="screening-interview"),
    path("screenings/<uuid:public_id>/code/", views.invitation, name="screening-invitation"),
    path("screenings/<uuid:public_id>/fhir/", views.result_fhir, name="screening-fhir"),
]
