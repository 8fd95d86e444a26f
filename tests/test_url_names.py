"""URL names and addresses are a contract: notifications, menus, templates and services
reverse the names, and people keep the addresses (a QR poster prints one). Moving pages
between apps changes neither.

``ROUTES`` is the map of every URL name to its route as it stood before the pages moved
into their apps. Every name in it must still exist with the same route, and an address
built from each route must still reach that route (no pattern in an URLconf included
earlier shadows it). A new URL is added to the map; a changed one is a broken contract.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver, resolve

ROUTES = {
    "healthz": "healthz",
    "readyz": "readyz",
    "api:openapi-json": "api/v1/openapi.json",
    "api:openapi-view": "api/v1/docs",
    "api:submit_report": "api/v1/reports",
    "api:list_reports": "api/v1/reports",
    "api:get_report": "api/v1/reports/<public_id>",
    "api:register": "api/v1/reports/<public_id>/register",
    "api:dismiss": "api/v1/reports/<public_id>/dismiss",
    "api:followup": "api/v1/followup",
    "api:followup_message": "api/v1/followup/messages",
    "api:list_cases": "api/v1/cases",
    "api:get_case": "api/v1/cases/<number>",
    "api:close_case": "api/v1/cases/<number>/close",
    "api:get_parties": "api/v1/cases/<number>/parties",
    "api:attach_child": "api/v1/cases/<number>/child",
    "api:add_representative": "api/v1/cases/<number>/representatives",
    "api:update_representative": "api/v1/cases/<number>/representatives/<representative_id>",
    "api:reclassify": "api/v1/cases/<number>/reclassify",
    "api:list_messages": "api/v1/cases/<number>/messages",
    "api:post_message": "api/v1/cases/<number>/messages",
    "api:task_list": "api/v1/tasks",
    "api:complete_step": "api/v1/cases/<number>/steps/<key>/complete",
    "api:open_steps": "api/v1/steps/open",
    "api:protocol_list": "api/v1/protocols",
    "api:protocol_version": "api/v1/protocols/<code>/<version>",
    "api:protocol_publish": "api/v1/protocols/<code>/<version>/publish",
    "api:list_notices": "api/v1/cases/<number>/notices",
    "api:confirm_notice": "api/v1/cases/<number>/notices/<notice_id>/confirm",
    "api:cancel_notice": "api/v1/cases/<number>/notices/<notice_id>/cancel",
    "api:stats": "api/v1/stats",
    "api:accessibility_figures": "api/v1/stats/accessibility",
    "api:siting_plan": "api/v1/stats/siting",
    "api:list_instruments": "api/v1/screenings/instruments",
    "api:get_instrument": "api/v1/screenings/instruments/<code>",
    "api:get_questionnaire": "api/v1/screenings/instruments/<code>/fhir",
    "api:start": "api/v1/screenings/administrations",
    "api:get_administration": "api/v1/screenings/administrations/<public_id>",
    "api:answer": "api/v1/screenings/administrations/<public_id>/answers",
    "api:export_response": "api/v1/screenings/administrations/<public_id>/fhir",
    "api:import_response": "api/v1/screenings/fhir/QuestionnaireResponse",
    "api:child_history": "api/v1/screenings/children/<code>/administrations",
    "api:list_alerts": "api/v1/screenings/alerts",
    "api:acknowledge": "api/v1/screenings/alerts/<pk>/acknowledge",
    "api:create_campaign": "api/v1/screenings/campaigns",
    "api:list_campaigns": "api/v1/screenings/campaigns",
    "api:get_campaign": "api/v1/screenings/campaigns/<public_id>",
    "api:follow_up": "api/v1/screenings/campaigns/<public_id>/follow-up",
    "api:submit_self": "api/v1/screenings/self",
    "api:aggregates": "api/v1/screenings/aggregates",
    "api:list_referrals": "api/v1/referrals",
    "api:send_referral": "api/v1/referrals",
    "api:ask": "api/v1/referrals/ask",
    "api:record_self_referral": "api/v1/referrals/self",
    "api:get_referral": "api/v1/referrals/<public_id>",
    "api:accept": "api/v1/referrals/<public_id>/accept",
    "api:decline": "api/v1/referrals/<public_id>/decline",
    "api:complete": "api/v1/referrals/<public_id>/complete",
    "api:cancel": "api/v1/referrals/<public_id>/cancel",
    "api:inform_school": "api/v1/referrals/<public_id>/inform-school",
    "api:attach": "api/v1/referrals/<public_id>/attachments",
    "api:caseload": "api/v1/care/caseload",
    "api:register_child": "api/v1/care/children",
    "api:child_care": "api/v1/care/children/<code>",
    "api:record_consent": "api/v1/care/children/<code>/consents",
    "api:withdraw_consent": "api/v1/care/consents/<public_id>/withdraw",
    "api:record_crisis_basis": "api/v1/care/children/<code>/crisis-bases",
    "api:list_crisis_bases": "api/v1/care/crisis-bases",
    "api:close_crisis_basis": "api/v1/care/crisis-bases/<public_id>/close",
    "api:share_child": "api/v1/care/children/<code>/shares",
    "api:list_consultations": "api/v1/care/consultations",
    "api:record_consultation": "api/v1/care/consultations",
    "api:get_consultation": "api/v1/care/consultations/<public_id>",
    "api:list_supervision": "api/v1/care/supervision",
    "api:record_supervision": "api/v1/care/supervision",
    "api:get_work_week": "api/v1/care/work-log/<week>",
    "api:save_work_week": "api/v1/care/work-log/<week>",
    "api:workload": "api/v1/care/workload",
    "api:set_enrolment": "api/v1/care/schools/<code>/enrolment",
    "api:submit_appeal": "api/v1/care/appeals",
    "api:list_appeals": "api/v1/care/appeals",
    "api:appeal_follow_up": "api/v1/care/appeals/follow-up",
    "api:get_appeal": "api/v1/care/appeals/<appeal_id>",
    "api:answer_appeal": "api/v1/care/appeals/<appeal_id>/answer",
    "api:open_call": "api/v1/helpline/calls",
    "api:list_calls": "api/v1/helpline/calls",
    "api:close_call": "api/v1/helpline/calls/<external_id>/close",
    "api:list_undelivered": "api/v1/notifications/undelivered",
    "api:resend": "api/v1/notifications/<notification_id>/resend",
    "api:api-root": "api/v1/",
    "set_language": "i18n/setlang/",
    "otp-verify": "login/code/",
    "otp-setup": "account/two-step/",
    "locked-accounts": "accounts/locked/",
    "unlock-account": "accounts/locked/<int:user_id>/unlock/",
    "followup": "followup/",
    "followup-status": "followup/status/",
    "followup-leave": "followup/leave/",
    "report-embed": "embed/report/<slug:school_code>/",
    "report-staff-entry": "reports/new/",
    "report-reply": "reports/<uuid:public_id>/reply/",
    "report-link": "reports/<uuid:public_id>/link/",
    "report-untrue": "reports/<uuid:public_id>/untrue/",
    "report-attachment": "reports/<uuid:public_id>/attachments/<int:pk>/",
    "life-safety-alert": "alerts/<uuid:public_id>/",
    "life-safety-acknowledge": "alerts/<uuid:public_id>/acknowledge/",
    "referral-list": "referrals/",
    "referral-new": "referrals/new/",
    "referral-self-new": "referrals/self/new/",
    "referral-ask-start": "referrals/ask/",
    "referral-ask": "referrals/ask/<slug:psc_code>/",
    "referral-ask-thanks": "referrals/ask/<slug:psc_code>/thanks/",
    "parents-guide": "parents/",
    "parents-legal-track": "parents/legal-track/",
    "parents-application": "parents/application/",
    "referral-detail": "referrals/<uuid:public_id>/",
    "referral-accept": "referrals/<uuid:public_id>/accept/",
    "referral-decline": "referrals/<uuid:public_id>/decline/",
    "referral-complete": "referrals/<uuid:public_id>/complete/",
    "referral-cancel": "referrals/<uuid:public_id>/cancel/",
    "referral-inform-school": "referrals/<uuid:public_id>/inform-school/",
    "referral-attach": "referrals/<uuid:public_id>/attachments/",
    "referral-attachment": "referrals/<uuid:public_id>/attachments/<uuid:attachment_id>/",
    "care-home": "care/",
    "care-child-new": "care/children/new/",
    "care-child": "care/children/<str:code>/",
    "care-child-consent": "care/children/<str:code>/consents/",
    "care-child-crisis": "care/children/<str:code>/crisis/",
    "care-child-consultation": "care/children/<str:code>/consultations/",
    "care-child-share": "care/children/<str:code>/shares/",
    "care-consent-withdraw": "care/consents/<uuid:public_id>/withdraw/",
    "care-consent-document": "care/consents/<uuid:public_id>/document/",
    "care-crisis-list": "care/crisis/",
    "care-crisis-close": "care/crisis/<uuid:public_id>/close/",
    "care-consultation-new": "care/consultations/new/",
    "care-consultation": "care/consultations/<uuid:public_id>/",
    "care-supervision": "care/supervision/",
    "care-worklog": "care/worklog/",
    "care-workload": "care/workload/",
    "care-appeal-list": "care/appeals/",
    "care-appeal-new": "care/appeals/new/",
    "care-appeal-followup": "care/appeals/follow-up/",
    "care-appeal-detail": "care/appeals/<uuid:appeal_id>/",
    "screening-code": "s/",
    "screening-answer": "s/answer/",
    "screening-done": "s/done/",
    "screening-link": "s/<str:code>/",
    "screenings": "screenings/",
    "screening-children": "screenings/children/",
    "screening-child": "screenings/children/<str:code>/",
    "screening-alerts": "screenings/alerts/",
    "screening-alert-acknowledge": "screenings/alerts/<int:pk>/acknowledge/",
    "screening-dashboard": "screenings/dashboard/",
    "instrument-library": "screenings/instruments/",
    "instrument-detail": "screenings/instruments/<slug:code>/",
    "instrument-fhir": "screenings/instruments/<slug:code>/fhir/",
    "campaign-list": "screenings/campaigns/",
    "campaign-detail": "screenings/campaigns/<uuid:public_id>/",
    "campaign-progress": "screenings/campaigns/<uuid:public_id>/progress/",
    "campaign-add-class": "screenings/campaigns/<uuid:public_id>/classes/",
    "campaign-consent": "screenings/campaigns/<uuid:public_id>/consent/",
    "campaign-slips": "screenings/campaigns/<uuid:public_id>/slips/",
    "campaign-follow-up": "screenings/campaigns/<uuid:public_id>/follow-up/",
    "campaign-close": "screenings/campaigns/<uuid:public_id>/close/",
    "screening-result": "screenings/<uuid:public_id>/",
    "screening-interview": "screenings/<uuid:public_id>/answer/",
    "screening-invitation": "screenings/<uuid:public_id>/code/",
    "screening-fhir": "screenings/<uuid:public_id>/fhir/",
    "telegram-webhook": "telegram/webhook/",
    "helpline-console": "helpline/",
    "helpline-card-new": "helpline/cards/new/",
    "helpline-card": "helpline/cards/<uuid:public_id>/",
    "poster-index": "posters/",
    "poster-school": "posters/school/<slug:school_code>.pdf",
    "poster-district": "posters/district/<slug:district_code>.pdf",
    "notifications-undelivered": "notifications/undelivered/",
    "home": "",
    "report-start": "report/",
    "report-form": "report/<slug:school_code>/",
    "report-thanks": "report/<slug:school_code>/thanks/",
    "login": "login/",
    "logout": "logout/",
    "report-list": "reports/",
    "report-detail": "reports/<uuid:public_id>/",
    "report-register": "reports/<uuid:public_id>/register/",
    "report-register-preview": "reports/<uuid:public_id>/register/preview/",
    "report-dismiss": "reports/<uuid:public_id>/dismiss/",
    "case-list": "cases/",
    "case-detail": "cases/<str:number>/",
    "case-summary": "cases/<str:number>/summary/",
    "case-step-complete": "cases/<str:number>/steps/<slug:key>/complete/",
    "case-close": "cases/<str:number>/close/",
    "case-reclassify": "cases/<str:number>/reclassify/",
    "case-child": "cases/<str:number>/child/",
    "case-representative-add": "cases/<str:number>/representatives/",
    "case-representative-update": "cases/<str:number>/representatives/<int:pk>/",
    "case-notices": "cases/<str:number>/notices/",
    "case-notice-confirm": "cases/<str:number>/notices/<int:pk>/confirm/",
    "case-notice-cancel": "cases/<str:number>/notices/<int:pk>/cancel/",
    "case-messages": "cases/<str:number>/messages/",
    "open-steps": "steps/open/",
    "protocol-list": "protocols/",
    "protocol-version": "protocols/<slug:code>/<int:version>/",
    "protocol-publish": "protocols/<slug:code>/<int:version>/publish/",
    "dashboard": "dashboard/",
    "statistics-accessibility": "statistics/accessibility/",
    "notifications": "notifications/",
    "notifications-read-all": "notifications/read-all/",
    "notification-read": "notifications/<int:pk>/read/",
    "notifications-digest": "notifications/digest/",
    "api:list_notifications": "api/v1/notifications",
    "api:notification_groups": "api/v1/notifications/groups",
    "api:mark_notification_read": "api/v1/notifications/<notification_id>/read",
    "api:mark_notifications_read": "api/v1/notifications/read",
    "api:get_notification_preference": "api/v1/notifications/preference",
    "api:set_notification_preference": "api/v1/notifications/preference",
    "oversight-recommendations": "oversight/recommendations/",
    "oversight-recommendation": "oversight/recommendations/<str:number>/",
    "oversight-recommendation-edit": "oversight/recommendations/<str:number>/edit/",
    "oversight-evidence-add": "oversight/recommendations/<str:number>/evidence/",
    "oversight-evidence-document": (
        "oversight/recommendations/<str:number>/evidence/<uuid:public_id>/"
    ),
    "api:list_recommendations": "api/v1/oversight/recommendations",
    "api:get_recommendation": "api/v1/oversight/recommendations/<number>",
    "api:update_recommendation": "api/v1/oversight/recommendations/<number>",
    "api:add_evidence": "api/v1/oversight/recommendations/<number>/evidence",
    "training-programmes": "training/",
    "training-programme-new": "training/programmes/new/",
    "training-programme": "training/programmes/<slug:code>/",
    "training-programme-edit": "training/programmes/<slug:code>/edit/",
    "training-programme-retire": "training/programmes/<slug:code>/retire/",
    "training-record": "training/record/",
    "training-staff": "training/specialists/",
    "training-specialist": "training/specialists/<int:specialist>/",
    "training-certificate": "training/certificates/<uuid:public_id>/",
    "training-days": "training/days/",
    "training-day": "training/days/<uuid:public_id>/",
    "training-coverage": "training/coverage/",
    "api:training_programmes": "api/v1/training/programmes",
    "api:training_add_programme": "api/v1/training/programmes",
    "api:training_programme": "api/v1/training/programmes/<code>",
    "api:training_change_programme": "api/v1/training/programmes/<code>",
    "api:training_retire_programme": "api/v1/training/programmes/<code>/retire",
    "api:training_my_record": "api/v1/training/me",
    "api:training_add_enrolment": "api/v1/training/me/enrolments",
    "api:training_specialists": "api/v1/training/specialists",
    "api:training_specialist": "api/v1/training/specialists/<specialist>",
    "api:training_days": "api/v1/training/days",
    "api:training_schedule_day": "api/v1/training/days",
    "api:training_attendance": "api/v1/training/days/<public_id>/attendance",
    "api:training_coverage": "api/v1/training/coverage",
    "library": "library/",
    "library-document-new": "library/new-document/",
    "library-document": "library/documents/<slug:code>/",
    "library-version-new": "library/documents/<slug:code>/publish/",
    "library-briefings": "library/briefings/",
    "library-acknowledge": "library/briefings/<uuid:public_id>/acknowledge/",
    "library-coverage-list": "library/coverage/",
    "library-coverage": "library/coverage/<uuid:public_id>/",
    "library-materials": "library/materials/",
    "library-material-new": "library/materials/new/",
    "library-material": "library/materials/<uuid:public_id>/",
    "library-file": "library/files/<uuid:public_id>/",
    "api:library_documents": "api/v1/library/documents",
    "api:library_add_document": "api/v1/library/documents",
    "api:library_document": "api/v1/library/documents/<code>",
    "api:library_publish_version": "api/v1/library/documents/<code>/versions",
    "api:library_briefings": "api/v1/library/briefings",
    "api:library_acknowledge": "api/v1/library/briefings/<public_id>/acknowledge",
    "api:library_coverage": "api/v1/library/coverage/<public_id>",
    "api:library_materials": "api/v1/library/materials",
    "api:library_add_material": "api/v1/library/materials",
    "survey-campaigns": "surveys/",
    "survey-campaign-new": "surveys/new/",
    "survey-results": "surveys/results/",
    "survey-campaign": "surveys/<uuid:public_id>/",
    "survey-campaign-close": "surveys/<uuid:public_id>/close/",
    "survey-campaign-poster": "surveys/<uuid:public_id>/poster/",
    "survey-start": "survey/<str:token>/",
    "survey-thanks": "survey/<str:token>/thanks/<str:group>/",
    "survey-answer": "survey/<str:token>/<str:group>/",
    "api:list_survey_campaigns": "api/v1/surveys/campaigns",
    "api:open_survey_campaign": "api/v1/surveys/campaigns",
    "api:get_survey_campaign": "api/v1/surveys/campaigns/<public_id>",
    "api:close_survey_campaign": "api/v1/surveys/campaigns/<public_id>/close",
    "api:survey_results": "api/v1/surveys/results",
    "api:get_survey_sheet": "api/v1/surveys/answer/<token>",
    "api:answer_survey": "api/v1/surveys/answer/<token>",
}

SAMPLES = {
    "int": "7",
    "slug": "sample-7",
    "uuid": "3f2b8c1e-5d7a-4c1b-9e2f-0a6b7c8d9e10",
    "str": "sample7",
    "path": "sample7",
}
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def current_routes() -> Iterator[tuple[str, str]]:
    """Every named URL of the root URLconf as (namespaced name, full route), in order."""

    def walk(
        patterns: list[URLPattern | URLResolver], prefix: str, namespace: str
    ) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif pattern.name:
                yield namespace + pattern.name, prefix + str(pattern.pattern)

    yield from walk(get_resolver().url_patterns, "", "")


def address(route: str) -> str:
    """An address the route matches, each parameter filled with a sample of its kind."""
    return "/" + PARAMETER.sub(lambda m: SAMPLES[m["converter"] or "str"], route)


def test_every_url_name_keeps_its_route() -> None:
    now = dict(current_routes())
    changed = {
        name: (route, now.get(name)) for name, route in ROUTES.items() if now.get(name) != route
    }
    assert changed == {}


def test_every_route_is_reached_by_its_own_address() -> None:
    """Resolving each route's address lands on that route's view, not on a pattern of an
    URLconf included earlier (two API operations on one route share their address)."""
    names_of: dict[str, set[str]] = {}
    for name, route in ROUTES.items():
        names_of.setdefault(route, set()).add(name)
    reached = {name: resolve(address(route)).view_name for name, route in ROUTES.items()}
    assert {
        name: seen for name, seen in reached.items() if seen not in names_of[ROUTES[name]]
    } == {}


def test_no_url_name_is_given_twice() -> None:
    """``reverse`` takes one of two patterns of the same name silently."""
    names = Counter(name for name, _route in current_routes())
    assert [name for name, count in names.items() if count > 1] == []
