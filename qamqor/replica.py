"""Statistics read from a PostgreSQL streaming replica while it is healthy (brief 3.1.1).

Dashboards, indicators and exports are aggregate reads that may lag the primary by a few
seconds (decision 0014); with ``QAMQOR_REPLICA_DATABASE_URL`` set, settings add the
``replica`` database and install :class:`ReplicaRouter`. Reads go to the replica only
inside :func:`replica_reads` (a view decorator, or a ``with`` block), only while the
replica answers and lags at most ``REPLICA_MAX_LAG_SECONDS``, and never inside a
transaction on the primary (a page that wrote something reads its own writes), never
for the access and audit tables (a revoked right stops at once). Every write, and every
read elsewhere, goes to the primary. A streamed download returned from a wrapped view
reads its rows, chunk by chunk, where the view's reads went.

Health is the standby's own word: ``pg_is_in_recovery()`` (a promoted copy no longer
follows the primary) and the time since the last replayed commit. An idle primary commits
nothing, so that time grows while the standby is fully caught up: a standby whose replay
has reached everything it received, with its WAL receiver running, lags 0. The answer is
kept ``REPLICA_CHECK_SECONDS`` per process; a replica that fails is skipped (logged once)
until a later check finds it healthy again. A user never sees an error because the
replica is down: the decorator runs the view again on the primary when the replica fails
during it.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.http import FileResponse, StreamingHttpResponse

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# Caught up (lag 0): replay has reached all WAL received and the receiver is running;
# else the age of the last replayed commit (NULL before any: not known, not healthy).
HEALTH_SQL = """
SELECT pg_is_in_recovery(),
       COALESCE(pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn(), false)
           AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8
"""


class ReplicaUnavailable(Exception):
    """The replica failed during a query of a ``replica_reads`` block; the decorator
    catches it and runs the view again on the primary."""


def configured() -> bool:
    """A replica database is configured (``QAMQOR_REPLICA_DATABASE_URL``)."""
    return REPLICA in connections.settings


@dataclass
class _Reads:
    """Where the reads of one ``replica_reads`` block go."""

    alias: str


_reads: ContextVar[_Reads | None] = ContextVar("qamqor_replica_reads", default=None)


class ReplicaHealth:
    """Whether the replica may be read, checked at most every ``REPLICA_CHECK_SECONDS``
    in this process; each change between usable and not is logged once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._usable = False
        self._checked_at: float | None = None
        self._reported: bool | None = None

    def forget(self) -> None:
        """Check again at the next use."""
        with self._lock:
            self._checked_at = None

    def usable(self) -> bool:
        with self._lock:
            now = time.monotonic()
            fresh = self._checked_at is not None and (
                now - self._checked_at < settings.REPLICA_CHECK_SECONDS
            )
            if fresh:
                return self._usable
            # Claim the check: other threads keep the last answer while this one asks.
            self._checked_at = now
        usable, reason = check()
        self._record(usable, reason)
        return usable

    def failed(self, reason: str) -> None:
        """The replica failed in use: skip it until the next check."""
        with self._lock:
            self._checked_at = time.monotonic()
        self._record(False, reason)

    def _record(self, usable: bool, reason: str) -> None:
        with self._lock:
            self._usable = usable
            changed, self._reported = usable != self._reported, usable
        if not changed:
            return
        if usable:
            log.info("read replica in use: %s", reason)
        else:
            log.warning("read replica not used, reading from the primary: %s", reason)


health = ReplicaHealth()


def check() -> tuple[bool, str]:
    """Ask the replica now: usable or not, and why."""
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(HEALTH_SQL)
            in_recovery, caught_up, age = cursor.fetchone()
    except DatabaseError as error:
        _close_replica()
        return False, f"it does not answer ({_why(error)})"
    if not in_recovery:
        return False, "it is not a standby (promoted, or the primary's address)"
    lag = 0.0 if caught_up else age
    if lag is None:
        return False, "it has replayed nothing yet and is behind"
    limit = settings.REPLICA_MAX_LAG_SECONDS
    if lag > limit:
        return False, f"it lags {lag:.1f} s, more than {limit} s"
    return True, f"it lags {lag:.1f} s"


