"""The 111 console pages. URL names are a contract: tests reverse them."""

from __future__ import annotations

from django.urls import path

from qamqor.helpline import views

urlpatterns = [
    path("helpline/", views.console, name="helpline-console"),
    path("helpline/cards/new/", views.card_new, name="helpline-card-new"),
    path("helpline/cards/<uuid:public_id>/", views.card_detail, name="helpline-card"),
]
