"""The daily digest: a user who takes it gets their non-urgent emails held and sent once
a day in one message, written exactly once per user and day (docs/notifications.md)."""

from django.conf import settings
from django.db import transaction
from django.template import Context
from django.utils import timezone, translation

from qamqor.accounts.models import User
from qamqor.notify import kinds
from qamqor.notify.models import Notification, NotificationPreference
from qamqor.notify.services.outbox import _enqueue_after_commit, _text_engine
from qamqor.units import entry_point


def wants_digest(user: User) -> bool:
    return NotificationPreference.objects.filter(user=user, daily_digest=True).exists()


@entry_point
def set_daily_digest(user: User, *, daily_digest: bool) -> bool:
    """Turn the daily digest on or off for ``user``. Turning it off hands the emails held so
    far to the worker at once (none is lost). Returns the new setting."""
    from qamqor.audit import services as audit

    NotificationPreference.objects.update_or_create(
        user=user, defaults={"daily_digest": daily_digest}
    )
    if not daily_digest:
        held = Notification.objects.filter(
            recipient=user,
            channel=Notification.Channel.EMAIL,
            status=Notification.Status.HELD,
        )
        keys = list(held.values_list("dedupe_key", flat=True))
        held.update(status=Notification.Status.PENDING, next_attempt_at=timezone.now())
        _enqueue_after_commit(keys)
    audit.record(
        actor=user,
        action="notification.preference",
        object_type="accounts.User",
        object_id=str(user.pk),
        changes={"daily_digest": daily_digest},
    )
    return daily_digest


def _hold_for_digest(notification_id: int) -> bool:
    """Hold a first-try email for a user who takes the daily digest, unless it is urgent
    (life safety, overdue) or a digest itself; True when it was held."""
    return bool(
        Notification.objects.filter(
            pk=notification_id,
            channel=Notification.Channel.EMAIL,
            status=Notification.Status.PENDING,
            attempts=0,
            digest__isnull=True,
            recipient__notification_preference__daily_digest=True,
        )
        .exclude(template__in=[*kinds.URGENT_TEMPLATES, DIGEST_TEMPLATE])
        .update(status=Notification.Status.HELD)
    )


DIGEST_TEMPLATE = "daily_digest"


def digest_hour() -> int:
    """The local hour from which the day's digests go out (``NOTIFY_DIGEST_HOUR``, 8)."""
    return int(getattr(settings, "NOTIFY_DIGEST_HOUR", 8))


def send_digests(limit: int = 200) -> int:
    """Write today's digest for every user with held emails, once the digest hour has come;
    returns how many digests were queued. Each digest is an outbox email of its own (its
    dedupe key names the user and the day), delivered like any other: claimed under a
    lease, one Message-ID, never sent twice."""
    local = timezone.localtime()
    if local.hour < digest_hour():
        return 0
    users = (
        Notification.objects.filter(
            channel=Notification.Channel.EMAIL, status=Notification.Status.HELD
        )
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")[:limit]
    )
    day = local.date().isoformat()
    return sum(_write_digest(user_id, day) for user_id in list(users) if user_id is not None)


def _write_digest(user_id: int, day: str) -> bool:
    """One user's digest for ``day``, written in one transaction with the held emails it
    carries: a worker killed before the commit leaves them held (the next sweep writes the
    digest), after it the digest is in the outbox and its items are marked as carried."""
    key = f"digest:u{user_id}:{day}"
    with transaction.atomic():
        if Notification.objects.filter(dedupe_key=key).exists():
            return False  # today's digest is written; what came later waits for tomorrow
        items = list(
            Notification.objects.select_for_update(of=("self",))
            .filter(
                recipient_id=user_id,
                channel=Notification.Channel.EMAIL,
                status=Notification.Status.HELD,
            )
            .select_related("case", "recipient")
            .order_by("created_at", "pk")
        )
        if not items:
            return False
        user = items[0].recipient
        if user is None:  # held rows are users' (filtered above); for the type checker
            return False
        language = user.preferred_language
        subject, body = _render_digest(items, language)
        digest = Notification.objects.create(
            channel=Notification.Channel.EMAIL,
            template=DIGEST_TEMPLATE,
            language=language,
            recipient=user,
            recipient_address=user.email or items[-1].recipient_address,
            subject=subject,
            body=body,
            link="/notifications/",
            dedupe_key=key,
        )
        Notification.objects.filter(
            pk__in=[item.pk for item in items], status=Notification.Status.HELD
        ).update(status=Notification.Status.DIGESTED, digest=digest, sent_at=timezone.now())
        _enqueue_after_commit([key])
    return True


def _render_digest(items: list[Notification], language: str) -> tuple[str, str]:
    groups: dict[str, list[Notification]] = {}
    for item in items:
        groups.setdefault(item.case.number if item.case else "", []).append(item)
    with translation.override(language):
        sections = [
            {
                "case": number,
                "items": [
                    {"subject": item.subject, "created_at": item.created_at, "link": item.link}
                    for item in group
                ],
            }
            for number, group in sorted(groups.items(), key=lambda pair: (pair[0] == "", pair[0]))
        ]
        context = {"count": len(items), "groups": sections, "site": settings.SITE_URL}
        engine = _text_engine()
        subject = engine.get_template(f"notify/{DIGEST_TEMPLATE}.subject.txt").render(
            Context(context)
        )
        body = engine.get_template(f"notify/{DIGEST_TEMPLATE}.body.txt").render(
            Context(context, autoescape=False)
        )
    return " ".join(str(subject).split()), str(body).strip()
