"""The cross-app pages: home, sign-in, dashboard, notifications. URL names are a contract:
services, notifications and tests reverse them."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from qamqor.web import language, views

urlpatterns = [
    path("", views.home, name="home"),
    # staff sign-in
    path("login/", language.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # statistics and notifications
    path("dashboard/", views.dashboard, name="dashboard"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/digest/", views.notifications_digest, name="notifications-digest"),
]
