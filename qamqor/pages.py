"""What every app's pages share: the signed-in user, pagination, and the one cycle of a
posted form (validate, hand to a service, show its refusal on the form or move on).

A project-level module (like ``qamqor/apikit.py``), so apps share it without importing one
another's views.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast, overload

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from qamqor import exports
from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.audit.services import listed_id
from qamqor.errors import DomainError
from qamqor.replica import replica_reads

PAGE_SIZE = 50

Result = TypeVar("Result")
Answer = TypeVar("Answer")


def user_of(request: HttpRequest) -> User:
    """The signed-in user (the views that call this are behind ``login_required``)."""
    return cast(User, request.user)


def paginate(
    request: HttpRequest,
    items: QuerySet[Any] | list[Any],
    *,
    audit_as: str | None = None,
    audit_id: str = "pk",
) -> Page[Any]:
    """One page of ``items``. A list of personal data names ``audit_as`` (and the attribute
    that identifies an item): one audit event then names every object shown (docs/security.md,
    "Audit: list reads and anchors")."""
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    if audit_as is not None:
        page.object_list = list(page.object_list)
        audit.record_list(
            actor=request.user,
            object_type=audit_as,
            object_ids=[listed_id(item, audit_id) for item in page.object_list],
            total=page.paginator.count,
        )
    return page


def apply_domain_error(
    form: forms.Form,
    error: DomainError,
    *,
    field_prefix: str = "",
    field_name: Callable[[str], str] | None = None,
) -> None:
    """Show a service's refusal on the form: each problem on its field, the rest on top.

    ``field_prefix`` is what the service puts before the form's field names (a step's
    output problems are named ``output.<field>``); ``field_name`` turns a name the service
    gives into the form's, where more than a prefix differs (``texts.kk.body`` → ``kk_body``).
    """
    attached: set[str] = set()
    on_top: list[str] = []
    for problem in error.errors:
        name = problem.field
        if field_prefix and name.startswith(field_prefix):
            name = name[len(field_prefix) :]
        if field_name is not None:
            name = field_name(name)
        if name in form.fields:
            form.add_error(name, str(problem.message))
            attached.add(str(problem.message))
        else:
            on_top.append(str(problem.message))
    if str(error.detail) not in attached:
        on_top.insert(0, str(error.detail))
    for message in dict.fromkeys(on_top):
        form.add_error(None, message)


def private(response: HttpResponse) -> HttpResponse:
    """Pages with a child's data are not stored by browsers or proxies."""
    response["Cache-Control"] = "private, no-store"
    return response


def bound_form(
    request: HttpRequest, form_class: type[forms.Form], *, prefix: str, with_files: bool = False
) -> forms.Form:
    """The posted form (with its uploaded files where the form takes some)."""
    if with_files:
        return form_class(request.POST, request.FILES, prefix=prefix)
    return form_class(request.POST, prefix=prefix)


@overload
def run_form(
    form: forms.Form,
    action: Callable[[dict[str, Any]], object],
    *,
    field_prefix: str = "",
    field_name: Callable[[str], str] | None = None,
    show_refusal: Callable[[forms.Form, DomainError], None] | None = None,
) -> int | None: ...


@overload
def run_form(
    form: forms.Form,
    action: Callable[[dict[str, Any]], Result],
    *,
    done: Callable[[Result], HttpResponse],
    again: Callable[[int], HttpResponse],
    first: Callable[[], object] | None = None,
    field_prefix: str = "",
    field_name: Callable[[str], str] | None = None,
    show_refusal: Callable[[forms.Form, DomainError], None] | None = None,
) -> HttpResponse: ...


