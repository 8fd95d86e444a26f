"""Encrypted model fields and keyed blind indexes (docs/security.md, "Encryption at rest").

Narratives, consultation notes and the names and contacts of children, representatives
and reporters are stored as Fernet tokens made with the data keys (``qamqor.ops.keys``):
a database dump, a replica or a stolen disk shows no plaintext of them. Python code sees
plain strings; the database sees tokens, so these fields cannot be searched or sorted in
SQL (none is: duplicate detection compares decrypted text in Python). An exact-match
lookup goes through a keyed blind index (``blind_index``): an HMAC of the normalised
value with its own key, which does not change when the data keys rotate.

Empty values stay empty (``""``), so "not given" can still be told from "given" in SQL;
so does retention's ``REMOVED`` marker, which is no secret.
A value that is not a token (written before encryption was switched on) is read as it is
and encrypted on its next save, or by ``qamqor keys rotate-fields``, which also moves
every token to the first key after a rotation.

Keys: ``QAMQOR_DATA_KEYS`` / ``QAMQOR_DATA_KEYS_FILE``. Without them, outside production
only, a development key is derived from ``QAMQOR_SECRET_KEY`` so the demo and the tests
run unconfigured; production refuses to start without keys (system check ``ops.E001``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from qamqor.ops.keys import ENV_KEYS, ENV_KEYS_FILE, NoDataKeys, data_keys

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable

    # django-stubs types fields by what is set and what is read; at run time Django's
    # field classes take no type parameters, so the parameterised bases are for mypy only
    _TextField = models.TextField[str | Combinable, str]
    _BinaryField = models.BinaryField[bytes | memoryview | Combinable, bytes | memoryview]
    _CharField = models.CharField[str | int | Combinable, str]
    _Field = models.Field[Any, Any]
else:
    _TextField, _BinaryField = models.TextField, models.BinaryField
    _CharField, _Field = models.CharField, models.Field

TOKEN_PREFIX = "gAAAAA"  # noqa: S105 - not a secret: every Fernet token starts so
#: What retention writes in place of a removed text (qamqor.ops.retention). It is no
#: secret, so it is stored as it is and SQL can tell a pseudonymised record.
REMOVED = "[removed: retention period]"
_CLEAR = frozenset({"", REMOVED})
_cache: dict[tuple[str, str, str, bool], MultiFernet] = {}


def field_fernet() -> MultiFernet:
    """The MultiFernet for fields, built once per configuration."""
    marker = (
        os.environ.get(ENV_KEYS, ""),
        os.environ.get(ENV_KEYS_FILE, ""),
        settings.SECRET_KEY,
        bool(settings.PRODUCTION),
    )
    cached = _cache.get(marker)
    if cached is not None:
        return cached
    try:
        keys = [Fernet(key) for key in data_keys()]
    except NoDataKeys:
        if settings.PRODUCTION:
            raise
        digest = hashlib.sha256(f"qamqor-development-data-key:{settings.SECRET_KEY}".encode())
        keys = [Fernet(base64.urlsafe_b64encode(digest.digest()))]
    fernet = MultiFernet(keys)
    _cache.clear()
    _cache[marker] = fernet
    return fernet


def encrypt(value: str) -> str:
    if value in _CLEAR:
        return value
    return field_fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not value.startswith(TOKEN_PREFIX):
        return value  # written before encryption was switched on
    return decrypt_bytes(value.encode()).decode()


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return field_fernet().decrypt(token)
    except InvalidToken:
        raise ImproperlyConfigured(
            "an encrypted field does not decrypt with the configured data keys "
            f"({ENV_KEYS}): a key was removed before `qamqor keys rotate-fields` ran"
        ) from None


class EncryptedTextField(_TextField):
    """A text stored as a Fernet token. ``max_length`` limits the plaintext (forms and
    validation), not the column, which is ``text`` because a token is longer."""

    description = "Text encrypted with the data keys"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(str(value))


class EncryptedJSONField(_Field):
    """A JSON value (a step's answers, a notice's texts) stored as one Fernet token of its
    JSON text in a ``text`` column. It cannot be queried by key in SQL (nothing does);
    Python sees the value."""

    description = "JSON encrypted with the data keys"

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return json.loads(decrypt(value))  # a row from before encryption is plain JSON

    def to_python(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return (
            field_fernet()
            .encrypt(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).encode())
            .decode()
        )

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj), cls=DjangoJSONEncoder, ensure_ascii=False)


class EncryptedBinaryField(_BinaryField):
    """Bytes (an uploaded letter or consent form) stored as a Fernet token. A value that is
    no token (a PDF, JPEG or PNG stored before encryption) is read as it is."""

    description = "Bytes encrypted with the data keys"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> bytes | None:
        if value is None:
            return None
        stored = bytes(value)
        if not stored.startswith(TOKEN_PREFIX.encode()):
            return stored  # a file stored before encryption was switched on
        return decrypt_bytes(stored)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return field_fernet().encrypt(bytes(value))


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash of ``value`` (normalised: trimmed, case-folded, inner spaces removed)
    for exact-match lookups. Its key (``QAMQOR_BLIND_INDEX_KEY``, else derived from the
    secret key) is separate from the data keys and never rotates with them."""
    if not value.strip():
        return ""
    secret = settings.BLIND_INDEX_KEY.encode()
    normalised = "".join(value.split()).casefold()
    return hmac.new(secret, f"{purpose}:{normalised}".encode(), hashlib.sha256).hexdigest()