def _why(error: Exception) -> str:
    """The first line of a driver's message (they run over several)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _close_replica() -> None:
    try:
        connections[REPLICA].close()
    except DatabaseError:
        log.debug("closing the broken replica connection failed", exc_info=True)


def _replica_broken() -> bool:
    connection = connections[REPLICA]
    return connection.connection is not None and not connection.is_usable()


def _choose() -> str:
    """The replica if it is configured, healthy and connectable; else the primary."""
    if not configured() or not health.usable():
        return PRIMARY
    try:
        connections[REPLICA].ensure_connection()
    except DatabaseError as error:
        _close_replica()
        health.failed(f"it does not answer ({_why(error)})")
        return PRIMARY
    return REPLICA


def _on_replica_failure(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """An execute wrapper on the replica connection: a lost replica sends the rest of the
    block to the primary and raises ReplicaUnavailable for the decorator to retry."""
    try:
        return execute(sql, params, many, context)
    except (OperationalError, InterfaceError) as error:
        reads = _reads.get()
        if reads is not None:
            reads.alias = PRIMARY
        health.failed(f"a query failed ({_why(error)})")
        raise ReplicaUnavailable(str(error)) from error


class ReplicaReads:
    """Reads inside go to the healthy replica (a view decorator or a ``with`` block).

    As a decorator the view runs again on the primary when the replica fails during it,
    so wrap read-only views only. Nested blocks keep the outer block's choice.
    """

    def __init__(self) -> None:
        self._stack: list[tuple[Any, ExitStack]] = []

    def __enter__(self) -> str:
        current = _reads.get()
        if current is not None:
            self._stack.append((None, ExitStack()))
            return current.alias
        reads = _Reads(_choose())
        exits = ExitStack()
        if reads.alias == REPLICA:
            exits.enter_context(connections[REPLICA].execute_wrapper(_on_replica_failure))
        self._stack.append((_reads.set(reads), exits))
        return reads.alias

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        token, exits = self._stack.pop()
        exits.close()
        if token is not None:
            _reads.reset(token)

    def __call__(self, view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if _reads.get() is not None:  # an outer block decides and retries
                return view(*args, **kwargs)
            alias = PRIMARY
            try:
                with ReplicaReads() as alias:
                    return _carried(view(*args, **kwargs))
            except ReplicaUnavailable:
                pass
            except (OperationalError, InterfaceError) as error:
                # A failure outside execute (fetching rows of a server-side cursor).
                if alias != REPLICA or not _replica_broken():
                    raise
                health.failed(f"reading failed ({_why(error)})")
            _close_replica()
            with _primary_reads():
                return _carried(view(*args, **kwargs))

        return wrapper


def replica_reads() -> ReplicaReads:
    """Reads inside go to the healthy replica: ``@replica_reads()`` on a read-only view
    (run again on the primary if the replica fails during it) or ``with replica_reads():``."""
    return ReplicaReads()


def _carried(response: R) -> R:
    """A streamed answer reads its rows after the view returned (a CSV export): each
    chunk is read where the view's reads went. A replica lost mid-stream cuts the
    download (it cannot be sent again); the next one finds the replica skipped."""
    if not isinstance(response, StreamingHttpResponse) or isinstance(response, FileResponse):
        return response
    reads = _reads.get()
    chunks = response.streaming_content
    if reads is None or not isinstance(chunks, Iterator):
        return response

    def routed() -> Iterator[Any]:
        while True:
            token = _reads.set(reads)
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            finally:
                _reads.reset(token)
            yield chunk

    response.streaming_content = routed()
    return response


@contextmanager
def _primary_reads() -> Iterator[None]:
    token = _reads.set(_Reads(PRIMARY))
    try:
        yield
    finally:
        _reads.reset(token)


def reading_alias() -> str:
    """Where a read made here would go (for logs and tests)."""
    reads = _reads.get()
    if reads is None or connections[PRIMARY].in_atomic_block:
        return PRIMARY
    return reads.alias


# Who someone is and what they may see is never a lagging copy: a revoked membership,
# token or session must stop counting at once, on every page.
PRIMARY_ONLY_APPS = frozenset(
    {"accounts", "auth", "sessions", "axes", "django_otp", "otp_totp", "otp_static", "audit"}
)


class ReplicaRouter:
    """Reads inside ``replica_reads`` to the chosen database, except the access and audit
    tables; everything else, every write and every migration to the primary (the two
    hold the same rows)."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return PRIMARY
        return reading_alias()

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY
