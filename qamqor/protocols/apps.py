from django.apps import AppConfig


class ProtocolsConfig(AppConfig):
    name = "qamqor.protocols"

    def ready(self) -> None:
        from qamqor.protocols import workdays
        from qamqor.protocols.definitions import validate_all_at_startup

        validate_all_at_startup()
        workdays.load_transfers()  # a broken transfers file stops the process with its reason