class BlindIndexField(_CharField):
    """The keyed blind index of another field of the row (``source``), computed whenever
    the row is written, by ``save()`` and ``bulk_create()`` alike: an encrypted address
    can still be found by exact match (``blind_index``)."""

    def __init__(self, *args: Any, source: str = "", purpose: str = "", **kwargs: Any) -> None:
        self.source, self.purpose = source, purpose
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, purpose=self.purpose)
        # Field leaves out db_index=False (its default), which is not this field's default
        kwargs.setdefault("db_index", False)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = blind_index(getattr(model_instance, self.source) or "", purpose=self.purpose)
        setattr(model_instance, self.attname, value)
        return value


#: The field classes whose values are Fernet tokens in the database.
ENCRYPTED_FIELD_CLASSES = (EncryptedTextField, EncryptedJSONField, EncryptedBinaryField)


def encrypted_field_names(model: type[models.Model]) -> list[str]:
    """The encrypted fields stored in ``model``'s own table (its files' contents among them),
    read from the model itself, so a field added later is never left out."""
    return [
        field.name
        for field in model._meta.local_concrete_fields
        if isinstance(field, ENCRYPTED_FIELD_CLASSES)
    ]


def encrypted_fields(registry: Any = None) -> dict[str, list[str]]:
    """Every encrypted field of every installed model (app label.model: fields): what
    ``qamqor keys rotate-fields`` rewrites. ``registry`` is an app registry (a migration's
    historical apps); the installed apps by default."""
    if registry is None:
        from django.apps import apps as registry
    found: dict[str, list[str]] = {}
    for model in registry.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = encrypted_field_names(model)
        if names:
            found[model._meta.label] = names
    return found


def reencrypt(model: type[models.Model], names: list[str], batch_size: int = 500) -> int:
    """Write every row's ``names`` again: a plaintext value is encrypted, a token moves to
    the first key (read with any key, written with the first). The number of rows."""
    manager = model._default_manager
    count = 0
    rows = manager.order_by("pk").only("pk", *names).iterator(chunk_size=batch_size)
    for row in rows:
        manager.filter(pk=row.pk).update(**{name: getattr(row, name) for name in names})
        count += 1
    return count


def decrypt_json_migration(label: str) -> Any:
    """The reverse of ``reencrypt_migration`` for ``EncryptedJSONField`` columns: write
    their JSON back in clear, so the column can become a JSON column again."""

    def backwards(apps: Any, schema_editor: Any) -> None:
        app_label, model_name = label.split(".")
        model = apps.get_model(app_label, model_name)
        table = schema_editor.quote_name(model._meta.db_table)
        names = [
            field.name
            for field in model._meta.local_concrete_fields
            if isinstance(field, EncryptedJSONField)
        ]
        with schema_editor.connection.cursor() as cursor:
            for row in model._default_manager.only("pk", *names).iterator(chunk_size=500):
                for name in names:
                    column = schema_editor.quote_name(model._meta.get_field(name).column)
                    text = json.dumps(getattr(row, name), cls=DjangoJSONEncoder)
                    cursor.execute(
                        f"UPDATE {table} SET {column} = %s WHERE id = %s",  # nosec B608 # noqa: S608 - quoted names from the model
                        [text, row.pk],
                    )

    return backwards


def reencrypt_migration(label: str) -> Any:
    """A RunPython function that encrypts the rows written before ``label``'s fields were
    encrypted (used by the migrations that switched them on): every field that is
    encrypted in the model as that migration leaves it."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        app_label, model_name = label.split(".")
        model = apps.get_model(app_label, model_name)
        names = encrypted_field_names(model)
        if names:
            reencrypt(model, names)

    return forwards
