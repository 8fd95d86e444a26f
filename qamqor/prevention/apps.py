from importlib import import_module

from django.apps import AppConfig


class PreventionConfig(AppConfig):
    """Schools' prevention plans and the children's individual plans.

    Yearly plans and internal policies, and the individual plans after a bullying decision
    (brief 1.1.3; Order No. 506 pp. 3-6, 12).
    """

    name = "qamqor.prevention"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's access rules