def run_form(
    form: forms.Form,
    action: Callable[[dict[str, Any]], Any],
    *,
    done: Callable[[Any], HttpResponse] | None = None,
    again: Callable[[int], HttpResponse] | None = None,
    first: Callable[[], object] | None = None,
    field_prefix: str = "",
    field_name: Callable[[str], str] | None = None,
    show_refusal: Callable[[forms.Form, DomainError], None] | None = None,
) -> HttpResponse | int | None:
    """The cycle of a posted form: validate it, hand its data to a service, show the
    service's refusal on the form (``apply_domain_error``, with ``field_prefix`` and
    ``field_name``; or ``show_refusal(form, error)`` for a page that words some refusals
    its own way).

    With ``done`` and ``again`` it answers the request: ``done(result)`` once the service
    accepted (a redirect, usually after ``success``), else ``again(status)`` to show the
    form again: 200 for a form not posted yet (an unbound form), 422 for the form's own
    errors, the service's status (422, 403, 409) for its refusal. Without them it returns
    that status, or None when the service accepted, for a view that answers by itself.

    ``first`` is a check on a posted form before it is validated (a public form's limit
    per address, which counts invalid posts too); its refusal is shown as the service's.
    """
    status: int | None
    result: Any = None
    if not form.is_bound:
        status = 200
    else:
        try:
            if first is not None:
                first()
            if form.is_valid():
                result = action(form.cleaned_data)
                status = None
            else:
                status = 422
        except DomainError as error:
            if show_refusal is not None:
                show_refusal(form, error)
            else:
                apply_domain_error(form, error, field_prefix=field_prefix, field_name=field_name)
            status = error.status_code
    if done is None or again is None:
        return status
    return done(result) if status is None else again(status)


def run_service(
    action: Callable[[], Result],
    *,
    done: Callable[[Result], Answer],
    refused: Callable[[DomainError], Answer],
) -> Answer:
    """A service call whose refusal the page shows its own way (an alert on the page, the
    answers of a questionnaire, a code's field, a preview's note): ``done(result)`` when
    the service accepted, else ``refused(error)``. The one place a page catches a
    ``DomainError``; a form with fields goes through ``run_form``, a button through
    ``run_action``."""
    try:
        result = action()
    except DomainError as error:
        return refused(error)
    return done(result)


def run_action(
    request: HttpRequest,
    action: Callable[[], Result],
    *,
    done: Callable[[Result], HttpResponse],
    again: Callable[[], HttpResponse],
) -> HttpResponse:
    """The cycle of a button without a form to show again (acknowledge, close, reply):
    call the service; ``done(result)`` when it accepted, else its refusal is told as an
    error message and ``again()`` answers (a redirect back, usually)."""

    def told(error: DomainError) -> HttpResponse:
        messages.error(request, refusal_text(error))
        return again()

    return run_service(action, done=done, refused=told)


def refusal_text(error: DomainError) -> str:
    """A service's refusal as one message: its problems, or its detail when it names none."""
    problems = [str(problem.message) for problem in error.errors] or [str(error.detail)]
    return " ".join(dict.fromkeys(problems))


def success(request: HttpRequest, message: str, response: HttpResponse) -> HttpResponse:
    """``response``, with ``message`` shown on the next page (the ``done`` of a form)."""
    messages.success(request, message)
    return response


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])


def exportable(table: exports.TableExport) -> Callable[[ViewFunc], ViewFunc]:
    """A list page that also downloads as CSV or XLSX (brief 1.4.1), from its own address:
    ``?download=csv`` or ``?download=xlsx`` with the page's filters. The page's gate and
    the list's ``restrict`` decide the rows as they decide the page's; a list of personal
    data first asks for the purpose (a form posted back to the same address, under CSRF)
    and the audit log records the export. Put it above the view's ``require_safe``: the
    purpose form is the one POST a list page takes. The list is registered for the API
    (``GET /api/v1/exports/{name}``) with its page's gate."""

    # The file's rows come from the replica when healthy (brief 3.1.1), streamed too.
    from_replica = replica_reads()(exports.table_response)

    def decorate(view: ViewFunc) -> ViewFunc:
        gate = getattr(view, "access_gate", None)
        registered = exports.register_table(exports.TableExport(**{**table.__dict__, "gate": gate}))

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            fmt = request.GET.get("download")
            if fmt is None:
                return view(request, *args, **kwargs)
            if not request.user.is_authenticated:  # a page open to visitors (home)
                return redirect_to_login(request.get_full_path())
            if fmt not in exports.EXPORT_FORMATS or request.method not in ("GET", "HEAD", "POST"):
                raise Http404("download")
            if gate is not None and not access.allows(request.user, gate):
                raise Http404(gate)
            if not registered.personal and request.method != "POST":
                return from_replica(request, registered, fmt, url_kwargs=kwargs)
            form = exports.PurposeForm(request.POST if request.method == "POST" else None)
            if form.is_bound and form.is_valid():
                return from_replica(
                    request, registered, fmt, purpose=form.cleaned_data, url_kwargs=kwargs
                )
            context = {"form": form, "table": registered, "format": fmt.upper()}
            status = 422 if form.is_bound else 200
            return private(render(request, "web/export_purpose.html", context, status=status))

        wrapped.export_table = registered  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate
