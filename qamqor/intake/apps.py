from importlib import import_module

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "qamqor.intake"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's access rules
        from qamqor.intake import school_cache

        school_cache.connect()  # a school's save or delete drops its cached lookup
