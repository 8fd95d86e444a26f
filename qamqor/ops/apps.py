from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "qamqor.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from qamqor.ops import checks  # noqa: F401 - registers the system checks
