from importlib import import_module

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "qamqor.accounts"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's page gates
