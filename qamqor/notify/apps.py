from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "qamqor.notify"

    def ready(self) -> None:
        from qamqor.notify import (
            checks,  # noqa: F401  registers the lease check
            rules,  # noqa: F401  registers the app's access rules
            sms,
        )

        sms.register()
