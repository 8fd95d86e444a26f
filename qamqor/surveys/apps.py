from importlib import import_module

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    """Anonymous trust surveys of adolescents and families (brief 3.3.4)."""

    name = "qamqor.surveys"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's access rules
        from qamqor.surveys.questions import questionnaire

        questionnaire()  # a broken questions file stops the start-up (docs/surveys.md)
