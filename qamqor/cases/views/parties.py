"""The case's parties: its child and the child's legal representatives."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from qamqor.cases import parties as party_services
from qamqor.cases.views.page import (
    CHILD_PREFIX,
    REPRESENTATIVE_PREFIX,
    _case,
    _show_again,
    representative_prefix,
)
from qamqor.pages import run_form, success, user_of


@login_required
@require_POST
def case_child(request: HttpRequest, number: str) -> HttpResponse:
    """Record the case's child: an existing one by code, or a new (pseudonymous) one."""
    case = _case(request, number)
    form = party_services.ChildForm(request.POST, prefix=CHILD_PREFIX)
    return run_form(
        form,
        lambda data: party_services.attach_child(case=case, actor=user_of(request), data=data),
        done=lambda child: success(
            request,
            gettext("The child is recorded with the code %(code)s.") % {"code": child.code},
            _to_parties(number),
        ),
        again=lambda status: _show_again(
            request, number, bound={CHILD_PREFIX: form}, status=status
        ),
    )


@login_required
@require_POST
def case_representative_add(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    form = party_services.LegalRepresentativeForm(request.POST, prefix=REPRESENTATIVE_PREFIX)
    return run_form(
        form,
        lambda data: party_services.add_legal_representative(
            case=case, actor=user_of(request), data=data
        ),
        done=lambda added: success(
            request, gettext("The legal representative is recorded."), _to_parties(number)
        ),
        again=lambda status: _show_again(
            request, number, bound={REPRESENTATIVE_PREFIX: form}, status=status
        ),
    )


@login_required
@require_POST
def case_representative_update(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = _case(request, number)
    person = party_services.representative_on_case(case, pk)
    prefix = representative_prefix(person.pk)
    form = party_services.LegalRepresentativeForm(request.POST, prefix=prefix)
    return run_form(
        form,
        lambda data: party_services.update_legal_representative(
            case=case, actor=user_of(request), representative=person, data=data
        ),
        done=lambda updated: success(
            request, gettext("The legal representative is updated."), _to_parties(number)
        ),
        again=lambda status: _show_again(request, number, bound={prefix: form}, status=status),
    )


def _to_parties(number: str) -> HttpResponse:
    return redirect(reverse("case-detail", args=[number]) + "#parties")
