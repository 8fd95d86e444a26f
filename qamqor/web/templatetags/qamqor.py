"""Template helpers for Qamqor's pages: texts in three languages, dates, badges, labels."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from qamqor import translation
from qamqor.classification import ViolenceForm

register = template.Library()

DATETIME_FORMAT = "d.m.Y H:i"  # unambiguous in Kazakhstan whatever the language
DATE_FORMAT = "d.m.Y"


@register.filter
def pick(texts: object) -> str:
    """The text of a ``{kk, ru, en}`` dict in the active language (with the usual fallback)."""
    if isinstance(texts, Mapping):
        return translation.pick(texts)
    dump = getattr(texts, "model_dump", None)  # a {kk, ru, en} schema object from a definition
    if callable(dump):
        return translation.pick(dump())
    return "" if texts is None else str(texts)


def _time(value: object, fmt: str) -> SafeString | str:
    if not isinstance(value, datetime):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html(
        '<time datetime="{}">{}</time>', local.isoformat(), dateformat.format(local, fmt)
    )


@register.filter
def when(value: object) -> SafeString | str:
    """A date and time in Kazakhstan's time zone, in a ``<time>`` element."""
    return _time(value, DATETIME_FORMAT)


@register.filter
def day(value: object) -> SafeString | str:
    """A date in Kazakhstan's time zone, in a ``<time>`` element."""
    return _time(value, DATE_FORMAT)


@register.filter
def is_overdue(step: Any) -> bool:
    """Whether a protocol step is open past its deadline."""
    check = getattr(step, "is_overdue", None)
    return bool(check()) if callable(check) else False


@register.filter
def form_labels(codes: Iterable[str] | None) -> list[str]:
    """Labels of violence form codes, in the order given."""
    labels = dict(ViolenceForm.choices)
    return [str(labels.get(code, code)) for code in codes or []]


@register.filter
def form_label(code: str) -> str:
    return str(dict(ViolenceForm.choices).get(code, code))


@register.simple_tag
def badge(value: str, label: object) -> SafeString:
    """A status badge; ``value`` is the stable code that picks the colour."""
    return format_html('<span class="badge badge-{}">{}</span>', value, label)


@register.simple_tag
def chips(labels: Iterable[object]) -> SafeString:
    """A compact list of labels (e.g. forms of violence)."""
    items = format_html_join("", '<li class="chip">{}</li>', ((label,) for label in labels))
    return format_html('<ul class="chips">{}</ul>', items) if items else SafeString("")


@register.filter
def duration(value: object) -> str:
    """A waiting time in words: minutes up to two hours, then hours."""
    if not isinstance(value, timedelta):
        return ""
    minutes = max(1, math.ceil(value.total_seconds() / 60))
    if minutes < 120:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def _long_duration(value: timedelta) -> str:
    """A duration in words, in days once it passes two days (waiting steps, overdue ones)."""
    if value.total_seconds() < 48 * 3600:
        return duration(value)
    days = int(value.total_seconds() // 86400)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


@register.filter
def since(value: object, now: object = None) -> str:
    """How long ago ``value`` was (from ``now``, default the present), in words."""
    if not isinstance(value, datetime):
        return ""
    moment = now if isinstance(now, datetime) else timezone.now()
    return _long_duration(max(moment - value, timedelta(0)))


@register.filter
def local_link(link: object) -> str:
    """A link stored with a notification, only if it stays on this site."""
    text = str(link or "")
    return text if text.startswith("/") and not text.startswith("//") else ""


@register.filter
def get_item(mapping: object, key: object) -> Any:
    """``mapping[key]`` in a template, or "" when there is no such key."""
    if isinstance(mapping, Mapping):
        return mapping.get(key, "")
    return ""


_NAV_ITEM = re.compile(r"<li\b")


class NavGroupNode(template.Node):
    """The menu items inside, grouped under ``label``: none, nothing; one, the item as it
    is; several, a dropdown (``details.dropdown`` in Pico) whose summary is marked when
    the current page is one of them. Each app's ``_nav.html`` decides its items, so a
    role's menu holds a group only when the role has something in it."""

    def __init__(self, label: template.base.FilterExpression, nodelist: template.NodeList):
        self.label = label
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        inner = self.nodelist.render(context)  # safe: the templates' own output
        items = len(_NAV_ITEM.findall(inner))
        if items <= 1:
            return inner
        summary = (
            format_html('<summary class="current">{}</summary>', self.label.resolve(context))
            if 'aria-current="page"' in inner
            else format_html("<summary>{}</summary>", self.label.resolve(context))
        )
        return format_html(
            '<li class="nav-group"><details class="dropdown">{}<ul>{}</ul></details></li>',
            summary,
            inner,
        )


@register.tag
def navgroup(parser: template.base.Parser, token: template.base.Token) -> NavGroupNode:
    """``{% navgroup label %}…menu items…{% endnavgroup %}`` (see ``NavGroupNode``)."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("navgroup takes one argument, the group's label")
    nodelist = parser.parse(("endnavgroup",))
    parser.delete_first_token()
    return NavGroupNode(parser.compile_filter(bits[1]), nodelist)
