"""The prevention pages, under /prevention/ (brief 1.1.3; Order No. 506 pp. 3-6, 12)."""

from __future__ import annotations

from django.urls import path

from qamqor.prevention import views

urlpatterns = [
    path("prevention/", views.school_home, name="prevention-school"),
    path("prevention/coverage/", views.coverage, name="prevention-coverage"),
    path("prevention/documents/upload/", views.document_upload, name="prevention-upload"),
    path(
        "prevention/documents/new/<str:kind>/",
        views.document_compose,
        name="prevention-compose",
    ),
    path(
        "prevention/documents/<uuid:public_id>/",
        views.document_detail,
        name="prevention-document",
    ),
    path(
        "prevention/documents/<uuid:public_id>/approve/",
        views.document_approve,
        name="prevention-approve",
    ),
    path(
        "prevention/documents/<uuid:public_id>/activities/",
        views.activity_add,
        name="prevention-activity-add",
    ),
    path(
        "prevention/documents/<uuid:public_id>/file/",
        views.document_file,
        name="prevention-file",
    ),
    path(
        "prevention/cases/<str:number>/individual-plans/",
        views.individual_plans,
        name="prevention-individual-plans",
    ),
    path(
        "prevention/individual-plans/<uuid:public_id>/edit/",
        views.individual_plan_edit,
        name="prevention-individual-plan-edit",
    ),
]
