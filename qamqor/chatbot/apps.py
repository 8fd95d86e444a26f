from django.apps import AppConfig


class ChatbotConfig(AppConfig):
    """The Telegram bot: webhook, conversation to a report, replies through the outbox."""

    name = "qamqor.chatbot"

    def ready(self) -> None:
        from qamqor.chatbot import services, telegram
        from qamqor.intake.services import reporter_message_sent
        from qamqor.notify import services as notify

        notify.register_transport("telegram", telegram.deliver)
        reporter_message_sent.connect(services.on_reporter_message, dispatch_uid="chatbot")
