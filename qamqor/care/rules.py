"""Who may see what in psychological support (registered with ``accounts.access``).

- a child is also seen by the organisations it was shared with (an active share or a
  self-referral) and by those holding their own care records for it (consent, crisis
  basis, consultation), brief 1.3.4 and 1.5.2.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from qamqor.accounts import access, policy
from qamqor.accounts.policy import NOTHING, Scope


def _own(user: Any) -> frozenset[int]:
    """The user's own key as a set (none for an anonymous user): rows they wrote or attend."""
    pk = getattr(user, "pk", None)
    return frozenset() if pk is None else frozenset({pk})


def _once(model: type[Any], q: Q) -> Q:
    """``q`` through a subquery of keys, so that a join over a many-to-many (a session's
    participants, the organisations a consent names) lists each row once."""
    return Q(pk__in=model.objects.filter(q).values("pk")) if q else q


@access.rule("cases.Child", "view")
def child_view_in_care(scope: Scope, user: Any) -> Q:
    from qamqor.care.models import CareClient, ChildShare

    orgs = policy.care_scope_for(user).referral_org_ids
    if not orgs:
        return NOTHING
    return Q(
        Exists(
            ChildShare.objects.filter(
                child_id=OuterRef("pk"), to_organisation_id__in=orgs, revoked_at__isnull=True
            )
        )
    ) | Q(Exists(CareClient.objects.filter(child_id=OuterRef("pk"), organisation_id__in=orgs)))


@access.gate("crisis_exceptions")
def crisis_exceptions_gate(scope: Scope) -> bool:
    """The list of crisis exceptions: a PSC's own, and those in a coordinator's oversight
    (brief 1.5.2)."""
    care = policy.care_scope_for_scope(scope)
    return bool(care.psc_org_ids or care.region_ids or care.national)


@access.gate("supervision")
def supervision_gate(scope: Scope) -> bool:
    """Supervision and intervision sessions: psychologists record theirs, coordinators see
    those in their oversight."""
    care = policy.care_scope_for_scope(scope)
    return bool(care.psychologist_org_ids or care.region_ids or care.national)


@access.gate("care")
def care_gate(scope: Scope) -> bool:
    """Psychological support: psychologists (school, PSC, a PSC head), coordinators who
    find their oversight pages there, monitors (aggregates)."""
    care = policy.care_scope_for_scope(scope)
    return bool(care.psychologist_org_ids or care.region_ids or care.national or care.monitor)


@access.rule("care.Consultation", "view")
def consultation_view(scope: Scope, user: Any) -> Q:
    """A filter on ``care.Consultation``: the psychologist's own, their colleagues' at the
    same organisation (without the notes), and a PSC head's staff's. Coordinators see
    aggregates only."""
    orgs = policy.care_scope_for_scope(scope).psychologist_org_ids | scope.supervised_ids
    if not orgs:
        return NOTHING
    return scope.where(None, psychologist_id=_own(user), organisation_id=orgs)


@access.rule("care.CrisisBasis", "view")
def crisis_basis_view(scope: Scope, user: Any) -> Q:
    """A filter on ``care.CrisisBasis``: the PSC's staff, its head, and the coordinators,
    to whom every exception is reported (brief 1.5.2)."""
    return scope.where("organisation__region_id", organisation_id=scope.psc_ids)


@access.rule("care.SupervisionSession", "view")
def supervision_view(scope: Scope, user: Any) -> Q:
    """A filter on ``care.SupervisionSession``: participants, the facilitator, whoever
    recorded it, the host PSC's head, and coordinators (who organise supervision, 2.3.3)."""
    from qamqor.care.models import SupervisionSession

    own = _own(user)
    return _once(
        SupervisionSession,
        scope.where(
            "organisation__region_id",
            recorded_by_id=own,
            facilitator_id=own,
            participants__id=own,
            organisation_id=scope.supervised_ids,
        ),
    )


@access.rule("care.WorkWeek", "view")
def work_log_view(scope: Scope, user: Any) -> Q:
    """A filter on ``care.WorkWeek``: one's own weeks, a PSC head's staff's, coordinators'
    regions. School management does not see a psychologist's work log (brief 3.4.2)."""
    return scope.where(
        "organisation__region_id", user_id=_own(user), organisation_id=scope.supervised_ids
    )


