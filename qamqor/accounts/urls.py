"""Sign-in's second step, authenticator enrolment and locked accounts."""

from __future__ import annotations

from django.urls import path

from qamqor.accounts import views

urlpatterns = [
    path("login/code/", views.otp_verify, name="otp-verify"),
    path("account/two-step/", views.otp_setup, name="otp-setup"),
    path("accounts/locked/", views.locked_accounts, name="locked-accounts"),
    path("accounts/locked/<int:user_id>/unlock/", views.unlock_account, name="unlock-account"),
]
