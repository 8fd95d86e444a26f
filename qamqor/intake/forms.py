"""The report form (one validation for the public page and the API), and the other intake
pages' forms: follow-up, the handler's answers and decisions, staff entry, the school's
code on the landing page, posters."""

from __future__ import annotations

from typing import Any

from django import forms as dj
from django.utils.translation import gettext_lazy as _

from qamqor.classification import Setting, ViolenceForm
from qamqor.intake.models import Channel, ReporterRole

# The forms a child can pick on the public page; "other" lets them not decide.
PUBLIC_FORMS = [
    (ViolenceForm.BULLYING, _("bullying: mocking, threats, pushing, again and again")),
    (ViolenceForm.CYBERBULLYING, _("cyberbullying: in chats, social networks or games")),
    (ViolenceForm.PHYSICAL, _("physical violence: hitting, hurting")),
    (ViolenceForm.PSYCHOLOGICAL_EMOTIONAL, _("humiliation, insults, intimidation")),
    (ViolenceForm.SEXUAL, _("sexual violence or unwanted touching")),
    (ViolenceForm.NEGLECT, _("neglect: nobody takes care of me")),
    (ViolenceForm.OTHER, _("something else")),
]


class ReportForm(dj.Form):
    narrative = dj.CharField(
        label=_("What happened?"),
        widget=dj.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text=_("Write in your own words: who, where, when. You can stay anonymous."),
    )
    forms = dj.MultipleChoiceField(
        label=_("What kind of violence?"),
        choices=PUBLIC_FORMS,
        widget=dj.CheckboxSelectMultiple,
        required=False,
    )
    setting = dj.ChoiceField(
        label=_("Where did it happen?"),
        choices=[
            (Setting.SCHOOL, _("at school")),
            (Setting.ONLINE, _("online")),
            (Setting.COMMUNITY, _("outside, on the way, in the yard")),
            (Setting.FAMILY, _("at home, in the family")),
            (Setting.UNKNOWN, _("I do not want to say")),
        ],
        initial=Setting.SCHOOL,
    )
    in_danger_now = dj.BooleanField(label=_("I am in danger right now"), required=False)
    # Its own choice, not a form of violence (brief 1.4.2: the suicide-risk protocol).
    self_harm_risk = dj.BooleanField(
        label=_("I might hurt myself, or the child I am writing about might hurt themselves"),
        required=False,
        help_text=_(
            "Thoughts of suicide or of self-harm. You do not need to choose a kind of violence."
        ),
    )
    reporter_role = dj.ChoiceField(
        label=_("Who are you?"), choices=ReporterRole.choices, initial=ReporterRole.CHILD
    )
    anonymous = dj.BooleanField(label=_("Stay anonymous"), required=False, initial=True)
    reporter_name = dj.CharField(label=_("Your name"), max_length=200, required=False)
    reporter_contact = dj.CharField(
        label=_("Phone or email to reach you"), max_length=200, required=False
    )

    # A honeypot: hidden from people (CSS and aria-hidden), filled in by form-filling bots.
    website = dj.CharField(label=_("Leave this field empty"), max_length=200, required=False)

    # The child's wording; StaffEntryForm has its own.
    too_short_message = _("Please write at least a few words (10 characters).")
    name_missing_message = _("Give your name, or tick “Stay anonymous”.")

    def clean_narrative(self) -> str:
        text: str = self.cleaned_data["narrative"].strip()
        if len(text) < 10:
            raise dj.ValidationError(self.too_short_message)
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("anonymous") and not (data.get("reporter_name") or "").strip():
            self.add_error("reporter_name", self.name_missing_message)
        if data.get("anonymous"):
            data["reporter_name"] = ""
        return data


HONEYPOT_FIELD = "website"


class FollowupCodeForm(dj.Form):
    code = dj.CharField(
        label=_("Your follow-up code"),
        max_length=40,
        help_text=_("The code you got when you sent your report, like ABCD-EFGH-…"),
        widget=dj.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class ReporterMessageForm(dj.Form):
    body = dj.CharField(
        label=_("Your message"), max_length=3000, widget=dj.Textarea(attrs={"rows": 4})
    )


class StaffReplyForm(dj.Form):
    body = dj.CharField(
        label=_("Answer to the reporter"),
        max_length=3000,
        widget=dj.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The reporter sees this as a message from the child protection team, without "
            "your name. Never write other people's names or internal notes here."
        ),
    )


