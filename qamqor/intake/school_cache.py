"""The school behind a QR poster's address, remembered between requests.

After an assembly a whole school opens ``/report/<code>/`` within minutes; the school
named by the code is the same for every one of them, so the form's page reads it from
the cache instead of the database (and opens no database connection at all). A school's
save or delete removes its entry at once in this process (and in every process when the
cache is shared); a process with its own memory cache keeps an entry at most
``QAMQOR_SCHOOL_CACHE_SECONDS`` (60), so a renamed school shows its new name everywhere
within a minute. A submission never trusts the cache: it reads the school again.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from qamqor.directory.models import Organisation
from qamqor.intake import services

_PREFIX = "intake:school:"


def _key(code: str) -> str:
    # any typed code is safe as a key (memcached refuses spaces and long keys)
    return _PREFIX + hashlib.sha256(code.encode()).hexdigest()[:32]


def _code_key(pk: int) -> str:
    return f"{_PREFIX}pk:{pk}"


def find_school(code: str) -> Organisation | None:
    """``services.find_school`` through the cache; unknown codes are not remembered."""
    key = _key(code)
    school: Organisation | None = cache.get(key)
    if school is None:
        school = services.find_school(code)
        if school is not None:
            seconds = settings.SCHOOL_CACHE_SECONDS
            cache.set_many({key: school, _code_key(school.pk): school.code}, seconds)
    return school


def forget(school: Organisation) -> None:
    """Drop a school from the cache under its current code and the one it was cached by."""
    keys = [_key(school.code), _code_key(school.pk)]
    cached_code = cache.get(_code_key(school.pk))
    if cached_code:
        keys.append(_key(cached_code))
    cache.delete_many(keys)


def _organisation_changed(sender: Any, instance: Organisation, **kwargs: Any) -> None:
    forget(instance)


def connect() -> None:
    """Called from the app's ready(): every save or delete of an organisation forgets it."""
    post_save.connect(_organisation_changed, sender=Organisation, dispatch_uid=_PREFIX + "save")
    post_delete.connect(_organisation_changed, sender=Organisation, dispatch_uid=_PREFIX + "delete")
