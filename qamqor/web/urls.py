from django.urls import path

from qamqor.web import views

urlpatterns = [
    path("cases/<str:number>/", views.case_detail, name="case-detail"),
]
