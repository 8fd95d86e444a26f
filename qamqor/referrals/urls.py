"""Referral pages under /referrals/. URL names are a contract: notifications reverse them."""

from __future__ import annotations

from django.urls import path

from qamqor.referrals import views

urlpatterns = [
    path("referrals/", views.referral_list, name="referral-list"),
    path("referrals/new/", views.referral_new, name="referral-new"),
    path("referrals/self/new/", views.referral_self_new, name="referral-self-new"),
    # public: a child or parent asks a PSC directly
    path("referrals/ask/", views.ask_start, name="referral-ask-start"),
    path("referrals/ask/<slug:psc_code>/", views.ask, name="referral-ask"),
    path("referrals/ask/<slug:psc_code>/thanks/", views.ask_thanks, name="referral-ask-thanks"),
    path("referrals/<uuid:public_id>/", views.referral_detail, name="referral-detail"),
    path("referrals/<uuid:public_id>/accept/", views.referral_accept, name="referral-accept"),
    path("referrals/<uuid:public_id>/decline/", views.referral_decline, name="referral-decline"),
    path("referrals/<uuid:public_id>/complete/", views.referral_complete, name="referral-complete"),
    path("referrals/<uuid:public_id>/cancel/", views.referral_cancel, name="referral-cancel"),
    path(
        "referrals/<uuid:public_id>/inform-school/",
        views.referral_inform_school,
        name="referral-inform-school",
    ),
    path("referrals/<uuid:public_id>/attachments/", views.referral_attach, name="referral-attach"),
    path(
        "referrals/<uuid:public_id>/attachments/<uuid:attachment_id>/",
        views.referral_attachment,
        name="referral-attachment",
    ),
]
