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
        # Registration, closure, the parties and the case page ask the engine through
        # cases' hooks: cases sit below the engine and never import it.
        from qamqor.cases import hooks as case_hooks
        from qamqor.protocols import notices, services

        case_hooks.register_engine(
            case_hooks.Engine(
                choose_protocol=services.protocol_for_classification,
                start_protocol=services.start_protocol,
                unfinished_steps=services.unfinished_step_titles,
                notify_legal_representatives=services.notify_legal_representatives_of,
                withhold_pending_for=notices.withhold_pending_for,
                steps_prefetch=services.case_steps_prefetch,
                organisation_roles=services.ORGANISATION_KINDS,
            )
        )
        workdays.load_transfers()  # a broken transfers file stops the process with its reason
