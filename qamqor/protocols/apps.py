from django.apps import AppConfig


class ProtocolsConfig(AppConfig):
    name = "qamqor.protocols"

    def ready(self) -> None:
        from qamqor.protocols.definitions import validate_all_at_startup

        validate_all_at_startup()
