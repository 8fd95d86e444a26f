"""Psychological support pages under /care/, each from its sub-domain's module of
``care.views``. URL names are a contract: notifications and tests reverse them.
Anonymous appeals add theirs under /care/appeals/ (``appeals.urls``)."""

from __future__ import annotations

from django.urls import path

from qamqor.care.views import (
    children,
    consent,
    consultations,
    crisis,
    sharing,
    supervision,
    worklog,
)

urlpatterns = [
    path("care/", children.home, name="care-home"),
    path("care/children/new/", children.child_new, name="care-child-new"),
    path("care/children/<str:code>/", children.child_detail, name="care-child"),
    path("care/children/<str:code>/consents/", consent.child_consent, name="care-child-consent"),
    path("care/children/<str:code>/crisis/", crisis.child_crisis, name="care-child-crisis"),
    path(
        "care/children/<str:code>/consultations/",
        consultations.child_consultation,
        name="care-child-consultation",
    ),
    path("care/children/<str:code>/shares/", sharing.child_share, name="care-child-share"),
    path(
        "care/consents/<uuid:public_id>/withdraw/",
        consent.consent_withdraw,
        name="care-consent-withdraw",
    ),
    path(
        "care/consents/<uuid:public_id>/document/",
        consent.consent_document,
        name="care-consent-document",
    ),
    path("care/crisis/", crisis.crisis_list, name="care-crisis-list"),
    path("care/crisis/<uuid:public_id>/close/", crisis.crisis_close, name="care-crisis-close"),
    path(
        "care/consultations/new/",
        consultations.consultation_new,
        name="care-consultation-new",
    ),
    path(
        "care/consultations/<uuid:public_id>/",
        consultations.consultation_detail,
        name="care-consultation",
    ),
    path("care/supervision/", supervision.supervision, name="care-supervision"),
    path("care/worklog/", worklog.worklog, name="care-worklog"),
    path("care/workload/", worklog.workload, name="care-workload"),
]
