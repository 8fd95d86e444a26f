from django.apps import AppConfig


class SurveysConfig(AppConfig):
    """Anonymous trust surveys of adolescents and families (brief 3.3.4)."""

    name = "qamqor.surveys"
