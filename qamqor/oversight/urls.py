"""The recommendations tracker's pages, under /oversight/ (brief 3.2.2)."""

from __future__ import annotations

from django.urls import path

from qamqor.oversight import views

urlpatterns = [
    path(
        "oversight/recommendations/",
        views.recommendation_list,
        name="oversight-recommendations",
    ),
    path(
        "oversight/recommendations/<str:number>/",
        views.recommendation_detail,
        name="oversight-recommendation",
    ),
    path(
        "oversight/recommendations/<str:number>/edit/",
        views.recommendation_edit,
        name="oversight-recommendation-edit",
    ),
    path(
        "oversight/recommendations/<str:number>/evidence/",
        views.evidence_add,
        name="oversight-evidence-add",
    ),
    path(
        "oversight/recommendations/<str:number>/evidence/<uuid:public_id>/",
        views.evidence_document,
        name="oversight-evidence-document",
    ),
]
