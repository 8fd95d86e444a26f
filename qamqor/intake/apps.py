from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "qamqor.intake"

    def ready(self) -> None:
        from qamqor.intake import alerts
        from qamqor.protocols.signals import step_completed

        # Completing a case's immediate-safety step acknowledges its life-safety alert.
        step_completed.connect(alerts.on_step_completed, dispatch_uid="intake-alert-ack")
