"""Protocol pages: open steps, protocol versions, a case's notices to its legal
representatives. URL names are a contract: notifications, menus and tests reverse them."""

from __future__ import annotations

from django.urls import path

from qamqor.protocols import views

urlpatterns = [
    # coordination: who holds the ball, protocol versions
    path("steps/open/", views.open_steps, name="open-steps"),
    path("protocols/", views.protocol_list, name="protocol-list"),
    path("protocols/<slug:code>/<int:version>/", views.protocol_version, name="protocol-version"),
    path(
        "protocols/<slug:code>/<int:version>/publish/",
        views.protocol_publish,
        name="protocol-publish",
    ),
    # a case's notices to its legal representatives (brief 1.3.5)
    path("cases/<str:number>/notices/", views.case_notices, name="case-notices"),
    path(
        "cases/<str:number>/notices/<int:pk>/confirm/",
        views.case_notice_confirm,
        name="case-notice-confirm",
    ),
    path(
        "cases/<str:number>/notices/<int:pk>/cancel/",
        views.case_notice_cancel,
        name="case-notice-cancel",
    ),
]
