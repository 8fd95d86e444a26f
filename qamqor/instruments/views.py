"""Screening pages: thin views over the services and selectors.

Staff pages live under /screenings/; the child's pages under /s/ need no login, show the
quick exit, ask one question per screen (stepper.js; without JavaScript the whole form
shows) and show nothing but thanks after the answers are sent.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qamqor.accounts import access, policy
from qamqor.accounts.second_factor import fresh_second_factor
from qamqor.directory.models import Region
from qamqor.errors import Conflict, DomainError, InvalidInput
from qamqor.instruments import definitions, fhir, selectors
from qamqor.instruments.definitions import InstrumentSpec
from qamqor.instruments.forms import (
    AddClassForm,
    AggregateFilterForm,
    CampaignForm,
    CodeForm,
    ConsentForm,
    NewChildForm,
    StartScreeningForm,
)
from qamqor.instruments.models import Administration, Campaign, InstrumentVersion
from qamqor.instruments.services.administration import record_pupil, start_screening
from qamqor.instruments.services.alerts import acknowledge_alert
from qamqor.instruments.services.campaigns import close_campaign, create_campaign_from_form
from qamqor.instruments.services.catalogue import today
from qamqor.instruments.services.codes import CodeNotValid, find_by_code, normalise_code
from qamqor.instruments.services.enrolment import add_class, record_consent
from qamqor.instruments.services.submission import submit_by_code, submit_interview
from qamqor.intake import limits
from qamqor.pages import apply_domain_error
from qamqor.pages import user_of as _user
from qamqor.translation import active_language, pick

PAGE_SIZE = 50
HOME_LIMIT = 20
CODE_SESSION_KEY = "qamqor.screening_code"
ANSWER_PREFIX = "a_"
DEFAULT_DASHBOARD_INSTRUMENT = "phq_a"


def _screening(request: HttpRequest) -> policy.ScreeningScope:
    return policy.screening_scope_for(request.user)


def _require_psychologist(request: HttpRequest) -> None:
    if not _screening(request).administers:
        raise Http404("screenings")


# --- questions as the templates show them -------------------------------------------------


def questions(
    spec: InstrumentSpec,
    answers: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The items in the active language, with what the stepper needs to skip switched-off
    items: for each condition, the item and the answer codes that switch it on."""
    answers = answers or {}
    errors = errors or {}
    sections = {section.key: pick(section.title.as_dict()) for section in spec.sections}
    shown: list[dict[str, Any]] = []
    previous_section = None
    for number, item in enumerate(spec.items, start=1):
        enable = None
        if item.enable_when is not None:
            conditions = []
            for condition in item.enable_when.conditions:
                options = spec.options_of(spec.item(condition.item_key))
                codes = condition.in_ or [
                    o.code
                    for o in options
                    if o.value is not None and o.value >= (condition.min_value or 0)
                ]
                conditions.append({"item": condition.item_key, "codes": codes})
            enable = {"any": item.enable_when.any is not None, "conditions": conditions}
        shown.append(
            {
                "key": item.key,
                "number": number,
                "text": pick(item.text.as_dict()),
                "help": pick(item.help.as_dict()) if item.help else "",
                "section": sections.get(item.section or "")
                if item.section != previous_section
                else "",
                "options": [
                    {"code": o.code, "label": pick(o.label.as_dict()), "value": o.value}
                    for o in spec.options_of(item)
                ],
                "enable": json.dumps(enable) if enable else "",
                "answer": answers.get(item.key, ""),
                "error": errors.get(item.key, ""),
            }
        )
        previous_section = item.section
    return shown


def _posted_answers(request: HttpRequest) -> dict[str, str]:
    return {
        key.removeprefix(ANSWER_PREFIX): str(request.POST.get(key, ""))
        for key in request.POST
        if key.startswith(ANSWER_PREFIX)
    }


def _answer_errors(error: DomainError) -> dict[str, str]:
    return {
        problem.field.removeprefix("answers."): str(problem.message) for problem in error.errors
    }


def _translation_note(spec: InstrumentSpec, language: str) -> definitions.Translation:
    return spec.translations.for_language(language)


# --- the child's pages (public) -------------------------------------------------------------


def _child_language(request: HttpRequest, administration: Administration) -> str:
    chosen = request.GET.get("lang") or request.POST.get("lang") or ""
    return chosen if chosen in ("kk", "ru", "en") else administration.language


