from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "qamqor.ops"
    label = "ops"
    verbose_name = "Operations"
