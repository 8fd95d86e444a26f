"""Psychological support pages under /care/. URL names are a contract: notifications and
tests reverse them."""

from __future__ import annotations

from django.urls import path

from qamqor.care import views

urlpatterns = [
    path("care/", views.home, name="care-home"),
    path("care/children/new/", views.child_new, name="care-child-new"),
    path("care/children/<str:code>/", views.child_detail, name="care-child"),
    path("care/children/<str:code>/consents/", views.child_consent, name="care-child-consent"),
    path("care/children/<str:code>/crisis/", views.child_crisis, name="care-child-crisis"),
    path(
        "care/children/<str:code>/consultations/",
        views.child_consultation,
        name="care-child-consultation",
    ),
    path("care/children/<str:code>/shares/", views.child_share, name="care-child-share"),
    path(
        "care/consents/<uuid:public_id>/withdraw/",
        views.consent_withdraw,
        name="care-consent-withdraw",
    ),
    path(
        "care/consents/<uuid:public_id>/document/",
        views.consent_document,
        name="care-consent-document",
    ),
    path("care/crisis/", views.crisis_list, name="care-crisis-list"),
    path("care/crisis/<uuid:public_id>/close/", views.crisis_close, name="care-crisis-close"),
    path("care/consultations/new/", views.consultation_new, name="care-consultation-new"),
    path(
        "care/consultations/<uuid:public_id>/",
        views.consultation_detail,
        name="care-consultation",
    ),
    path("care/supervision/", views.supervision, name="care-supervision"),
    path("care/worklog/", views.worklog, name="care-worklog"),
    path("care/workload/", views.workload, name="care-workload"),
]
