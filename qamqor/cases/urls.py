"""Case pages under /cases/. URL names are a contract: notifications, menus and tests
reverse them."""

from __future__ import annotations

from django.urls import path

from qamqor.cases import views

urlpatterns = [
    path("cases/", views.case_list, name="case-list"),
    path("cases/<str:number>/", views.case_detail, name="case-detail"),
    path("cases/<str:number>/summary/", views.case_summary, name="case-summary"),
    path(
        "cases/<str:number>/steps/<slug:key>/complete/",
        views.case_step_complete,
        name="case-step-complete",
    ),
    path("cases/<str:number>/close/", views.case_close, name="case-close"),
    path("cases/<str:number>/reclassify/", views.case_reclassify, name="case-reclassify"),
    path("cases/<str:number>/child/", views.case_child, name="case-child"),
    path(
        "cases/<str:number>/representatives/",
        views.case_representative_add,
        name="case-representative-add",
    ),
    path(
        "cases/<str:number>/representatives/<int:pk>/",
        views.case_representative_update,
        name="case-representative-update",
    ),
    path("cases/<str:number>/messages/", views.case_messages, name="case-messages"),
]
