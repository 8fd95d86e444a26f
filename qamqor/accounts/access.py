"""One door for access, in the manner of NetBox's ``RestrictedQuerySet.restrict(user, action)``.

Views, the API, selectors and menus ask one question, ``Model.objects.restrict(user,
action)`` for rows and ``allows(user, gate)`` for pages, and get the answer from rules the
apps register here. ``accounts`` knows no other app: each app states who may do what to
its models in its own ``rules.py``, imported by its ``AppConfig.ready()``.

- A **rule** is a function ``(scope, user) -> Q`` for one model and one action ("view",
  "triage", "close", "complete", …). Several apps may contribute to the same model and
  action (the cases a user sees include those where their organisation has a protocol
  step, which ``protocols`` knows): the contributions are OR-ed. A contribution returning
  ``Q()`` (everything) settles it.
- A **check** is the same rule for one object already in memory, ``(scope, user, obj) ->
  bool``, so a page that holds the object answers without another query. An action with a
  rule but no check is decided by querying the rule for the object's primary key.
- A **gate** is a named rule for a page, ``(scope) -> bool``: ``gate_required(name)`` on
  the view answers 404 when it is closed, and the menu offers the page only when
  ``allows(user, name)``, so a menu never links to a page that answers 404.

Asking for a model and action nobody registered raises ``LookupError``: a new model or
action without a rule fails loudly instead of showing everything or nothing silently.
An object outside the user's scope is a 404, never a 403 (DESIGN §5.2, recommendation
1.4.1 of the policy brief: data shared only with those who must act).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Generic, Self, TypeVar

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.policy import NOTHING, Scope, scope_for
from qamqor.directory.models import Organisation
from qamqor.errors import InvalidInput

Rule = Callable[[Scope, Any], Q]
Check = Callable[[Scope, Any, Any], bool]
Gate = Callable[[Scope], bool]

_rules: dict[tuple[str, str], list[Rule]] = {}
_checks: dict[tuple[str, str], list[Check]] = {}
_gates: dict[str, Gate] = {}
_placed: set[str] = set()

ModelT = TypeVar("ModelT", bound=models.Model)


def _label(model: type[models.Model] | str) -> str:
    return model if isinstance(model, str) else model._meta.label


def rule(model: str, action: str) -> Callable[[Rule], Rule]:
    """Register a filter: ``@access.rule("cases.Case", "view")`` on ``(scope, user) -> Q``."""

    def register(function: Rule) -> Rule:
        contributions = _rules.setdefault((model, action), [])
        if function not in contributions:
            contributions.append(function)
        return function

    return register


def check(model: str, action: str) -> Callable[[Check], Check]:
    """Register the in-memory form of a rule: ``(scope, user, obj) -> bool``."""

    def register(function: Check) -> Check:
        contributions = _checks.setdefault((model, action), [])
        if function not in contributions:
            contributions.append(function)
        return function

    return register


def gate(name: str) -> Callable[[Gate], Gate]:
    """Register a page gate: ``@access.gate("cases")`` on ``(scope) -> bool``."""

    def register(function: Gate) -> Gate:
        _gates[name] = function
        return function

    return register


PLACED_ACTIONS = ("view", "triage", "close")


def placed_record(model: str) -> None:
    """Register the rules of a record that stands where a report does (a school, the 111
    center that received it, a region: a report, a case): "view", "triage" and "close"
    from ``Scope.placed_q``, and the in-memory checks of the two write actions. "view"
    has no check: other apps widen it (the organisations with a step on a case)."""
    if model in _placed:
        return
    _placed.add(model)
    for action in PLACED_ACTIONS:

        def placed_rule(scope: Scope, user: Any, action: str = action) -> Q:
            return scope.placed_q(action)

        def placed_check(scope: Scope, user: Any, record: Any, action: str = action) -> bool:
            return scope.reaches(action, record)

        rule(model, action)(placed_rule)
        if action != "view":
            check(model, action)(placed_check)


def registered_actions() -> set[tuple[str, str]]:
    """Every (model label, action) that has a rule: the generated tests walk them."""
    return set(_rules)


def registered_gates() -> set[str]:
    return set(_gates)


def filter_for(user: Any, model: type[models.Model] | str, action: str) -> Q:
    """The Q a ``restrict(user, action)`` applies to ``model``."""
    label = _label(model)
    contributions = _rules.get((label, action))
    if not contributions:
        raise LookupError(f"No access rule for {label} / {action!r}.")
    scope = scope_for(user)
    combined = NOTHING
    for contribution in contributions:
        q = contribution(scope, user)
        if not q:  # Q() is "everything": nothing can widen it further
            return Q()
        combined |= q
    return combined


def permits(user: Any, action: str, obj: models.Model) -> bool:
    """Whether ``user`` may do ``action`` to ``obj``: the registered check, else the rule
    queried for this one row."""
    label = obj._meta.label
    scope = scope_for(user)
    checks = _checks.get((label, action))
    if checks:
        return any(one(scope, user, obj) for one in checks)
    manager = type(obj)._default_manager
    return bool(manager.filter(filter_for(user, label, action), pk=obj.pk).exists())


class RestrictedQuerySet(models.QuerySet[ModelT], Generic[ModelT]):
    """A queryset that answers ``restrict(user, action)`` from the registered rules."""

    def restrict(self, user: Any, action: str = "view") -> Self:
        """The rows ``user`` may ``action`` (NetBox's ``RestrictedQuerySet.restrict``)."""
        return self.filter(filter_for(user, self.model, action))


def get_or_404(
    queryset: models.QuerySet[ModelT], user: Any, action: str = "view", **lookup: Any
) -> ModelT:
    """The one row of ``queryset`` found by ``lookup`` that ``user`` may ``action``; a 404
    for any other, never a 403 that confirms it exists."""
    found = queryset.filter(filter_for(user, queryset.model, action)).filter(**lookup).first()
    if found is None:
        raise Http404(queryset.model._meta.model_name)
    return found


# --- page gates ---------------------------------------------------------------------------


def allows(user: Any, name: str) -> bool:
    """Whether the page gate ``name`` is open to ``user`` (anonymous users: never)."""
    try:
        predicate = _gates[name]
    except KeyError:
        raise LookupError(f"No page gate named {name!r}.") from None
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(predicate(scope_for(user)))


class Gates:
    """The gates as a template reads them: ``{% if nav.may.cases %}``."""

    def __init__(self, user: Any) -> None:
        self._user = user

    def __getattr__(self, name: str) -> bool:
        if name.startswith("_"):
            raise AttributeError(name)
        return allows(self._user, name)

    def __getitem__(self, name: str) -> bool:
        return allows(self._user, name)


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])


