from importlib import import_module

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    """Referrals school → PSC → healthcare and other services, and self-referrals."""

    name = "qamqor.referrals"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's access rules
        # care sits below referrals and asks for them through its hooks
        # (docs/decisions/0012-layers.md)
        from qamqor.care import hooks
        from qamqor.referrals import services
        from qamqor.referrals.models import Referral

        hooks.on_shares_revoked(services.on_shares_revoked)
        hooks.register_referral_reader(Referral.objects.restrict)
