"""The parents' public pages (docs/parents.md)."""

from django.urls import path

from qamqor.parents import views

urlpatterns = [
    path("parents/", views.guide, name="parents-guide"),
    path("parents/legal-track/", views.legal_track, name="parents-legal-track"),
    path("parents/application/", views.application, name="parents-application"),
]
