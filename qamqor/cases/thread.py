"""The interagency case thread: messages between the organisations working on a case.

It keeps case talk inside the system, with a record of who said what and which
organisation has read it, instead of personal messengers (brief 2.2.1, 2.2.3). Read
receipts are per organisation: "read by the juvenile police unit at 14:05" is what the
school needs to know, whoever in the unit opened it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.cases.models import Case, CaseMessage, CaseMessageReceipt
from qamqor.directory.models import Organisation
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.notify import services as notify
from qamqor.units import entry_point

MAX_BODY = 5000
TEMPLATE = "case_message"


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message to the organisations on the case"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Every organisation working on the case reads it. Write only what they need to act."
        ),
    )

    def clean_body(self) -> str:
        text = str(self.cleaned_data["body"]).strip()
        if not text:
            raise forms.ValidationError(_("This field is required."), code="required")
        return text


def case_organisations(case: Case) -> list[Organisation]:
    """The organisations on the case: its school, whoever received it, and every
    organisation with a step in it (not the placeholders of steps it did not need).

    Reads ``case.steps.all()``, so a case fetched with its steps prefetched (as
    ``get_case_for_user`` does) costs no query here.
    """
    found: dict[int, Organisation] = {}
    for organisation in (case.school, case.received_by):
        if organisation is not None:
            found[organisation.pk] = organisation
    for step in case.steps.all():
        if step.status != "skipped":
            found.setdefault(step.organisation_id, step.organisation)
    return sorted(found.values(), key=lambda org: org.pk)


@dataclass
class ThreadEntry:
    message: CaseMessage
    receipts: list[CaseMessageReceipt]  # other organisations that have read it
    new: bool  # not read by the reader's organisation before this reading


@dataclass
class Thread:
    """A case's messages as one reader sees them."""

    organisation: Organisation | None
    messages: list[CaseMessage]
    new_ids: set[int] = field(default_factory=set)

    @staticmethod
    def receipts(message: CaseMessage) -> list[CaseMessageReceipt]:
        """Who has read the message, besides the organisation that wrote it."""
        return [r for r in message.receipts.all() if r.organisation_id != message.organisation_id]

    @property
    def entries(self) -> list[ThreadEntry]:
        return [
            ThreadEntry(message=m, receipts=self.receipts(m), new=m.pk in self.new_ids)
            for m in self.messages
        ]


def _messages(case: Case) -> list[CaseMessage]:
    receipts = CaseMessageReceipt.objects.select_related("organisation", "read_by").order_by(
        "read_at", "pk"
    )
    return list(
        CaseMessage.objects.filter(case=case)
        .select_related("author", "organisation")
        .prefetch_related(Prefetch("receipts", queryset=receipts))
        .order_by("created_at", "pk")
    )


@entry_point
def open_thread(*, case: Case, reader: User, audit_read: bool = True) -> Thread:
    """The case's messages for ``reader`` (the case was read through the policy); marks
    them read for the reader's organisation. The read is audited, unless the caller has
    audited it as part of reading the case (the case page's ``case.read``)."""
    organisation = access.acting_organisation_on(reader, "act_on_case", case_organisations(case))
    new_ids: set[int] = set()
    if organisation is not None:
        new_ids = set(
            CaseMessage.objects.filter(case=case)
            .exclude(receipts__organisation=organisation)
            .values_list("pk", flat=True)
        )
        if new_ids:
            now = timezone.now()
            CaseMessageReceipt.objects.bulk_create(
                [
                    CaseMessageReceipt(
                        message_id=pk, organisation=organisation, read_by=reader, read_at=now
                    )
                    for pk in sorted(new_ids)
                ],
                ignore_conflicts=True,  # another member of the organisation read it just now
            )
    messages = _messages(case)
    if audit_read:
        audit.record(
            actor=reader,
            action="case.thread.read",
            object_type="case",
            object_id=case.number,
            changes={"messages": len(messages), "marked_read": len(new_ids)},
        )
    return Thread(organisation=organisation, messages=messages, new_ids=new_ids)


@entry_point
def post_message(*, case: Case, author: User, body: str) -> CaseMessage:
    """Post a message as the author's organisation and tell the other organisations on
    the case, in the application and by email, without the text (it stays in Qamqor)."""
    organisation = access.acting_organisation_on(author, "act_on_case", case_organisations(case))
    if organisation is None:
        raise NotAllowed(_("Only staff of an organisation on the case can write here."))
    if case.is_closed:
        raise Conflict(_("The case is closed."))
    text = body.strip()
    if not text:
        raise InvalidInput.on("body", _("This field is required."))
    if len(text) > MAX_BODY:
        raise InvalidInput.on(
            "body", _("Keep the message under %(max)d characters.") % {"max": MAX_BODY}
        )
    message = CaseMessage.objects.create(
        case=case, author=author, organisation=organisation, body=text
    )
    CaseMessageReceipt.objects.create(
        message=message, organisation=organisation, read_by=author, read_at=message.created_at
    )
    link = reverse("case-detail", args=[case.number]) + "#thread"
    for other in case_organisations(case):
        if other.pk == organisation.pk:
            continue
        notify.notify_organisation(
            other,
            TEMPLATE,
            {"case": case, "organisation": organisation},
            key=f"case-message:{message.pk}",
            case=case,
            link=link,
            email=False,  # a thread is read in the application; mail would be noise
        )
    audit.record(
        actor=author,
        action="case.message.post",
        object_type="case",
        object_id=case.number,
        changes={"message": message.pk, "organisation": organisation.code},
    )
    return message
