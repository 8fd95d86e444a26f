from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "qamqor.directory"
    verbose_name = "Directory"
