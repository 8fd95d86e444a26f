"""Anonymous appeal pages, under /care/appeals/ beside psychological support. URL names are
a contract (notifications and tests reverse them): they keep the ``care-`` names they had
when appeals were part of ``care``."""

from __future__ import annotations

from django.urls import path

from qamqor.appeals import views

urlpatterns = [
    path("care/appeals/", views.appeal_list, name="care-appeal-list"),
    path("care/appeals/new/", views.appeal_new, name="care-appeal-new"),
    path("care/appeals/follow-up/", views.appeal_followup, name="care-appeal-followup"),
    path("care/appeals/<uuid:appeal_id>/", views.appeal_detail, name="care-appeal-detail"),
]