@access.rule("care.ConsentRecord", "view")
def consent_view(scope: Scope, user: Any) -> Q:
    """A filter on ``care.ConsentRecord``: the organisation it was given to (a PSC's
    consent also to its branches' staff) and the organisations it names for sharing."""
    from qamqor.care.models import ConsentRecord

    orgs = policy.care_scope_for_scope(scope).referral_org_ids
    if not orgs:
        return NOTHING
    return _once(
        ConsentRecord,
        Q(organisation_id__in=orgs)
        | Q(organisation__branches__id__in=orgs)
        | Q(share_with__id__in=orgs),
    )


# --- the organisations a user acts for in psychological support ---------------------------


@access.acting("give_care")
def gives_care_for(scope: Scope) -> frozenset[int]:
    """Consent to support, consultations, the work log: a psychologist of the organisation
    (a school's, a PSC's; a PSC head: also the branches')."""
    return policy.care_scope_for_scope(scope).psychologist_org_ids


@access.acting("record_crisis_basis")
def records_crisis_basis_for(scope: Scope) -> frozenset[int]:
    """The crisis exception is the PSC's (brief 1.5.2): the staff of that PSC."""
    return scope.psc_ids


@access.acting("refer")
def refers_for(scope: Scope) -> frozenset[int]:
    """Referring from, accepting for, sharing a child from, taking a child into care or
    recording a consent to sharing for an organisation: one of its staff."""
    return policy.care_scope_for_scope(scope).referral_org_ids


@access.rule("care.Consultation", "read_notes")
def consultation_notes(scope: Scope, user: Any) -> Q:
    """Confidential notes: the psychologist who wrote them and their supervisor (the PSC
    head of the organisation); colleagues see the record without them."""
    return scope.where(None, psychologist_id=_own(user), organisation_id=scope.supervised_ids)


@access.check("care.Consultation", "read_notes")
def consultation_notes_check(scope: Scope, user: Any, consultation: Any) -> bool:
    return bool(
        consultation.psychologist_id == getattr(user, "pk", None)
        or consultation.organisation_id in scope.supervised_ids
    )


CHILD = access.Guard(model="cases.Child")
CARE = access.Guard(gate="care")
access.operations(
    {
        "GET /care/caseload": access.SIGNED_IN,  # one's own caseload (empty for others)
        "POST /care/children": CARE,
        "GET /care/children/{code}": CHILD,
        "POST /care/children/{code}/consents": CHILD,
        "POST /care/consents/{public_id}/withdraw": access.Guard(model="care.ConsentRecord"),
        "POST /care/children/{code}/crisis-bases": CHILD,
        "GET /care/crisis-bases": access.Guard(model="care.CrisisBasis"),
        "POST /care/crisis-bases/{public_id}/close": access.Guard(model="care.CrisisBasis"),
        "POST /care/children/{code}/shares": CHILD,
        "GET /care/consultations": access.Guard(model="care.Consultation"),
        "POST /care/consultations": CARE,
        "GET /care/consultations/{public_id}": access.Guard(model="care.Consultation"),
        "GET /care/supervision": access.Guard(model="care.SupervisionSession"),
        "POST /care/supervision": CARE,
        "GET /care/work-log/{week}": access.SIGNED_IN,
        "PUT /care/work-log/{week}": access.SIGNED_IN,
        "GET /care/workload": CARE,
        "PUT /care/schools/{code}/enrolment": CARE,
        # anonymous appeals keep their address under /care (appeals.rules: who sees them)
        "POST /care/appeals": access.SIGNED_IN,
        "POST /care/appeals/follow-up": access.SIGNED_IN,
        "GET /care/appeals": access.Guard(model="appeals.Appeal"),
        "GET /care/appeals/{appeal_id}": access.Guard(model="appeals.Appeal"),
        "POST /care/appeals/{appeal_id}/answer": access.Guard(model="appeals.Appeal"),
    }
)
