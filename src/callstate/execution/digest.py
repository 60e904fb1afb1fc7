"""The daily digest, durably: one DBOS workflow per workspace and local day, and the check that
starts the due ones.

The workflow id is `digest:<workspace>:<date>`, so two workers (or a restart, or the check
running every minute) never send a day twice: DBOS starts an id once. Its steps build the
report, post the message, and upload the chart into the message's thread; each Slack write
looks for its own earlier result first (the message by the key in its metadata, the file by
its name), so a crash between a write and its checkpoint, or `callstate digest --send` by hand
the same day, finds what was sent instead of sending it again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import TypeVar

from dbos import DBOS, DBOSConfiguredInstance, SetWorkflowID

from callstate.connectors.ports import ObjectRef
from callstate.domain.digest import DigestReport
from callstate.execution.digest_chart import chart_title, render_chart
from callstate.execution.retrying import delivered
from callstate.execution.services import Services
from callstate.policy.digest import build_report
from callstate.policy.digest_schedule import due_digests
from callstate.storage.digest import DigestRows

_R = TypeVar("_R")


def digest_workflow_id(workspace: str, day: date) -> str:
    return f"digest:{workspace}:{day.isoformat()}"


def digest_key(workspace: str, day: date) -> str:
    """The message's key (in its metadata); the chart's file is named after `<key>:chart`."""
    return f"digest:{workspace}:{day.isoformat()}"


def build_digest(services: Services, workspace_id: str, day: date) -> DigestReport:
    workspace = services.workspaces[workspace_id]
    rows = DigestRows(services.engine).day(workspace_id, day, workspace.timezone)
    return build_report(rows, workspace)


def post_digest(services: Services, report: DigestReport) -> ObjectRef:
    """Post the report to the workspace's digest channel, or find it posted already."""
    workspace = services.workspaces[report.workspace]
    chat = services.connectors[report.workspace].chat
    key = digest_key(report.workspace, report.date)
    return chat.post_digest(workspace.digest_to, report, key=key, recover=True)


def upload_digest_chart(
    services: Services, report: DigestReport, message: ObjectRef
) -> ObjectRef | None:
    """The chart in the message's thread (None: a day without calls has no chart)."""
    png = render_chart(report)
    if png is None:
        return None
    channel, ts = message.object_id.split("/", 1)
    chat = services.connectors[report.workspace].chat
    key = f"{digest_key(report.workspace, report.date)}:chart"
    title = chart_title(report)
    return chat.upload_chart(channel, png, title=title, key=key, thread_ts=ts, recover=True)


@DBOS.dbos_class("callstate.DigestSender")
class DigestSender(DBOSConfiguredInstance):
    def __init__(self, services: Services) -> None:
        self.services = services
        super().__init__("callstate-digest")

    def start(self, workspace: str, day: date) -> None:
        """Start the day's workflow; a no-op when that workflow exists already."""
        with SetWorkflowID(digest_workflow_id(workspace, day)):
            DBOS.start_workflow(self.send, workspace, day.isoformat())

    @DBOS.workflow(name="callstate.digest")
    def send(self, workspace: str, day: str) -> str:
        report = self.build(workspace, day)
        if report is None:
            return "unknown workspace"
        key = digest_key(workspace, report.date)
        message = self._retrying(key, partial(self.post, report))
        if message is None:
            return "not posted"
        chart = self._retrying(f"{key}:chart", partial(self.chart, report, message))
        return f"posted {message.object_id}; chart {chart.object_id if chart else 'none'}"

    def _retrying(self, key: str, write: Callable[[], _R]) -> _R | None:
        """A Slack write (a step) with durable backoff, Retry-After honoured; a refusal (the
        channel is gone, a scope is missing) is logged, not retried."""
        return delivered(self.services.retry, key, write, what=f"digest {key}")

    @DBOS.step(name="callstate.digest.build")
    def build(self, workspace: str, day: str) -> DigestReport | None:
        if workspace not in self.services.workspaces:
            return None
        return build_digest(self.services, workspace, date.fromisoformat(day))

    @DBOS.step(name="callstate.digest.post")
    def post(self, report: DigestReport) -> ObjectRef:
        return post_digest(self.services, report)

    @DBOS.step(name="callstate.digest.chart")
    def chart(self, report: DigestReport, message: ObjectRef) -> ObjectRef | None:
        return upload_digest_chart(self.services, report, message)


class DigestScheduler:
    """What the worker runs every `CALLSTATE_DIGEST_CHECK_SECONDS`: start each due digest.

    The workflow id makes starting a day twice harmless; the set only spares DBOS the lookup
    on every later check of the same day in this process."""

    def __init__(self, services: Services, start: Callable[[str, date], object]) -> None:
        self._services = services
        self._start = start
        self._started: set[tuple[str, date]] = set()

    def run(self) -> list[str]:
        started: list[str] = []
        now = self._services.clock()
        for workspace, day in due_digests(self._services.workspaces.values(), now):
            if (workspace.id, day) in self._started:
                continue
            self._start(workspace.id, day)
            self._started.add((workspace.id, day))
            started.append(digest_workflow_id(workspace.id, day))
        return started
