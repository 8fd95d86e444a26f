"""The trust surveys' pages: the coordinators' under /surveys/, the public link under
/survey/<token>/ (brief 3.3.4)."""

from __future__ import annotations

from django.urls import path

from qamqor.surveys import views

urlpatterns = [
    path("surveys/", views.campaign_list, name="survey-campaigns"),
    path("surveys/new/", views.campaign_new, name="survey-campaign-new"),
    path("surveys/results/", views.region_results, name="survey-results"),
    path("surveys/<uuid:public_id>/", views.campaign_detail, name="survey-campaign"),
    path("surveys/<uuid:public_id>/close/", views.campaign_close, name="survey-campaign-close"),
    path("surveys/<uuid:public_id>/poster/", views.campaign_poster, name="survey-campaign-poster"),
    path("survey/<str:token>/", views.survey_start, name="survey-start"),
    path("survey/<str:token>/thanks/<str:group>/", views.survey_thanks, name="survey-thanks"),
    path("survey/<str:token>/<str:group>/", views.survey_answer, name="survey-answer"),
]
