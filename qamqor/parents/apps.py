from django.apps import AppConfig


class ParentsConfig(AppConfig):
    """Public help for parents when the school may be the problem (brief 2.1.1, 2.3.8)."""

    name = "qamqor.parents"

    def ready(self) -> None:
        from qamqor.parents import guidance

        # A lawyer's edit that breaks a data file stops the start with the entry's name,
        # rather than a page failing later (docs/parents.md).
        guidance.legal_tracks()
        guidance.school_duties()
