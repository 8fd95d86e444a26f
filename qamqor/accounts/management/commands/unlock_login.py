"""``qamqor manage unlock_login <username>``: lift a sign-in lockout (audited as the system)."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qamqor.accounts import lockout
from qamqor.accounts.models import User
from qamqor.audit import services as audit


class Command(BaseCommand):
    help = "Unlock an account locked after wrong passwords, or an address with --address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="the account's user name")
        parser.add_argument("--address", help="unlock an address (all user names) instead")

    def handle(self, *args: Any, **options: Any) -> None:
        username, address = options["username"], options["address"]
        if bool(username) == bool(address):
            raise CommandError("give either a user name or --address")
        if address:
            removed = int(axes_reset(ip=address))
            audit.record(
                actor=None,
                action="address.unlock",
                object_type="address",
                object_id="-",
                changes={"attempts_removed": removed},
            )
            self.stdout.write(f"unlocked address: {removed} failed attempts forgotten")
            return
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account with the user name {username!r}")
        removed = lockout.unlock(user, actor=None)
        self.stdout.write(f"unlocked {username}: {removed} failed attempts forgotten")
