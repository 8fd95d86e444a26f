"""One vocabulary for classifying cases (DESIGN §7): stable codes, translated labels.

Shared by every app that records or reads a classification (a report's setting, a 111
card, a case, a screened child's sex), so it sits in the bottom layer and imports no app
(docs/decisions/0012-layers.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ViolenceForm(models.TextChoices):
    PHYSICAL = "physical", _("physical violence")
    PSYCHOLOGICAL_EMOTIONAL = "psychological_emotional", _("psychological or emotional violence")
    SEXUAL = "sexual", _("sexual violence")
    NEGLECT = "neglect", _("neglect")
    BULLYING = "bullying", _("bullying")
    CYBERBULLYING = "cyberbullying", _("cyberbullying")
    ONLINE_SEXUAL_EXPLOITATION = "online_sexual_exploitation", _("online sexual exploitation")
    ECONOMIC = "economic", _("economic violence")
    OTHER = "other", _("other")


class Setting(models.TextChoices):
    """Where it happened; ``family`` against everything else decides the protocol (1.4.2)."""

    FAMILY = "family", _("family")
    SCHOOL = "school", _("school")
    ONLINE = "online", _("online")
    OTHER_INSTITUTION = "other_institution", _("other institution")
    COMMUNITY = "community", _("community")
    UNKNOWN = "unknown", _("unknown")


class PerpetratorRelationship(models.TextChoices):
    """The alleged perpetrator's relationship to the child (Primero's lookup, DESIGN §7)."""

    PRIMARY_CAREGIVER = "primary_caregiver", _("parent or primary caregiver")
    FAMILY_OTHER = "family_other_than_caregiver", _("other family member")
    INTIMATE_PARTNER = "intimate_partner", _("intimate partner")
    SCHOOLMATE = "schoolmate", _("schoolmate or other child")
    TEACHER_SCHOOL_OFFICIAL = "teacher_school_official", _("teacher or other school staff")
    OTHER_ADULT_KNOWN = "other_adult_known", _("another adult the child knows")
    SERVICE_PROVIDER = "service_provider", _("service provider")
    NO_RELATION = "no_relation", _("a stranger")
    UNKNOWN = "unknown", _("unknown")


class RiskLevel(models.TextChoices):
    IMMEDIATE = "immediate", _("immediate: life or health in danger now")
    HIGH = "high", _("high")
    MEDIUM = "medium", _("medium")
    LOW = "low", _("low")


class ChildSex(models.TextChoices):
    BOY = "boy", _("boy")
    GIRL = "girl", _("girl")
    UNKNOWN = "unknown", _("unknown")


class Relationship(models.TextChoices):
    """A legal representative's relationship to the child (brief 1.3.5): a parent, a
    step-parent, a grandparent or other relative who brings the child up, a guardian or
    trustee, a foster parent (патронатный воспитатель / приёмный родитель)."""

    MOTHER = "mother", _("mother")
    FATHER = "father", _("father")
    STEPPARENT = "stepparent", _("stepmother or stepfather")
    GRANDPARENT = "grandparent", _("grandmother or grandfather")
    GUARDIAN = "guardian", _("guardian or trustee")
    FOSTER_PARENT = "foster_parent", _("foster parent")
    OTHER_RELATIVE = "other_relative", _("other relative")
    OTHER = "other", _("other legal representative")


class Outcome(models.TextChoices):
    """How a case ended; Order No. 506 closes a case when the child's rights are restored."""

    RIGHTS_RESTORED = "rights_restored", _("child's rights restored")
    REFERRED = "referred", _("referred to another body")
    NOT_CONFIRMED = "not_confirmed", _("not confirmed after review")
    OTHER = "other", _("other")
