from importlib import import_module

from django.apps import AppConfig


class ProtocolsConfig(AppConfig):
    name = "qamqor.protocols"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's access rules
        from qamqor.protocols import workdays
        from qamqor.protocols.definitions import validate_all_at_startup

        validate_all_at_startup()
        # Completing a case's immediate-safety step acknowledges its life-safety alert:
        # connected here, above intake, so that intake imports nothing of the engine
        # (docs/decisions/0012-layers.md).
        from qamqor.intake import alerts
        from qamqor.protocols.signals import step_completed

        step_completed.connect(alerts.on_step_completed, dispatch_uid="intake-alert-ack")
        workdays.load_transfers()  # a broken transfers file stops the process with its reason
