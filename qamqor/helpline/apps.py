from django.apps import AppConfig


class HelplineConfig(AppConfig):
    """The 111 contact center: operators' call cards and the telephony system's call records."""

    name = "qamqor.helpline"
