"""The kinds of notifications a reader filters by, and which ones are urgent.

One table, as data: every template key of the outbox maps to one human kind (labels in
kk/ru/en inline, DESIGN §5.5); a key not listed is "other". Urgent kinds (a child in
danger, a step or referral past its deadline) are pinned at the top of the in-app list
until read and are never held for the daily digest (docs/notifications.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from qamqor.translation import pick


@dataclass(frozen=True)
class Kind:
    code: str
    label: dict[str, str]

    @property
    def name(self) -> str:
        return pick(self.label)


KINDS: tuple[Kind, ...] = (
    Kind(
        "life_safety",
        {"kk": "Өмір қауіпсіздігі", "ru": "Угроза жизни", "en": "Life safety"},
    ),
    Kind(
        "deadlines",
        {
            "kk": "Мерзімдер мен кешіктірулер",
            "ru": "Сроки и просрочки",
            "en": "Deadlines and overdue",
        },
    ),
    Kind("referrals", {"kk": "Жолдамалар", "ru": "Направления", "en": "Referrals"}),
    Kind("messages", {"kk": "Хабарламалар", "ru": "Сообщения", "en": "Messages"}),
    Kind("care", {"kk": "Психологиялық көмек", "ru": "Психологическая помощь", "en": "Care"}),
    Kind("other", {"kk": "Басқа", "ru": "Другое", "en": "Other"}),
)

KIND_CODES = tuple(kind.code for kind in KINDS)

#: template key → kind code. A template not listed is "other".
TEMPLATE_KINDS: dict[str, str] = {
    "life_safety_alert": "life_safety",
    "danger_now": "life_safety",
    "screening_alert": "life_safety",
    "screening_alert_escalated": "life_safety",
    "step_assigned": "deadlines",
    "step_reminder": "deadlines",
    "step_notice": "deadlines",
    "step_overdue": "deadlines",
    "referral_overdue": "deadlines",
    "referral_received": "referrals",
    "referral_self_received": "referrals",
    "referral_accepted": "referrals",
    "referral_declined": "referrals",
    "referral_cancelled": "referrals",
    "referral_completed": "referrals",
    "referral_school_informed": "referrals",
    "referral_share_revoked": "referrals",
    "case_message": "messages",
    "reporter_message": "messages",
    "care_appeal_digest": "care",
    "care_crisis_exception": "care",
    "care_crisis_limit_reached": "care",
    "care_sharing_override": "care",
}

#: Urgent templates: pinned until read, always emailed at once (brief 1.3.5: a life-safety
#: alert or an overdue step must reach its reader without delay).
URGENT_TEMPLATES: frozenset[str] = frozenset(
    {
        "life_safety_alert",
        "danger_now",
        "screening_alert",
        "screening_alert_escalated",
        "step_overdue",
        "referral_overdue",
    }
)


def kind_of(template: str) -> str:
    return TEMPLATE_KINDS.get(template, "other")


def templates_of(kind: str) -> list[str]:
    """The template keys of a kind (for "other": every key no kind lists is matched by
    exclusion, see ``selectors``)."""
    return sorted(key for key, code in TEMPLATE_KINDS.items() if code == kind)


def is_urgent(template: str) -> bool:
    return template in URGENT_TEMPLATES


def label_of(kind: str) -> str:
    for item in KINDS:
        if item.code == kind:
            return item.name
    return kind