@never_cache
@require_http_methods(["GET", "POST"])
def code_entry(request: HttpRequest) -> HttpResponse:
    """The shared tablet's page: the child types the code from the slip."""
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            _find_throttled(request, form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", str(error.detail))
            status = error.status_code
        else:
            request.session[CODE_SESSION_KEY] = normalise_code(form.cleaned_data["code"])
            return redirect("screening-answer")
    return render(
        request,
        "instruments/child/code.html",
        {"public_page": True, "form": form},
        status=status,
    )


def _find_throttled(request: HttpRequest, code: str) -> Administration:
    """``find_by_code`` behind the code limits: per address, and wrong codes in total."""
    limits.check_public(request, "screening-code", field="code")
    try:
        return find_by_code(code)
    except CodeNotValid:
        limits.code_failed("screening-code")
        raise


@never_cache
@require_safe
def code_link(request: HttpRequest, code: str) -> HttpResponse:
    """The one-time link: checks the code once (throttled), keeps it in the session and
    leaves the address bar, so the code is never in a later address, log or history."""
    try:
        _find_throttled(request, code)
    except Conflict:
        return redirect("screening-done")
    except DomainError as error:
        form = CodeForm({"code": code})
        form.is_valid()
        form.add_error("code", str(error.detail))
        return render(
            request,
            "instruments/child/code.html",
            {"public_page": True, "form": form},
            status=error.status_code,
        )
    request.session[CODE_SESSION_KEY] = normalise_code(code)
    return redirect("screening-answer")


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest) -> HttpResponse:
    """The questionnaire, one question per screen, in the child's language."""
    code = request.session.get(CODE_SESSION_KEY)
    if not code:
        return redirect("screening-code")
    try:
        administration = find_by_code(code)
    except Conflict:
        request.session.pop(CODE_SESSION_KEY, None)
        return redirect("screening-done")
    except DomainError as error:
        request.session.pop(CODE_SESSION_KEY, None)
        form = CodeForm(initial={"code": code})
        form.add_error("code", str(error.detail))
        return render(
            request,
            "instruments/child/code.html",
            {"public_page": True, "form": form},
            status=error.status_code,
        )
    language = _child_language(request, administration)
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    status = 200
    with translation.override(language):
        if request.method == "POST":
            posted = _posted_answers(request)
            try:
                submit_by_code(code=code, answers=posted)
            except Conflict:
                pass  # sent twice (a double tap): the first one counts
            except DomainError as error:
                errors = _answer_errors(error)
                status = error.status_code
            if not errors:
                request.session.pop(CODE_SESSION_KEY, None)
                return redirect(reverse("screening-done") + f"?lang={language}")
        spec = administration.spec
        return render(
            request,
            "instruments/child/questionnaire.html",
            {
                "public_page": True,
                "spec": spec,
                "instructions": pick(spec.instructions.as_dict()),
                "questions": questions(spec, posted, errors),
                "errors": errors,
                "language": language,
                "languages": [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")],
                "translation": _translation_note(spec, language),
                "LANGUAGE_CODE": language,
            },
            status=status,
        )


@never_cache
@require_safe
def done(request: HttpRequest) -> HttpResponse:
    """Thanks, and where to get help: nothing about the answers or the result."""
    language = request.GET.get("lang") or active_language()
    language = language if language in ("kk", "ru", "en") else active_language()
    with translation.override(language):
        return render(
            request,
            "instruments/child/done.html",
            {"public_page": True, "LANGUAGE_CODE": language},
        )


# --- staff: overview, children, administrations ---------------------------------------------


@login_required
@require_safe
@access.gate_required("screenings")
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    screening = _screening(request)
    alerts = list(selectors.open_alerts(user)[:HOME_LIMIT]) if screening.administers else []
    recent = list(selectors.recent_results(user)[:HOME_LIMIT]) if screening.administers else []
    campaigns = list(selectors.campaigns(user)[:HOME_LIMIT])
    return render(
        request,
        "instruments/home.html",
        {
            "screening": screening,
            "sees_statistics": policy.scope_for(user).sees_statistics,
            "alerts": alerts,
            "recent": recent,
            "campaigns": campaigns,
            "code_form": CodeForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def children(request: HttpRequest) -> HttpResponse:
    """The pupils the psychologist may screen; find one by code or record a new one."""
    _require_psychologist(request)
    user = _user(request)
    found = request.GET.get("code", "").strip()
    if found:
        child = selectors.screenable_children(user).filter(code=found.upper()).first()
        if child is not None:
            return redirect("screening-child", code=child.code)
        messages.error(request, gettext("No child with this code that you may screen."))
    form = NewChildForm(request.POST or None)
    status = 200
    if request.method == "POST":
        school = selectors.own_school(user)
        if school is None:
            form.add_error(None, gettext("Only a school psychologist records new pupils."))
            status = 403
        elif form.is_valid():
            child = record_pupil(
                actor=user,
                school=school,
                birth_date=form.cleaned_data.get("birth_date"),
                sex=form.cleaned_data["sex"],
                class_label=form.cleaned_data.get("class_label") or "",
            )
            return redirect("screening-child", code=child.code)
        else:
            status = 422
    class_label = request.GET.get("class", "").strip()
    pupils = (
        selectors.screenable_children(user).select_related("school").order_by("class_label", "code")
    )
    if class_label:
        pupils = pupils.filter(class_label=class_label)
    page = Paginator(pupils, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "instruments/children.html",
        {"page": page, "form": form, "class_label": class_label},
        status=status,
    )


def _render_child(
    request: HttpRequest, code: str, form: StartScreeningForm | None = None, status: int = 200
) -> HttpResponse:
    screenings = selectors.read_child_screenings(_user(request), code)
    return render(
        request,
        "instruments/child_detail.html",
        {
            "child": screenings.child,
            "age": screenings.child.age_on(today()),
            "history": screenings.history,
            "pending": screenings.pending,
            "form": form
            or StartScreeningForm(initial={"language": translation.get_language() or "ru"}),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def child_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A child's screening history, and the form to start a new screening."""
    _require_psychologist(request)
    if request.method != "POST":
        return _render_child(request, code)
    user = _user(request)
    child = selectors.child_for_screening(user, code)
    form = StartScreeningForm(request.POST)
    if not form.is_valid():
        return _render_child(request, code, form, status=422)
    data = form.cleaned_data
    try:
        started = start_screening(
            actor=user,
            child=child,
            instrument_code=data["instrument"],
            mode=data["mode"],
            language=data["language"],
        )
    except DomainError as error:
        apply_domain_error(form, error)
        return _render_child(request, code, form, status=error.status_code)
    if started.code is None:
        return redirect("screening-interview", public_id=started.administration.public_id)
    return redirect("screening-invitation", public_id=started.administration.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def interview(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The psychologist reads the questions and records the answers."""
    user = _user(request)
    administration = selectors.administration_for_user(
        user, public_id, audit_read=request.method == "GET"
    )
    if administration.status != Administration.Status.IN_PROGRESS:
        return redirect("screening-result", public_id=public_id)
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        posted = _posted_answers(request)
        try:
            submit_interview(administration=administration, actor=user, answers=posted)
        except DomainError as error:
            errors = _answer_errors(error)
            status = error.status_code
        else:
            return redirect("screening-result", public_id=public_id)
    spec = administration.spec
    with translation.override(administration.language):
        shown = questions(spec, posted, errors)
        instructions = pick(spec.instructions.as_dict())
    return render(
        request,
        "instruments/interview.html",
        {
            "administration": administration,
            "spec": spec,
            "questions": shown,
            "instructions": instructions,
            "errors": errors,
            "translation": _translation_note(spec, administration.language),
        },
        status=status,
    )


@login_required
@require_safe
def invitation(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The one-time code and link for the child, to print or show on a tablet."""
    administration, code = selectors.invitation_for_user(_user(request), public_id)
    return render(
        request,
        "instruments/invitation.html",
        {
            "administration": administration,
            "code": code,
            "link": request.build_absolute_uri(reverse("screening-link", args=[code])),
        },
    )


@login_required
@require_safe
def result(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Score, band, subscales, alerts, the answers and the child's other screenings."""
    user = _user(request)
    administration = selectors.administration_for_user(user, public_id)
    spec = administration.spec
    answered = []
    for item in spec.items:
        code = administration.answers.get(item.key)
        option = next((o for o in spec.options_of(item) if o.code == code), None)
        answered.append(
            {
                "key": item.key,
                "text": pick(item.text.as_dict()),
                "answer": pick(option.label.as_dict()) if option else None,
                "value": option.value if option else None,
                "critical": any(
                    c.item == item.key
                    for rule in spec.alerts
                    for c in rule.when.conditions
                    if rule.code in {a.rule for a in administration.alerts.all()}
                ),
            }
        )
    subscales = [
        {"label": pick(s.label.as_dict()), "value": administration.subscales.get(s.key)}
        for s in spec.scoring.subscales
    ]
    history = [
        item
        for item in selectors.history(user, administration.child)
        if item.pk != administration.pk
    ]
    return render(
        request,
        "instruments/result.html",
        {
            "administration": administration,
            "spec": spec,
            "answered": answered,
            "subscales": subscales,
            "history": history,
            "score_range": spec.score_range,
            "translation": _translation_note(spec, administration.language),
            "alerts": list(administration.alerts.all()),
        },
    )


@login_required
@require_safe
@fresh_second_factor
def result_fhir(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The administration as a FHIR R4B QuestionnaireResponse (the export is audited)."""
    response = JsonResponse(selectors.read_fhir_export(_user(request), public_id))
    response["Content-Type"] = "application/fhir+json"
    return response


@login_required
@require_safe
def alerts(request: HttpRequest) -> HttpResponse:
    _require_psychologist(request)
    items = selectors.read_open_alerts(_user(request), limit=200)
    return render(request, "instruments/alerts.html", {"alerts": items})


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    alert = selectors.alert_for_user(user, pk)
    try:
        acknowledge_alert(alert=alert, actor=user)
    except Conflict as error:
        messages.info(request, str(error.detail))
    else:
        messages.success(request, gettext("The alert is acknowledged."))
    return redirect("screening-result", public_id=alert.administration.public_id)


# --- the library ------------------------------------------------------------------------


@login_required
@require_safe
def library(request: HttpRequest) -> HttpResponse:
    loaded = definitions.latest_all()
    return render(request, "instruments/library.html", {"instruments": [d.spec for d in loaded]})


@login_required
@require_safe
def instrument_detail(request: HttpRequest, code: str) -> HttpResponse:
    spec = selectors.instrument_spec(code)
    items = [
        {
            "key": item.key,
            "texts": item.text,
            "options": spec.options_of(item),
            "loinc": item.loinc,
            "counts": item.key in spec.scoring.total_items,
        }
        for item in spec.items
    ]
    return render(request, "instruments/instrument_detail.html", {"spec": spec, "items": items})


@require_safe
def instrument_fhir(request: HttpRequest, code: str) -> HttpResponse:
    """The instrument as a FHIR R4B Questionnaire (public: it holds no personal data)."""
    response = JsonResponse(fhir.questionnaire(selectors.instrument_spec(code)))
    response["Content-Type"] = "application/fhir+json"
    return response


# --- campaigns --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    screening = _screening(request)
    if not (screening.administers or screening.region_ids or screening.national):
        raise Http404("campaigns")
    first_school = selectors.own_school(user)
    initial = {
        "level": "school" if first_school else "region",
        "school": first_school.code if first_school else "",
        "opens_on": today(),
        "language": translation.get_language() or "ru",
        "consent_required": True,
    }
    form = CampaignForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                campaign = create_campaign_from_form(actor=user, data=form.cleaned_data)
            except DomainError as error:
                apply_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(request, gettext("The campaign is created."))
                return redirect("campaign-detail", public_id=campaign.public_id)
        else:
            status = 422
    page = Paginator(selectors.campaigns(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "instruments/campaign_list.html",
        {
            "page": page,
            "form": form,
            "may_create": bool(screening.school_ids or screening.region_ids or screening.national),
        },
        status=status,
    )


def _campaign_context(request: HttpRequest, campaign: Campaign, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    screening = _screening(request)
    own_schools = sorted(screening.school_ids)
    is_psychologist = bool(own_schools)
    pupils = list(selectors.roster(user, campaign)) if is_psychologist else []
    spec = campaign.instrument.spec
    day = today()
    rows = []
    for pupil in pupils:
        administration = pupil.administration
        age = pupil.child.age_on(day)
        rows.append(
            {
                "pupil": pupil,
                "age": age,
                "eligible": age is None or spec.age_range.contains(age),
                "status": administration.status if administration else "",
                "may_answer": pupil.may_answer(campaign.consent_required),
            }
        )
    return {
        "campaign": campaign,
        "spec": spec,
        "progress": selectors.progress_for_user(user, campaign),
        "is_psychologist": is_psychologist,
        "rows": rows,
        "class_form": extra.pop("class_form", None) or AddClassForm(),
        "consent_choices": [
            (value, label)
            for value, label in ConsentForm.base_fields["consent"].choices  # type: ignore[attr-defined]
        ],
        **extra,
    }


@login_required
@require_safe
def campaign_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    campaign = selectors.read_campaign(_user(request), public_id)
    return render(request, "instruments/campaign_detail.html", _campaign_context(request, campaign))


@login_required
@require_safe
def campaign_progress(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The live progress counts (htmx polls this partial)."""
    user = _user(request)
    campaign = selectors.campaign_for_user(user, public_id)
    progress = selectors.progress_for_user(user, campaign)
    return render(
        request,
        "instruments/partials/progress.html",
        {"campaign": campaign, "progress": progress},
    )


@login_required
@require_POST
def campaign_add_class(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    campaign = selectors.campaign_for_user(user, public_id)
    form = AddClassForm(request.POST)
    status = 422
    if form.is_valid():
        chosen = campaign.school if campaign.school_id else selectors.own_school(user)
        try:
            if chosen is None:
                raise InvalidInput.on(
                    "class_label", gettext("Only a school psychologist adds classes.")
                )
            added = add_class(
                actor=user,
                campaign=campaign,
                school=chosen,
                class_label=form.cleaned_data["class_label"],
                new_pupils=form.cleaned_data.get("new_pupils") or 0,
                pupil_lines=(form.cleaned_data.get("pupils") or "").splitlines(),
            )
        except DomainError as error:
            apply_domain_error(form, error)
            status = error.status_code
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s pupil is on the list.", "%(count)s pupils are on the list.", added
                )
                % {"count": added},
            )
            return redirect("campaign-detail", public_id=public_id)
    campaign = selectors.campaign_for_user(user, public_id)
    return render(
        request,
        "instruments/campaign_detail.html",
        _campaign_context(request, campaign, class_form=form),
        status=status,
    )


@login_required
@require_POST
def campaign_consent(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    campaign = selectors.campaign_for_user(user, public_id)
    ids = list(selectors.roster(user, campaign).values_list("pk", flat=True))
    form = ConsentForm(request.POST, pupil_ids=ids)
    if form.is_valid():
        try:
            changed = record_consent(
                actor=user,
                campaign=campaign,
                pupil_ids=form.cleaned_data["pupils"],
                consent=form.cleaned_data["consent"],
            )
        except DomainError as error:
            messages.error(request, str(error.detail))
        else:
            messages.success(
                request,
                ngettext(
                    "Consent recorded for %(count)s pupil.",
                    "Consent recorded for %(count)s pupils.",
                    changed,
                )
                % {"count": changed},
            )
    else:
        messages.error(request, gettext("Choose the pupils and the consent."))
    return redirect(reverse("campaign-detail", args=[public_id]) + "#roster")


@login_required
@require_safe
def campaign_slips(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Printable slips: one code per pupil whose code works (consent recorded)."""
    campaign, slips = selectors.read_slips(_user(request), public_id)
    return render(
        request,
        "instruments/slips.html",
        {
            "campaign": campaign,
            "slips": slips,
            "entry_url": request.build_absolute_uri(reverse("screening-code")),
        },
    )


@login_required
@require_safe
def campaign_follow_up(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    campaign, items = selectors.read_follow_up(_user(request), public_id, limit=500)
    return render(request, "instruments/follow_up.html", {"campaign": campaign, "items": items})


@login_required
@require_POST
def campaign_close(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    campaign = selectors.campaign_for_user(user, public_id)
    try:
        close_campaign(actor=user, campaign=campaign)
    except DomainError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, gettext("The campaign is closed."))
    return redirect("campaign-detail", public_id=public_id)


# --- the dashboard --------------------------------------------------------------------------


def _instrument_from_filter(value: str) -> InstrumentVersion | None:
    code, _sep, version = (value or "").partition(":")
    if not code:  # the campaigns' usual instrument first
        loaded = definitions.latest(DEFAULT_DASHBOARD_INSTRUMENT)
        code, version = loaded.spec.code, str(loaded.spec.version)
    return InstrumentVersion.objects.filter(code=code, version=int(version or 1)).first()


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """Comparable aggregates by instrument version, small cells suppressed, with charts."""
    user = _user(request)
    if not policy.scope_for(user).sees_statistics:
        raise Http404("dashboard")
    filters = AggregateFilterForm(request.GET or None)
    chosen: dict[str, Any] = filters.cleaned_data if filters.is_valid() else {}
    instrument = _instrument_from_filter(chosen.get("instrument") or "")
    region = Region.objects.filter(code=chosen["region"]).first() if chosen.get("region") else None
    data = selectors.read_aggregates(
        user,
        instrument=instrument,
        group_by=chosen.get("group_by") or "region",
        region=region,
        sex=chosen.get("sex") or None,
        age=chosen.get("age"),
    )
    chart: dict[str, Any] = {}
    if data is not None:
        chart = {
            "bands": [label for _code, label in data.bands],
            "groups": [
                {"label": row.label, "shares": row.shares}
                for row in data.rows
                if row.total is not None
            ],
            "distribution": {
                "labels": [score for score, _n in data.distribution],
                "counts": [n for _score, n in data.distribution],
                "label": gettext("Administrations"),
            },
        }
    return render(
        request,
        "instruments/dashboard.html",
        {"filters": filters, "data": data, "chart": chart, "instrument": instrument},
    )
