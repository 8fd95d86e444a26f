from django.apps import AppConfig


class CareConfig(AppConfig):
    """Consent, the crisis exception, consultations, supervision, work log, appeals."""

    name = "qamqor.care"
