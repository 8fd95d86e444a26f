"""The pages. URL names are a contract: services, notifications and tests reverse them."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from qamqor.web import case_views, language, views

urlpatterns = [
    path("", views.home, name="home"),
    # public: the report form a school's QR code opens
    path("report/", views.report_start, name="report-start"),
    path("report/<slug:school_code>/", views.report_form, name="report-form"),
    path("report/<slug:school_code>/thanks/", views.report_thanks, name="report-thanks"),
    # staff sign-in
    path("login/", language.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # triage
    path("reports/", views.report_list, name="report-list"),
    path("reports/<uuid:public_id>/", views.report_detail, name="report-detail"),
    path("reports/<uuid:public_id>/register/", views.report_register, name="report-register"),
    path(
        "reports/<uuid:public_id>/register/preview/",
        views.report_register_preview,
        name="report-register-preview",
    ),
    path("reports/<uuid:public_id>/dismiss/", views.report_dismiss, name="report-dismiss"),
    # cases
    path("cases/", case_views.case_list, name="case-list"),
    path("cases/<str:number>/", case_views.case_detail, name="case-detail"),
    path("cases/<str:number>/summary/", case_views.case_summary, name="case-summary"),
    path(
        "cases/<str:number>/steps/<slug:key>/complete/",
        case_views.case_step_complete,
        name="case-step-complete",
    ),
    path("cases/<str:number>/close/", case_views.case_close, name="case-close"),
    path("cases/<str:number>/reclassify/", case_views.case_reclassify, name="case-reclassify"),
    path("cases/<str:number>/child/", case_views.case_child, name="case-child"),
    path(
        "cases/<str:number>/representatives/",
        case_views.case_representative_add,
        name="case-representative-add",
    ),
    path(
        "cases/<str:number>/representatives/<int:pk>/",
        case_views.case_representative_update,
        name="case-representative-update",
    ),
    path("cases/<str:number>/messages/", case_views.case_messages, name="case-messages"),
    # statistics and notifications
    path("dashboard/", views.dashboard, name="dashboard"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
]
