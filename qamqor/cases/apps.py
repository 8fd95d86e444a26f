from importlib import import_module

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "qamqor.cases"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's access rules
        # intake sits below cases and asks for the cases a report may repeat through its
        # hooks (docs/decisions/0012-layers.md)
        from qamqor.cases import selectors
        from qamqor.intake import hooks

        hooks.register_repeat_finder(selectors.duplicate_candidates)