def gate_required(name: str) -> Callable[[ViewFunc], ViewFunc]:
    """A view decorator: 404 unless the gate ``name`` is open; the view carries
    ``access_gate`` so the generated tests know which gate guards it."""

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not allows(request.user, name):
                raise Http404(name)
            return view(request, *args, **kwargs)

        wrapped.access_gate = name  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


# --- API operations -----------------------------------------------------------------------


@dataclass(frozen=True)
class Guard:
    """What guards one API operation: a page gate (closed: 403/404), a rule on the rows it
    reads or changes (``model``, ``action``: an object outside it is a 404), both, or
    neither: ``public`` (no sign-in) or ``signed_in`` (any signed-in user, who reads
    nothing of anyone else). The generated tests call every operation as every persona
    and expect what the gate and the rule answer for them."""

    model: str | None = None
    action: str = "view"
    gate: str | None = None
    public: bool = False
    signed_in: bool = False


#: Anyone, signed in or not (a report, a follow-up by code, a self-referral).
PUBLIC = Guard(public=True)
#: Any signed-in user, who reads nothing of anyone else (their own work log, the library).
SIGNED_IN = Guard(signed_in=True)

_operations: dict[str, Guard] = {}


def operations(guards: dict[str, Guard]) -> None:
    """Register the guards of API operations, by ``"METHOD /path"`` below ``/api/v1``
    (``"GET /cases/{number}"``), in the rules of the app that owns what they read."""
    for operation, guard in guards.items():
        if guard.gate is None and guard.model is None and not (guard.public or guard.signed_in):
            raise ValueError(f"{operation}: a guard names a gate, a rule, public or signed_in.")
        _operations[operation] = guard


