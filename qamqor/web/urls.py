"""The pages. URL names are a contract: services, notifications and tests reverse them."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from qamqor.web import language, views

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
    # statistics and notifications
    path("dashboard/", views.dashboard, name="dashboard"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
]
