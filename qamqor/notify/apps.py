from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "qamqor.notify"

    def ready(self) -> None:
        from qamqor.notify import sms

        sms.register()