def registered_operations() -> dict[str, Guard]:
    """Every registered API operation and its guard: the generated tests walk them."""
    return dict(_operations)


# --- the organisations a user acts for ----------------------------------------------------
#
# "For which organisation is this user acting" has one answer. An app registers, per
# action, the organisations a user acts for (``@access.acting("give_care")`` on ``(scope)
# -> ids``); services ask ``acts_for``, forms and the API ``acting_organisation`` (choose by
# code among them), and a record several organisations work on (a case, a child)
# ``acting_organisation_on``. Each is also a rule on ``directory.Organisation``, so
# ``organisations(user, action)`` lists them and the generated tests run them.

Acting = Callable[[Scope], frozenset[int]]
_acting: dict[str, Acting] = {}


def acting(action: str) -> Callable[[Acting], Acting]:
    """Register the organisations a user acts for in ``action``: ``(scope) -> ids``."""

    def register(function: Acting) -> Acting:
        if action not in _acting:

            def organisation_rule(scope: Scope, user: Any) -> Q:
                ids = function(scope)
                return Q(pk__in=ids) if ids else NOTHING

            rule("directory.Organisation", action)(organisation_rule)
        _acting[action] = function
        return function

    return register


def acting_ids(user: Any, action: str) -> frozenset[int]:
    """The organisations ``user`` acts for in ``action`` (``LookupError`` if unregistered)."""
    try:
        function = _acting[action]
    except KeyError:
        raise LookupError(f"No acting rule named {action!r}.") from None
    return function(scope_for(user))


def acts_for(user: Any, action: str, organisation_id: int | None) -> bool:
    """Whether ``user`` may ``action`` for the organisation ``organisation_id``."""
    return organisation_id is not None and organisation_id in acting_ids(user, action)


def organisations(user: Any, action: str) -> models.QuerySet[Organisation]:
    """The organisations ``user`` acts for in ``action``, as rows."""
    return Organisation.objects.filter(pk__in=acting_ids(user, action))


def acting_organisation(
    user: Any,
    code: str | None,
    allowed: str | Iterable[int],
    *,
    field: str = "organisation",
) -> Organisation:
    """The organisation ``user`` acts for among ``allowed`` (an action registered with
    ``acting``, or the ids of a list the caller built, such as the 111 centers of a
    region): the one named by ``code``, else their only one. Refusals are a 422 on
    ``field``: not theirs, none, or a choice needed."""
    ids = acting_ids(user, allowed) if isinstance(allowed, str) else frozenset(allowed)
    candidates = Organisation.objects.filter(pk__in=ids)
    if code:
        found = candidates.filter(code=code).first()
        if found is None:
            raise InvalidInput.on(field, _("You do not work at this organisation."))
        return found
    first_two = list(candidates.order_by("pk")[:2])
    if len(first_two) == 1:
        return first_two[0]
    if not first_two:
        raise InvalidInput.on(field, _("You have no role here that allows this."))
    raise InvalidInput.on(field, _("Choose the organisation you act for."))


def acting_organisation_on(
    user: Any, action: str, present: Iterable[Organisation | None] = ()
) -> Organisation | None:
    """The organisation ``user`` acts for (in ``action``) on a record several
    organisations work on: the first of theirs among ``present`` (by key), else the first
    of theirs (a coordinator above the record, a PSC head whose branch is on it). None if
    they act for no organisation in ``action``."""
    ids = acting_ids(user, action)
    if not ids:
        return None
    on_record = sorted(
        (org for org in present if org is not None and org.pk in ids), key=lambda org: org.pk
    )
    if on_record:
        return on_record[0]
    return Organisation.objects.filter(pk__in=ids).order_by("pk").first()
