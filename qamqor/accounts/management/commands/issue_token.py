"""``manage.py issue_token <username> <name>``: an API token for an integration, shown once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qamqor.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Issue an API token for a user; the key is printed once and only its hash is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. '111 telephony'")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}")
        _token, raw = ApiToken.issue(user, options["name"])
        self.stdout.write(raw)
