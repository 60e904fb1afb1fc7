"""Hands recorded events to the durable executor.

The webhook only inserts a row (fast ack); this loop turns undispatched rows into DBOS workflows
whose ids derive from the event key, so enqueueing one twice (a crash between enqueue and
marking, or two dispatchers on one database) still runs it once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from callstate.domain.ids import change_workflow_id, place_workflow_id, workflow_id
from callstate.execution.review import review_workflow_id
from callstate.execution.services import Services

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(
        self,
        services: Services,
        enqueue: Callable[[str, str], None],
        *,
        enqueue_change: Callable[[str, str], None] | None = None,
        enqueue_place: Callable[[str, str], None] | None = None,
        enqueue_review: Callable[[str, str], None] | None = None,
        batch: int = 200,
        idle_poll_seconds: float = 0.5,
    ) -> None:
        self._services = services
        self._enqueue = enqueue
        self._enqueue_change = enqueue_change
        self._enqueue_place = enqueue_place
        self._enqueue_review = enqueue_review
        self._batch = batch
        self._idle_poll = idle_poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Dispatch one batch; returns how many events it handed over."""
        pending = self._services.inbox.undispatched(self._batch)
        for item in pending:
            self._enqueue(workflow_id(item.event_key), item.event_key)
        self._services.inbox.mark_dispatched([p.id for p in pending], self._services.clock())
        handed = len(pending) + self._dispatch_changes() + self._dispatch_dials()
        return handed + self._dispatch_reviews()

    def _dispatch_changes(self) -> int:
        """Calendar changes (verified calendar webhooks) the same way: id-derived workflows."""
        if self._enqueue_change is None:
            return 0
        changes = self._services.booking_changes.undispatched(self._batch)
        for change_id in changes:
            self._enqueue_change(change_workflow_id(change_id), change_id)
        self._services.booking_changes.mark_dispatched(changes, self._services.clock())
        return len(changes)

    def _dispatch_dials(self) -> int:
        """Outbound attempts whose time has come, each one workflow named after the attempt."""
        if self._enqueue_place is None:
            return 0
        due = self._services.outbound.due(self._services.clock(), self._batch)
        for attempt in due:
            self._enqueue_place(place_workflow_id(attempt), attempt)
        self._services.outbound.mark_dispatched(due, self._services.clock())
        return len(due)

    def _dispatch_reviews(self) -> int:
        """Reviewers' recorded clicks, each one workflow named after the action."""
        if self._enqueue_review is None:
            return 0
        actions = self._services.reviews.undispatched(self._batch)
        for action_id in actions:
            self._enqueue_review(review_workflow_id(action_id), action_id)
        self._services.reviews.mark_dispatched(actions, self._services.clock())
        return len(actions)

    def wake(self) -> None:
        """Called by an in-process webhook after it recorded an event: dispatch without waiting."""
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="callstate-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                handed = self.run_once()
            except SQLAlchemyError:
                log.warning("dispatcher: database unavailable; retrying", exc_info=True)
                handed = 0
            if handed < self._batch:
                self._wake.wait(self._idle_poll)
                self._wake.clear()
