"""Outbox pages. URL names are a contract: the dashboard and tests reverse them."""

from django.urls import path

from qamqor.notify import views

urlpatterns = [
    path("notifications/undelivered/", views.undelivered, name="notifications-undelivered"),
]
