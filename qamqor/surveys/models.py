"""Anonymous trust surveys of adolescents and parents (brief 3.3.4): campaigns opened by
coordinators, the responses, and the marks that refuse a second response from a device.

What is stored, and why nothing links a response to a person (docs/surveys.md):

- ``Response`` holds the campaign, the respondent group and the week it was given (the
  Monday of the local week), and its ``Answer`` rows a question and an option each. No
  user, no address, no browser, no exact time, no sequence: keys are random UUIDs.
- ``DeviceMark`` holds a keyed hash of the random cookie (or the API client's device
  value) a device answered with, per campaign, so that a second response is refused. It
  has no time and no reference to the response, and the response none to it.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qamqor.accounts import access
from qamqor.directory.models import Organisation, Region


class RespondentGroup(models.TextChoices):
    ADOLESCENT = "adolescent", _("adolescents")
    PARENT = "parent", _("parents")


def new_token() -> str:
    """The public link's key: unguessable, short enough for a QR code."""
    return secrets.token_urlsafe(12)


class CampaignQuerySet(access.RestrictedQuerySet["Campaign"]):
    """Campaigns answer ``restrict(user, "view" | "manage")`` (``surveys.rules``)."""


class Campaign(models.Model):
    """A survey opened by a coordinator for one school or a whole region, for adolescents,
    parents or both, between two dates; answered through its public link (``token``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    title = models.CharField(max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    for_adolescents = models.BooleanField(default=True)
    for_parents = models.BooleanField(default=True)
    opens_on = models.DateField()
    closes_on = models.DateField()
    closed_early_on = models.DateField(null=True, blank=True)
    questions_version = models.PositiveIntegerField()
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(for_adolescents=True) | models.Q(for_parents=True),
                name="survey_campaign_has_a_group",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="survey_campaign_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def groups(self) -> list[str]:
        """The respondent groups asked, in a fixed order."""
        return [
            group
            for group, asked in (
                (RespondentGroup.ADOLESCENT, self.for_adolescents),
                (RespondentGroup.PARENT, self.for_parents),
            )
            if asked
        ]

    @property
    def last_day(self) -> date:
        return self.closed_early_on or self.closes_on

    def is_open(self, today: date) -> bool:
        return self.opens_on <= today <= self.last_day

    @property
    def place(self) -> str:
        """Where it is asked: the school's name, else the region's."""
        return self.school.name if self.school is not None else self.region.name

    @property
    def status(self) -> str:
        today = timezone.localdate()
        if today < self.opens_on:
            return str(pgettext_lazy("survey campaign", "not open yet"))
        if self.is_open(today):
            return str(pgettext_lazy("survey campaign", "open"))
        return str(pgettext_lazy("survey campaign", "closed"))


class DeviceMark(models.Model):
    """A device that has answered a campaign: a keyed hash of its random campaign cookie
    (HMAC with the site's secret key), never the cookie. No time, no link to the response."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="survey_one_mark_per_device")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.key[:8]}…"


class Response(models.Model):
    """One anonymous response: the campaign (so its school or region), the respondent group
    and the week it was given. Nothing else (docs/surveys.md)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="responses")
    group = models.CharField(max_length=12, choices=RespondentGroup.choices)
    week = models.DateField(help_text="the Monday of the week the response was given")

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.group} {self.week}"


class Answer(models.Model):
    """One question of a response and the option chosen (a skipped question has no row)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.CharField(max_length=40)
    option = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="survey_one_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question}={self.option}"
