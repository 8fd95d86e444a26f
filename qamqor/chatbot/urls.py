from __future__ import annotations

from django.urls import path

from qamqor.chatbot import views

urlpatterns = [path("telegram/webhook/", views.webhook, name="telegram-webhook")]