class UntrueForm(dj.Form):
    reason = dj.CharField(
        label=_("Why is the report untrue and meant to harm?"),
        max_length=2000,
        widget=dj.Textarea(attrs={"rows": 2}),
    )
    confirm = dj.BooleanField(
        label=_(
            "I checked: this was not made in good faith. A mistaken report is dismissed instead."
        ),
    )


# The same forms in staff wording, for a report entered on someone's behalf.
STAFF_FORMS = [
    (ViolenceForm.BULLYING, _("bullying: mocking, threats, pushing, repeated over time")),
    (ViolenceForm.CYBERBULLYING, _("cyberbullying: in chats, social networks or games")),
    (ViolenceForm.PHYSICAL, _("physical violence")),
    (ViolenceForm.PSYCHOLOGICAL_EMOTIONAL, _("humiliation, insults, intimidation")),
    (ViolenceForm.SEXUAL, _("sexual violence or unwanted touching")),
    (ViolenceForm.NEGLECT, _("neglect of the child's needs")),
    (ViolenceForm.OTHER, _("other or not stated")),
]


class StaffEntryForm(ReportForm):
    """A report entered by staff on someone's behalf: the message box, an oral report.

    The fields are the report form's, relabelled: the public form speaks to the child
    (ты / сен), this one to a member of staff about the person who reported (Вы / Сіз).
    """

    narrative = dj.CharField(
        label=_("What the person reported"),
        widget=dj.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text=_("In the person's own words: who, where, when."),
    )
    forms = dj.MultipleChoiceField(
        label=_("Forms of violence"),
        choices=STAFF_FORMS,
        widget=dj.CheckboxSelectMultiple,
        required=False,
    )
    setting = dj.ChoiceField(
        label=_("Where it happened"),
        choices=[
            (Setting.SCHOOL, _("at school")),
            (Setting.ONLINE, _("online")),
            (Setting.COMMUNITY, _("outside, on the way, in the yard")),
            (Setting.FAMILY, _("at home, in the family")),
            (Setting.UNKNOWN, _("not stated")),
        ],
        initial=Setting.SCHOOL,
    )
    in_danger_now = dj.BooleanField(label=_("The child is in danger right now"), required=False)
    self_harm_risk = dj.BooleanField(
        label=_("The child may hurt themselves (suicidal thoughts or self-harm)"),
        required=False,
        help_text=_(
            "The on-duty responders are alerted at once, as for a child in danger; no form "
            "of violence is needed."
        ),
    )
    reporter_role = dj.ChoiceField(
        label=_("Who reported"), choices=ReporterRole.choices, initial=ReporterRole.CHILD
    )
    anonymous = dj.BooleanField(
        label=_("Do not record the reporter's name"), required=False, initial=True
    )
    reporter_name = dj.CharField(label=_("Reporter's name"), max_length=200, required=False)
    reporter_contact = dj.CharField(
        label=_("Reporter's phone or email"), max_length=200, required=False
    )

    too_short_message = _("Enter at least a few words (10 characters).")
    name_missing_message = _(
        "Enter the reporter's name, or tick “Do not record the reporter's name”."
    )

    school = dj.ChoiceField(label=_("School"))
    entry_channel = dj.ChoiceField(
        label=_("How it came"),
        choices=[
            (Channel.MESSAGE_BOX, Channel.MESSAGE_BOX.label),
            (Channel.ORAL_REPORT, Channel.ORAL_REPORT.label),
        ],
    )
    photo = dj.FileField(
        label=_("Photo or scan of the paper note"),
        required=False,
        help_text=_("JPEG, PNG or PDF. Location data in photos is removed."),
    )

    def __init__(self, *args: object, schools: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["school"].choices = schools  # type: ignore[attr-defined]
        del self.fields[HONEYPOT_FIELD]


class SchoolCodeForm(dj.Form):
    """The landing page's "type your school's code": on to that school's report form."""

    school = dj.CharField(
        label=_("Your school's code"),
        max_length=60,
        help_text=_("It is printed on the poster with the QR code in your school."),
    )


class PosterSchoolForm(dj.Form):
    school = dj.SlugField(label=_("School code"), max_length=40)
