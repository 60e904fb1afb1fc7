"""Meetings booked by the in-call tool (or a post-call effect): one row per booking attempt key.

The key is claimed (a pending row) before the vendor is asked, so a retried tool call or a
workflow replay finds the attempt instead of booking twice; a slot the vendor refused is
released so a retry may claim the key again. Calendar webhooks then move the row (cancelled,
rescheduled) by the vendor's booking id.

The in-call tool waits on these writes while the caller listens, so each is as few round trips
as its guarantee allows: statements return the row they wrote (`RETURNING`) instead of reading
it back, one-statement work runs without BEGIN/COMMIT around it, on PostgreSQL "booked" and the
owner's round-robin count are one statement (a data-modifying CTE), and the statements on that
path are built once, with bound parameters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    Select,
    String,
    Update,
    bindparam,
    case,
    delete,
    select,
    true,
    update,
)

from callstate.storage.dialect import (
    commit_durability,
    commit_without_flush,
    insert_ignoring_conflicts,
)
from callstate.storage.routing import count_each, count_one
from callstate.storage.tables import MeetingRow

_TABLE = MeetingRow.__table__
_COLUMNS = tuple(_TABLE.columns)
_BY_KEY = select(*_COLUMNS).where(MeetingRow.key == bindparam("by_key"))
_BOOKED_FIELDS = ("status", "booking_id", "start", "end", "url", "owner_email", "updated_at")
_MARK = (
    update(MeetingRow)
    .where(MeetingRow.key == bindparam("by_key"), MeetingRow.status == bindparam("from_status"))
    .values({name: bindparam(name) for name in _BOOKED_FIELDS})
    .returning(*_COLUMNS)
)


def _mark_in_one_statement(count: bool) -> Select[Any]:
    """PostgreSQL: `_MARK` (from the bound `from_status`), with the commit durability bound as
    `relax`, and with `count` the owner's round-robin count in the pool bound as `count_in`:
    one round trip, one transaction, counted only when a row was marked."""
    marked = _MARK.cte("marked")
    durability = commit_durability()
    statement = select(*marked.c).select_from(marked.join(durability, true()))
    if not count:
        return statement
    pool = bindparam("count_in", type_=String)
    counted = count_each(
        select(marked.c.workspace, pool, marked.c.owner_email, marked.c.updated_at)
    )
    return statement.add_cte(counted.cte("counted"))


_MARK_ONLY = _mark_in_one_statement(count=False)
_MARK_COUNTING = _mark_in_one_statement(count=True)


class MeetingStatus(StrEnum):
    PENDING = "pending"  # claimed; the vendor may or may not hold the booking yet
    BOOKED = "booked"
    CANCELLED = "cancelled"


class MeetingNotFoundError(LookupError):
    """No meeting row has this key."""


@dataclass(frozen=True, slots=True)
class MeetingClaim:
    """What a claim stores: who, when and with whom, before the vendor has said yes."""

    key: str
    workspace: str
    runtime: str
    external_call_id: str
    owner_email: str
    event_type: str
    vendor: str
    start: datetime
    end: datetime
    attendee_name: str
    attendee_email: str
    attendee_zone: str
    attendee_phone: str | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class MeetingView:
    key: str
    workspace: str
    runtime: str
    external_call_id: str
    owner_email: str
    event_type: str
    vendor: str
    status: MeetingStatus
    booking_id: str | None
    start: datetime
    end: datetime
    attendee_name: str
    attendee_email: str
    attendee_phone: str | None
    attendee_zone: str
    url: str | None
    detail: str | None
    created_at: datetime
    updated_at: datetime


def _view(row: Row[Any]) -> MeetingView:
    return MeetingView(
        key=row.key,
        workspace=row.workspace,
        runtime=row.runtime,
        external_call_id=row.external_call_id,
        owner_email=row.owner_email,
        event_type=row.event_type,
        vendor=row.vendor,
        status=MeetingStatus(row.status),
        booking_id=row.booking_id,
        start=row.start,
        end=row.end,
        attendee_name=row.attendee_name,
        attendee_email=row.attendee_email,
        attendee_phone=row.attendee_phone,
        attendee_zone=row.attendee_zone,
        url=row.url,
        detail=row.detail,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class Meetings:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # Reads and one-statement writes: each statement is its own transaction, without the
        # BEGIN and COMMIT/ROLLBACK round trips around it.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._one_statement = engine.dialect.name == "postgresql"
        self._claim = insert_ignoring_conflicts(
            engine,
            _TABLE,  # type: ignore[arg-type]
            {column.name: bindparam(column.name) for column in _COLUMNS},
        ).returning(*_COLUMNS)

    def claim(self, claim: MeetingClaim, now: datetime) -> tuple[MeetingView, bool]:
        """Store a pending meeting under `claim.key`; True when this call stored it. If the key
        is taken, the stored row (whatever its status) and False. Safe to repeat and to race."""
        row = {
            **asdict(claim),
            "status": MeetingStatus.PENDING.value,
            "booking_id": None,
            "url": None,
            "created_at": now,
            "updated_at": now,
        }
        for _ in range(3):
            with self._autocommit.connect() as connection:
                # RETURNING, not rowcount: psycopg reports -1 for ON CONFLICT inserts.
                inserted = connection.execute(self._claim, row).one_or_none()
                stored = inserted or _row(connection, claim.key)
            if stored is not None:
                return _view(stored), inserted is not None
            # the holder released the key between our insert and our read: claim again
        raise RuntimeError(f"could not claim meeting {claim.key}")

    def get(self, key: str) -> MeetingView | None:
        with self._autocommit.connect() as connection:
            row = _row(connection, key)
        return None if row is None else _view(row)

    def mark_booked(
        self,
        key: str,
        *,
        booking_id: str,
        start: datetime,
        end: datetime,
        url: str | None,
        owner_email: str,
        now: datetime,
        count_in: str | None = None,
        durable: bool = True,
    ) -> MeetingView:
        """The vendor holds the booking: record its id, times, link and the host it chose.
        Repeating it is safe. A meeting already cancelled (its webhook came first) stays
        cancelled and is returned as it is. Raises `MeetingNotFoundError` for an unknown key.

        `count_in` (a round-robin pool key) counts the booking for its owner in the same
        transaction, once: only the move from pending to booked counts, so a repeat never does.

        `durable=False` returns before the commit reaches the disk (`dialect.commit_without_flush`:
        a database crash in the next fraction of a second may lose it, leaving the claim
        pending): only for a caller that answers a live call and whose pending claim is settled
        later by searching the calendar for its key.

        On PostgreSQL the move from pending and its count are one autocommitted statement.
        """
        values = {
            "by_key": key,
            "status": MeetingStatus.BOOKED.value,
            "booking_id": booking_id,
            "start": start,
            "end": end,
            "url": url,
            "owner_email": owner_email,
            "updated_at": now,
        }
        if self._one_statement:
            statement = _MARK_COUNTING if count_in is not None else _MARK_ONLY
            pending = {
                **values,
                "from_status": MeetingStatus.PENDING.value,
                "count_in": count_in,
                "relax": None if durable else "off",
            }
            with self._autocommit.connect() as connection:
                row = connection.execute(statement, pending).one_or_none()
                if row is None:  # booked already (a repeat) or cancelled: never counted again
                    row = _mark(connection, values, MeetingStatus.BOOKED) or _row(connection, key)
        else:
            with self._engine.begin() as connection:
                if not durable:
                    commit_without_flush(connection)
                row = _mark(connection, values, MeetingStatus.PENDING)
                if row is not None:
                    if count_in is not None:
                        count_one(
                            connection, self._engine, row.workspace, count_in, owner_email, now
                        )
                else:
                    row = _mark(connection, values, MeetingStatus.BOOKED) or _row(connection, key)
        if row is None:
            raise MeetingNotFoundError(key)
        return _view(row)

    def release(self, key: str) -> bool:
        """Forget a claim the vendor refused (the slot was taken), so a retry may claim the key
        again; True when a pending row was deleted. A booked or cancelled meeting is kept."""
        statement = delete(MeetingRow).where(
            MeetingRow.key == key, MeetingRow.status == MeetingStatus.PENDING.value
        )
        with self._autocommit.connect() as connection:
            return connection.execute(statement).rowcount == 1

    def change(
        self,
        key: str,
        *,
        status: MeetingStatus,
        now: datetime,
        start: datetime | None = None,
        end: datetime | None = None,
        booking_id: str | None = None,
        url: str | None = None,
    ) -> MeetingView:
        """Apply a calendar change: cancelled, or rescheduled (the row moves to the new booking
        id and times; fields left None keep their value). Repeating it is safe. Raises
        `MeetingNotFoundError` for an unknown key."""
        values: dict[str, object] = {"status": status.value, "updated_at": now}
        for name, value in (("start", start), ("end", end), ("booking_id", booking_id)):
            if value is not None:
                values[name] = value
        if url is not None:
            values["url"] = url
        return self._update(key, update(MeetingRow).where(MeetingRow.key == key).values(values))

    def for_call(self, workspace: str, runtime: str, external_call_id: str) -> list[MeetingView]:
        """The call's meetings: booked first, then by when they were claimed."""
        booked_first = case((MeetingRow.status == MeetingStatus.BOOKED.value, 0), else_=1)
        query = (
            select(MeetingRow)
            .where(
                MeetingRow.workspace == workspace,
                MeetingRow.runtime == runtime,
                MeetingRow.external_call_id == external_call_id,
            )
            .order_by(booked_first, MeetingRow.created_at, MeetingRow.key)
        )
        return self._views(query)

    def by_booking_id(self, workspace: str, vendor: str, booking_id: str) -> MeetingView | None:
        """The meeting the vendor knows by this id (a webhook names bookings only so)."""
        query = (
            select(MeetingRow)
            .where(
                MeetingRow.workspace == workspace,
                MeetingRow.vendor == vendor,
                MeetingRow.booking_id == booking_id,
            )
            .order_by(MeetingRow.created_at, MeetingRow.key)
            .limit(1)
        )
        found = self._views(query)
        return found[0] if found else None

    def between(self, workspace: str, start: datetime, end: datetime) -> list[MeetingView]:
        """Booked meetings starting in [start, end), earliest first (the daily digest)."""
        query = (
            select(MeetingRow)
            .where(
                MeetingRow.workspace == workspace,
                MeetingRow.status == MeetingStatus.BOOKED.value,
                MeetingRow.start >= start,
                MeetingRow.start < end,
            )
            .order_by(MeetingRow.start, MeetingRow.key)
        )
        return self._views(query)

    def _update(self, key: str, statement: Update) -> MeetingView:
        with self._autocommit.connect() as connection:
            row = connection.execute(statement.returning(*_COLUMNS)).one_or_none()
        if row is None:
            raise MeetingNotFoundError(key)
        return _view(row)

    def _views(self, query: Select[MeetingRow]) -> list[MeetingView]:
        with self._autocommit.connect() as connection:
            return [_view(row) for row in connection.execute(query)]


def _row(connection: Connection, key: str) -> Row[Any] | None:
    return connection.execute(_BY_KEY, {"by_key": key}).one_or_none()


def _mark(
    connection: Connection, values: dict[str, object], status: MeetingStatus
) -> Row[Any] | None:
    """Write the booking's `values` when the row is in `status`; the row after, or None."""
    return connection.execute(_MARK, {**values, "from_status": status.value}).one_or_none()
