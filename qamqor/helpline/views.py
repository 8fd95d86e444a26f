"""The 111 operator console: the list of calls and cards, and the call card page.

Outsiders get a 404 (the one door: ``CallCard.objects.restrict(user, "view")``, rules in
``helpline/rules.py``); every read of a card is audited."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qamqor import exports
from qamqor.accounts import access
from qamqor.helpline import selectors, services
from qamqor.helpline.forms import CallCardForm
from qamqor.helpline.models import CallCard, CallRecord
from qamqor.pages import exportable, paginate, private, run_form, success, user_of


def _cards(request: HttpRequest) -> QuerySet[CallCard]:
    """The call cards the console lists for the user, newest first. The 111 center's
    operators (the menu's gate) see the console; coordinators reach cards about their
    region through the same page; anyone else gets 404."""
    user = user_of(request)
    cards = (
        CallCard.objects.restrict(user, "view")
        .select_related("school", "district", "region", "report", "danger_alerted_to", "operator")
        .order_by("-created_at", "-pk")
    )
    if not access.allows(user, "helpline") and not cards.exists():
        raise Http404("helpline")
    return cards


CARDS = exports.TableExport(
    name="call-cards",
    title=_("111 call cards"),
    rows=_cards,
    columns=[
        exports.column(_("Card"), "public_id"),
        exports.column(_("Created"), "created_at"),
        exports.column(_("Operator"), "operator.get_username"),
        exports.column(_("Caller"), "get_caller_type_display"),
        exports.column(_("Category"), "get_category_display"),
        exports.column(_("Risk"), "get_risk_level_display"),
        exports.column(_("Suicide risk or self-harm"), "self_harm_risk"),
        exports.column(_("Child's age"), "get_child_age_display"),
        exports.column(_("Child's sex"), "get_child_sex_display"),
        exports.column(_("Region"), "region.name"),
        exports.column(_("District"), "district.name"),
        exports.column(_("School"), "school.name"),
        exports.column(_("Danger alert sent to"), "danger_alerted_to.name"),
        exports.column(_("Report submitted"), "submitted"),
    ],
)


@login_required
@exportable(CARDS)
@require_safe
def console(request: HttpRequest) -> HttpResponse:
    """The operator's console: open calls from the telephony system and recent cards."""
    user = user_of(request)
    centers = selectors.helplines_of(user)
    cards = _cards(request)
    open_calls = (
        list(
            CallRecord.objects.restrict(user, "view")
            .filter(ended_at__isnull=True, card__isnull=True)
            .order_by("-started_at")[:20]
        )
        if centers
        else []
    )
    return private(
        render(
            request,
            "helpline/console.html",
            {
                "centers": centers,
                "open_calls": open_calls,
                "page": paginate(request, cards, audit_as="call_card"),
            },
        )
    )


@login_required
@require_POST
def card_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not selectors.helplines_of(user):
        raise Http404("helpline")
    call = None
    if request.POST.get("call"):
        call = (
            CallRecord.objects.restrict(user, "view")
            .filter(external_id=request.POST["call"])
            .order_by("pk")
            .first()
        )
        if call is None:
            raise Http404("call")
    card = services.open_card(actor=user, call=call)
    return redirect("helpline-card", public_id=card.public_id)


def _initial(card: CallCard) -> dict[str, object]:
    return {
        "caller_type": card.caller_type,
        "child_age": card.child_age,
        "child_sex": card.child_sex,
        "category": card.category,
        "risk_level": card.risk_level,
        "self_harm_risk": card.self_harm_risk,
        "setting": card.setting,
        "narrative": card.narrative,
        "school_code": card.school.code if card.school else "",
        "district": card.district.code if card.district else None,
        "region": card.region.code if card.region else None,
    }


def _card_page(
    request: HttpRequest,
    card: CallCard,
    form: CallCardForm,
    *,
    editable: bool,
    followup_code: str = "",
    status: int = 200,
) -> HttpResponse:
    card = selectors.get_card_for_user(request.user, card.public_id)
    police_unit = card.danger_alerted_to or (
        services.police_duty_for(
            region=card.place_region, district=card.district, school=card.school
        )
        if card.place_region
        else None
    )
    response = render(
        request,
        "helpline/card.html",
        {
            "card": card,
            "form": form,
            "editable": editable,
            "followup_code": followup_code,
            "police_unit": police_unit,
        },
        status=status,
    )
    return private(response)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def card_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The call card: filled while talking; "in danger now" alerts the police duty unit."""
    user = user_of(request)
    reading = request.method != "POST"
    card = (selectors.read_card if reading else selectors.get_card_for_user)(user, public_id)
    editable = card.report_id is None and card.helpline in selectors.helplines_of(user)
    if reading:
        return _card_page(request, card, CallCardForm(initial=_initial(card)), editable=editable)
    if card.helpline not in selectors.helplines_of(user):
        # a coordinator sees the card but only the center's operators change it
        return private(
            HttpResponse(gettext("Only the 111 center's operators can take calls."), status=403)
        )
    form = CallCardForm(request.POST)
    action = request.POST.get("action", "save")

    def act(_data: object) -> HttpResponse:
        """The button pressed: alert the police, hand the card over as a report, or save."""
        data = form.card_data()
        if action == "danger":
            alerted = services.raise_danger(actor=user, card=card, data=data)
            unit = alerted.danger_alerted_to.name if alerted.danger_alerted_to else ""
            messages.warning(
                request,
                gettext("The police duty unit has been alerted: %(unit)s.") % {"unit": unit},
            )
            return redirect("helpline-card", public_id=alerted.public_id)
        if action == "submit":
            submitted = services.submit_card(actor=user, card=card, data=data)
            return _card_page(
                request,
                submitted.card,
                form,
                editable=False,
                followup_code=submitted.followup_code,
            )
        saved = services.update_card(actor=user, card=card, data=data)
        return success(
            request,
            gettext("The call card is saved."),
            redirect("helpline-card", public_id=saved.public_id),
        )

    return run_form(
        form,
        act,
        done=lambda response: response,
        again=lambda status: _card_page(request, card, form, editable=editable, status=status),
    )
