"""The training pages, under /training/ (brief 1.7.2, 1.7.3, 2.3.2-2.3.5, 2.3.9)."""

from __future__ import annotations

from django.urls import path

from qamqor.training import views

urlpatterns = [
    path("training/", views.programme_list, name="training-programmes"),
    path("training/programmes/new/", views.programme_new, name="training-programme-new"),
    path("training/programmes/<slug:code>/", views.programme_detail, name="training-programme"),
    path(
        "training/programmes/<slug:code>/edit/",
        views.programme_edit,
        name="training-programme-edit",
    ),
    path(
        "training/programmes/<slug:code>/retire/",
        views.programme_retire,
        name="training-programme-retire",
    ),
    path("training/record/", views.my_record, name="training-record"),
    path("training/specialists/", views.staff_list, name="training-staff"),
    path(
        "training/specialists/<int:specialist>/",
        views.specialist_record,
        name="training-specialist",
    ),
    path(
        "training/certificates/<uuid:public_id>/",
        views.certificate_download,
        name="training-certificate",
    ),
    path("training/days/", views.day_list, name="training-days"),
    path("training/days/<uuid:public_id>/", views.day_detail, name="training-day"),
    path("training/coverage/", views.coverage, name="training-coverage"),
]
