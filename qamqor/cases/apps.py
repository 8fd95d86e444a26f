from importlib import import_module

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "qamqor.cases"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's access rules
