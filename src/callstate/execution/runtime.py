"""Starting and stopping the durable executor in a process: DBOS, the queue, the dispatcher.

DBOS is a process-wide singleton; this module is the only place that launches or destroys it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from dbos import DBOS, DBOSConfig, SetWorkflowID

from callstate import __version__
from callstate.execution.dialing import Dialer
from callstate.execution.digest import DigestScheduler, DigestSender
from callstate.execution.dispatcher import Dispatcher
from callstate.execution.incidents import IncidentWatcher, incident_workflow_id
from callstate.execution.ops_checks import OpsChecks
from callstate.execution.reconcile import Reconciler
from callstate.execution.review import ReviewActions
from callstate.execution.services import Services
from callstate.execution.workflow import CallEventProcessor

QUEUE = "callstate-events"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExecutorSettings:
    system_database_url: str
    worker_concurrency: int = 16
    queue_poll_seconds: float = 0.05
    dispatch_batch: int = 200
    dispatch_idle_poll_seconds: float = 0.5
    executor_id: str = "local"
    reconcile_seconds: float = 300.0  # 0: never (then run `callstate reconcile` yourself)
    ops_check_seconds: float = 60.0  # signature failures, DNC registry age; 0: never
    digest_check_seconds: float = 60.0  # how often due daily digests are started; 0: never


class _ShutdownNoise(logging.Filter):
    """Drops DBOS's error for a workflow that wakes from `DBOS.sleep` after `DBOS.destroy` (an
    incident's alert waiting for its next poll): it is not lost, the next start recovers it."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not (error is not None and "before DBOS was launched" in str(error))


logging.getLogger("dbos").addFilter(_ShutdownNoise())


class Executor:
    def __init__(self, settings: ExecutorSettings, services: Services) -> None:
        self._settings = settings
        self._services = services
        self._dispatcher: Dispatcher | None = None
        self._reconciling: Periodic | None = None
        self._checking: Periodic | None = None
        self._digesting: Periodic | None = None

    def start(self) -> None:
        config: DBOSConfig = {
            "name": "callstate",
            "system_database_url": self._settings.system_database_url,
            # Pinned: DBOS recovers only workflows of the running version, and by default the
            # version is a hash of the source (research/reliability.md §1.6, fact 7).
            "application_version": __version__,
            "executor_id": self._settings.executor_id,
            "log_level": "WARNING",
        }
        DBOS(config=config)
        watcher = IncidentWatcher(self._services)
        processor = CallEventProcessor(self._services, watcher, Dialer(self._services))
        digests = DigestSender(self._services)
        reviews = ReviewActions(self._services)
        DBOS.launch()
        queue = DBOS.register_queue(
            QUEUE,
            worker_concurrency=self._settings.worker_concurrency,
            polling_interval_sec=self._settings.queue_poll_seconds,
        )

        def enqueue(workflow_id: str, event_key: str) -> None:
            with SetWorkflowID(workflow_id):
                queue.enqueue(processor.process, event_key)

        def enqueue_change(workflow_id: str, change_id: str) -> None:
            with SetWorkflowID(workflow_id):
                queue.enqueue(processor.process_change, change_id)

        def enqueue_place(workflow_id: str, attempt_id: str) -> None:
            with SetWorkflowID(workflow_id):
                queue.enqueue(processor.place_call, attempt_id)

        def enqueue_review(workflow_id: str, action_id: str) -> None:
            with SetWorkflowID(workflow_id):
                queue.enqueue(reviews.run, action_id)

        self._dispatcher = Dispatcher(
            self._services,
            enqueue,
            enqueue_change=enqueue_change,
            enqueue_place=enqueue_place,
            enqueue_review=enqueue_review,
            batch=self._settings.dispatch_batch,
            idle_poll_seconds=self._settings.dispatch_idle_poll_seconds,
        )
        self._dispatcher.start()
        if self._settings.reconcile_seconds > 0:
            reconciler = Reconciler(self._services)
            self._reconciling = Periodic(
                "callstate-reconcile", self._settings.reconcile_seconds, reconciler.run_all
            )
            self._reconciling.start()
        if self._settings.ops_check_seconds > 0:

            def tell(incident_id: str) -> None:
                with SetWorkflowID(incident_workflow_id(incident_id)):
                    DBOS.start_workflow(watcher.watch, incident_id)

            checks = OpsChecks(self._services, tell)
            self._checking = Periodic(
                "callstate-ops-checks", self._settings.ops_check_seconds, checks.run_all
            )
            self._checking.start()
        if self._settings.digest_check_seconds > 0:
            scheduler = DigestScheduler(self._services, digests.start)
            self._digesting = Periodic(
                "callstate-digest", self._settings.digest_check_seconds, scheduler.run
            )
            self._digesting.start()

    def wake(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.wake()

    def stop(self) -> None:
        if self._digesting is not None:
            self._digesting.stop()
            self._digesting = None
        if self._checking is not None:
            self._checking.stop()
            self._checking = None
        if self._reconciling is not None:
            self._reconciling.stop()
            self._reconciling = None
        if self._dispatcher is not None:
            self._dispatcher.stop()
            self._dispatcher = None
        DBOS.destroy(destroy_registry=False)


class Periodic:
    """Runs `work` every `seconds` on a daemon thread until stopped, first after one interval.

    Reconciliation runs here rather than as a DBOS scheduled workflow: what it records goes
    through the inbox, whose unique key makes two workers (or a manual `callstate reconcile`)
    finding the same lost call harmless, so it needs no exactly-once scheduling of its own.
    """

    def __init__(self, name: str, seconds: float, work: Callable[[], object]) -> None:
        self._name = name
        self._seconds = seconds
        self._work = work
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self._seconds):
            try:
                self._work()
            except Exception:
                log.exception("%s failed; retrying in %.0f s", self._name, self._seconds)
