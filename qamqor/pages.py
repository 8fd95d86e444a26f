"""What every app's pages share: the signed-in user, pagination, showing a service's refusal.

A project-level module (like ``qamqor/apikit.py``), so apps share it without importing one
another's views.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.audit.services import listed_id
from qamqor.errors import DomainError

PAGE_SIZE = 50


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


def apply_domain_error(form: forms.Form, error: DomainError, *, field_prefix: str = "") -> None:
    """Show a service's refusal on the form: each problem on its field, the rest on top.

    ``field_prefix`` is what the service puts before the form's field names (a step's
    output problems are named ``output.<field>``).
    """
    attached: set[str] = set()
    on_top: list[str] = []
    for problem in error.errors:
        name = problem.field
        if field_prefix and name.startswith(field_prefix):
            name = name[len(field_prefix) :]
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


def run_form(form: forms.Form, action: Callable[[dict[str, Any]], object]) -> int | None:
    """Validate the form and hand its data to a service.

    Returns None when the service accepted it; otherwise the status to answer with: 422
    for the form's own errors, or the service's refusal (422, 403, 409), shown on the form.
    """
    if not form.is_valid():
        return 422
    try:
        action(form.cleaned_data)
    except DomainError as error:
        apply_domain_error(form, error)
        return error.status_code
    return None
