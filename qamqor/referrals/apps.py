from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    """Referrals school → PSC → healthcare and other services, and self-referrals."""

    name = "qamqor.referrals"
