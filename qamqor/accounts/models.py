"""Users, their memberships in organisations, and the tokens integrations use."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.directory.models import Organisation


class Role(models.TextChoices):
    """The roles of DESIGN.md §1; a membership gives one role in one organisation."""

    SCHOOL_COORDINATOR = "school_coordinator", _("school coordinator")
    SCHOOL_PSYCHOLOGIST = "school_psychologist", _("school psychologist")
    SCHOOL_HEAD = "school_head", _("school head")
    PSC_PSYCHOLOGIST = "psc_psychologist", _("PSC psychologist")
    PSC_HEAD = "psc_head", _("PSC head")
    OPERATOR_111 = "operator_111", _("111 operator")
    POLICE_INSPECTOR = "police_inspector", _("juvenile police inspector")
    GUARDIANSHIP_OFFICER = "guardianship_officer", _("guardianship officer")
    HEALTH_WORKER = "health_worker", _("health worker")
    REGIONAL_COORDINATOR = "regional_coordinator", _("regional coordinator")
    NATIONAL_COORDINATOR = "national_coordinator", _("national coordinator")
    MONITOR = "monitor", _("monitor")


class User(AbstractUser):
    """A person who signs in. Children and anonymous reporters never have accounts."""

    preferred_language = models.CharField(
        max_length=2,
        choices=[("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")],
        default="ru",
    )
    interview_qualified = models.BooleanField(
        default=False, help_text="holds the forensic interview qualification (brief 1.2.4)"
    )

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Membership(models.Model):
    """A user's role in one organisation; the access policy is computed from these."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=24, choices=Role.choices)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="unique_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A bearer token for an integration; only its hash is stored, the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """Create a token; returns it with the raw key, which is not stored anywhere."""
        raw = "qmq_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=hash_token(raw), prefix=raw[:8])
        return token, raw
