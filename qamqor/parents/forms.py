"""The parents' pages' forms: the start date of the school's timeline, the legal track's
questions, and the written application (brief 2.1.1, 2.3.8)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms as dj
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.classification import Setting, ViolenceForm
from qamqor.directory.models import Organisation
from qamqor.forms import DATE_WIDGET
from qamqor.intake import services as intake
from qamqor.parents.letter import LETTER_LANGUAGES

NEWEST_AGE = 0
OLDEST_AGE = 120


def today() -> date:
    return timezone.localdate()


class TimelineForm(dj.Form):
    """The day the school received (or will receive) the parent's information."""

    start = dj.DateField(label=_("The day you tell the school"), widget=DATE_WIDGET)

    def clean_start(self) -> date:
        start: date = self.cleaned_data["start"]
        if abs((start - today()).days) > 366:
            raise dj.ValidationError(_("Choose a day within a year of today."))
        return start


class LegalTrackForm(dj.Form):
    age = dj.IntegerField(
        label=_("How old is the child or person who hurt your child?"),
        min_value=NEWEST_AGE,
        max_value=OLDEST_AGE,
        help_text=_("Their age in whole years when it happened. 18 or more for an adult."),
    )
    physical_violence = dj.BooleanField(label=_("There was physical violence"), required=False)
    threats = dj.BooleanField(label=_("There were threats, online or in person"), required=False)


APPLICATION_FORMS = [
    (ViolenceForm.BULLYING, _("bullying: mocking, threats, pushing, repeated over time")),
    (ViolenceForm.CYBERBULLYING, _("cyberbullying: in chats, social networks or games")),
    (ViolenceForm.PHYSICAL, _("physical violence")),
    (ViolenceForm.PSYCHOLOGICAL_EMOTIONAL, _("humiliation, insults, intimidation")),
]

LETTER_LANGUAGE_CHOICES = [("kk", "Қазақша"), ("ru", "Русский")]
assert {code for code, _label in LETTER_LANGUAGE_CHOICES} == set(LETTER_LANGUAGES)  # noqa: S101


class SchoolSearchForm(dj.Form):
    q = dj.CharField(label=_("Find the school by its name or code"), max_length=100, required=False)


class ApplicationForm(dj.Form):
    """The parent's answers. ``action`` says whether to download the letter or also send
    it into Qamqor as a report; sending needs a contact."""

    language = dj.ChoiceField(
        label=_("Language of the application"), choices=LETTER_LANGUAGE_CHOICES, initial="ru"
    )
    school = dj.CharField(
        label=_("School code"),
        max_length=40,
        help_text=_("Choose the school above, or type the code printed on its Qamqor poster."),
    )
    parent_name = dj.CharField(label=_("Your full name"), max_length=200)
    parent_contact = dj.CharField(
        label=_("Your phone or email"),
        max_length=200,
        required=False,
        help_text=_("Needed if you send the application to Qamqor, so that you can be reached."),
    )
    child_name = dj.CharField(label=_("Your child's full name"), max_length=200)
    child_class = dj.CharField(label=_("Class"), max_length=20, help_text=_("For example 7B."))
    forms = dj.MultipleChoiceField(
        label=_("What kind of violence?"),
        choices=APPLICATION_FORMS,
        widget=dj.CheckboxSelectMultiple,
        required=False,
    )
    setting = dj.ChoiceField(
        label=_("Where did it happen?"),
        choices=[
            (Setting.SCHOOL, _("at school")),
            (Setting.ONLINE, _("online")),
            (Setting.COMMUNITY, _("outside, on the way, in the yard")),
        ],
        initial=Setting.SCHOOL,
    )
    what_happened = dj.CharField(
        label=_("What happened"),
        widget=dj.Textarea(attrs={"rows": 6}),
        max_length=4000,
        help_text=_("Who, where and what was done. Facts, without judgements."),
    )
    happened_from = dj.DateField(label=_("When it happened (the first time)"), widget=DATE_WIDGET)
    happened_until = dj.DateField(
        label=_("The last time (if it happened more than once)"),
        widget=DATE_WIDGET,
        required=False,
    )
    repeated = dj.BooleanField(label=_("It happened more than once"), required=False)
    actions_taken = dj.CharField(
        label=_("What has been done so far"),
        widget=dj.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=_("For example: told the class teacher on 3 March; nothing changed."),
    )
    action = dj.ChoiceField(
        choices=[("pdf", _("Download the application (PDF)")), ("send", _("Send it to Qamqor"))],
        initial="pdf",
        required=False,  # Enter in a field presses the first button: download
        widget=dj.HiddenInput,
    )
    # A honeypot, as on the report form: hidden from people, filled in by bots.
    website = dj.CharField(label=_("Leave this field empty"), max_length=200, required=False)

    school_object: Organisation | None = None

    def clean_school(self) -> str:
        code: str = self.cleaned_data["school"].strip()
        school = intake.find_school(code)
        if school is None:
            raise dj.ValidationError(_("No school has this code. Choose the school from the list."))
        self.school_object = school
        return code

    def clean_what_happened(self) -> str:
        text: str = self.cleaned_data["what_happened"].strip()
        if len(text) < 10:
            raise dj.ValidationError(_("Please write at least a few words (10 characters)."))
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("happened_from"), data.get("happened_until")
        now = today()
        if first and first > now:
            self.add_error("happened_from", _("This day is in the future."))
        if first and first < now - timedelta(days=5 * 366):
            self.add_error("happened_from", _("Choose a day within the last five years."))
        if last and last > now:
            self.add_error("happened_until", _("This day is in the future."))
        if first and last and last < first:
            self.add_error("happened_until", _("The last time cannot be before the first."))
        if last and first and last != first:
            data["repeated"] = True
        if data.get("action") == "send" and not (data.get("parent_contact") or "").strip():
            self.add_error(
                "parent_contact",
                _("Give a phone or email, so that the school can reach you about the report."),
            )
        return data
