from importlib import import_module

from django.apps import AppConfig


class LibraryConfig(AppConfig):
    """The regulation library and its briefings.

    Methodology versions and the briefings each affected role acknowledges (brief 1.5.1,
    1.7.4, 2.3.6).
    """

    name = "qamqor.library"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's access rules
