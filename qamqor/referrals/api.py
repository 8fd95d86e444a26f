"""Referrals: the standard form, its lifecycle, self-referrals (public and taken by staff)."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from django import forms
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.params.functions import Header  # the typed form of ninja.Header(default, alias=…)

from qamqor.apikit import AuditedPagination, EventOut, OrganisationRef, validated
from qamqor.apikit import request_user as _user
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.errors import InvalidInput
from qamqor.files import check_upload
from qamqor.intake import limits
from qamqor.referrals import selectors, services
from qamqor.referrals.forms import (
    AcceptForm,
    CancelForm,
    CompleteForm,
    DeclineForm,
    InformSchoolForm,
    ReferralForm,
    SelfReferralForm,
    StaffSelfReferralForm,
    referral_arguments,
    self_referral_arguments,
    staff_self_referral_arguments,
)
from qamqor.referrals.models import Referral, ReferralAttachment

router = Router(tags=["referrals"])


class ReferralSummaryOut(Schema):
    id: UUID
    reference: str
    kind: str
    status: str
    urgency: str
    concern: str
    child: str
    from_organisation: OrganisationRef | None
    to_organisation: OrganisationRef
    sent_at: datetime
    respond_by: datetime
    overdue: bool

    @staticmethod
    def resolve_id(obj: Referral) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_child(obj: Referral) -> str:
        return obj.child.code


class AttachmentOut(Schema):
    id: UUID
    file_name: str
    content_type: str
    size: int
    url: str

    @staticmethod
    def resolve_id(obj: ReferralAttachment) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_url(obj: ReferralAttachment) -> str:
        return reverse("referral-attachment", args=[obj.referral.public_id, obj.public_id])


class ReferralOut(ReferralSummaryOut):
    reason: str
    actions_taken: str
    case: str | None
    share_basis: str | None
    decline_reason: str
    feedback: str
    assigned_to: str | None
    responded_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    channel: str
    requester: str
    contact: str
    child_age: int | None
    school_named: OrganisationRef | None
    school_may_be_told: bool
    school_informed_at: datetime | None
    events: list[EventOut]
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_case(obj: Referral) -> str | None:
        return obj.case.number if obj.case else None

    @staticmethod
    def resolve_share_basis(obj: Referral) -> str | None:
        return obj.share.basis if obj.share else None

    @staticmethod
    def resolve_assigned_to(obj: Referral) -> str | None:
        return obj.assigned_to.get_username() if obj.assigned_to else None

    @staticmethod
    def resolve_events(obj: Referral) -> list[dict[str, Any]]:
        return [event.describe() for event in obj.events.all()]

    @staticmethod
    def resolve_attachments(obj: Referral) -> list[Any]:
        return list(obj.attachments.all())


class ReferralIn(Schema):
    child: str = ""
    child_name: str = ""
    child_birth_date: str = ""
    child_class: str = ""
    child_sex: str = "unknown"
    from_organisation: str = ""
    to_organisation: str
    concern: str
    urgency: str = "routine"
    reason: str
    actions_taken: str = ""
    share_basis: str = "consent"
    legal_ground: str = ""
    reference: str = ""
    override_reason: str = ""
    case: str = ""


class SelfReferralIn(Schema):
    requester: str
    concern: str
    reason: str
    urgency: str = "routine"
    child_age: int | None = None
    school: str = ""
    school_may_be_told: bool = False
    contact: str = ""


class StaffSelfReferralIn(SelfReferralIn):
    to_organisation: str = ""
    channel: str
    child_sex: str = "unknown"


class AskIn(SelfReferralIn):
    psc: str


class AskAccepted(Schema):
    reference: str
    psc: OrganisationRef
    psc_phone: str


class AcceptIn(Schema):
    assigned_to: str = ""


class ReasonIn(Schema):
    reason: str


class FeedbackIn(Schema):
    feedback: str


class InformSchoolIn(Schema):
    basis: str
    legal_ground: str = ""
    reference: str = ""


class ReferralFilter(Schema):
    direction: str | None = None
    status: Referral.Status | None = None


def _get(request: HttpRequest, public_id: UUID, *, audit_read: bool = False) -> Referral:
    return selectors.get_referral_for_user(_user(request), public_id, audit_read=audit_read)


def _act(
    request: HttpRequest,
    public_id: UUID,
    form_class: type[forms.Form],
    payload: Schema,
    service: Callable[..., object],
) -> Referral:
    """One action on a referral, as its page runs it: the page's form validates the body,
    ``service(actor=…, referral=…, **form.cleaned_data)``, then the referral as it is now."""
    referral = _get(request, public_id)
    service(actor=_user(request), referral=referral, **validated(form_class, payload.dict()))
    return _get(request, public_id)


@router.get("", response=list[ReferralSummaryOut], summary="Referrals you may see")
@paginate(AuditedPagination, audit_as="referral", audit_id="public_id")
def list_referrals(request: HttpRequest, filters: Query[ReferralFilter]) -> object:
    return selectors.referral_list(
        _user(request), direction=filters.direction, status=filters.status
    )


@router.post("", response={201: ReferralOut}, summary="Send a referral (school → PSC → health)")
def send_referral(request: HttpRequest, payload: ReferralIn) -> Status[Any]:
    data = validated(ReferralForm, payload.dict())
    referral = services.send_referral(
        actor=_user(request), **referral_arguments(_user(request), data)
    )
    return Status(201, _get(request, referral.public_id))


@router.post(
    "/ask",
    auth=None,
    response={201: AskAccepted, 200: AskAccepted},
    summary="A child or parent asks a PSC for help directly (public)",
)
def ask(
    request: HttpRequest,
    payload: AskIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status[Any]:
    """Self-referral without the school (2.3.8); a retry with the same key returns the
    first answer. The school is not told unless the child agrees. Counted against the
    same per-address limit as the self-referral page (``limits``)."""
    limits.check_public(request, "self-referral", field="reason")
    psc = Organisation.objects.filter(
        code=payload.psc, kind__in=[OrganisationKind.PSC, OrganisationKind.PSC_BRANCH]
    ).first()
    if psc is None:
        raise InvalidInput.on("psc", _("No PSC has this code."))
    data = validated(SelfReferralForm, payload.dict(exclude={"psc"}))
    referral, created = services.submit_self_referral(
        channel="web_form",
        idempotency_key=f"api:{idempotency_key}" if idempotency_key else None,
        **self_referral_arguments(None, data, psc),
    )
    return Status(
        201 if created else 200,
        {"reference": referral.reference, "psc": psc, "psc_phone": psc.phone},
    )


@router.post("/self", response={201: ReferralOut}, summary="Record a self-referral taken by staff")
def record_self_referral(request: HttpRequest, payload: StaffSelfReferralIn) -> Status[Any]:
    """Taken by a PSC (phone, walk-in, chatbot) or by the 111 center for a PSC."""
    user = _user(request)
    data = validated(StaffSelfReferralForm, payload.dict())
    referral, _created = services.submit_self_referral(
        actor=user, **staff_self_referral_arguments(user, data)
    )
    return Status(201, _get(request, referral.public_id))


@router.get("/{public_id}", response=ReferralOut, summary="One referral (the read is audited)")
def get_referral(request: HttpRequest, public_id: UUID) -> Referral:
    return _get(request, public_id, audit_read=True)


@router.post("/{public_id}/accept", response=ReferralOut, summary="Accept the referral")
def accept(request: HttpRequest, public_id: UUID, payload: AcceptIn) -> Referral:
    return _act(request, public_id, AcceptForm, payload, services.accept_referral)


@router.post("/{public_id}/decline", response=ReferralOut, summary="Decline with a reason")
def decline(request: HttpRequest, public_id: UUID, payload: ReasonIn) -> Referral:
    referral = _get(request, public_id)
    data = validated(DeclineForm, payload.dict())
    # The receiver gives the data back when declining, so it answers from the service's
    # result: reading the referral again would be a 404 now.
    return services.decline_referral(actor=_user(request), referral=referral, **data)


@router.post("/{public_id}/complete", response=ReferralOut, summary="Service ended: feedback")
def complete(request: HttpRequest, public_id: UUID, payload: FeedbackIn) -> Referral:
    return _act(request, public_id, CompleteForm, payload, services.complete_referral)


@router.post("/{public_id}/cancel", response=ReferralOut, summary="The referrer cancels")
def cancel(request: HttpRequest, public_id: UUID, payload: ReasonIn) -> Referral:
    return _act(request, public_id, CancelForm, payload, services.cancel_referral)


@router.post(
    "/{public_id}/inform-school",
    response=ReferralOut,
    summary="Tell the school a self-referred child named (with agreement or a legal basis)",
)
def inform_school(request: HttpRequest, public_id: UUID, payload: InformSchoolIn) -> Referral:
    return _act(request, public_id, InformSchoolForm, payload, services.inform_school)


@router.post(
    "/{public_id}/attachments",
    response={201: AttachmentOut},
    summary="Attach a PDF, JPEG or PNG (multipart, field `file`)",
)
def attach(request: HttpRequest, public_id: UUID, file: File[UploadedFile]) -> Status[Any]:
    referral = _get(request, public_id)
    checked = check_upload(file, field="file")
    attachment = services.add_attachment(actor=_user(request), referral=referral, checked=checked)
    return Status(201, attachment)
