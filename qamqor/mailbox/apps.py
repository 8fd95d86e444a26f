from django.apps import AppConfig


class MailboxConfig(AppConfig):
    """Messages received by the mail listener: dedupe by Message-ID, the address to answer."""

    name = "qamqor.mailbox"

    def ready(self) -> None:
        from qamqor.intake.services import reporter_message_sent
        from qamqor.mailbox import mail

        reporter_message_sent.connect(mail.on_reporter_message, dispatch_uid="mailbox")
