"""The durable life of an incident's alert: one DBOS workflow per incident.

It posts the alert, then every `AlertPolicy.poll_seconds` reads the incident: new occurrences
become one thread note and a rewrite of the parent's count (so a storm of 100 failures is one
message and a few notes, within Slack's 1 message/s per channel); a resolution (a later success
of the same effect, or a quiet spell) becomes a resolve note and the parent marked resolved.
Every Slack write carries a key and is looked up before a retry, so a crash or a lost response
never posts twice. The workflow id is `incident:<id>`: starting it again is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from dbos import DBOS, DBOSConfiguredInstance

from callstate.connectors.ports import ObjectRef
from callstate.domain.alerts import AlertView
from callstate.execution.retrying import delivered
from callstate.execution.services import Services


def incident_workflow_id(incident_id: str) -> str:
    return f"incident:{incident_id}"


@DBOS.dbos_class("callstate.IncidentWatcher")
class IncidentWatcher(DBOSConfiguredInstance):
    def __init__(self, services: Services) -> None:
        self.services = services
        super().__init__("callstate-incidents")

    @DBOS.workflow(name="callstate.incident")
    def watch(self, incident_id: str) -> str:
        alert = self.load(incident_id)
        if alert is None:
            return "missing"
        message = self._retrying(alert.message_key, partial(self.post, alert))
        if message is None:
            return "not posted"
        told = alert.occurrences
        while True:
            DBOS.sleep(self.services.alerts.poll_seconds)
            alert = self.load(incident_id)
            if alert is None:
                return "missing"
            if alert.occurrences > told:
                key = f"{alert.message_key}:{alert.occurrences}"
                self._retrying(key, partial(self.note, message, alert, told, key))
                told = alert.occurrences
            if alert.is_resolved():
                key = f"{alert.message_key}:resolved"
                self._retrying(key, partial(self.note, message, alert, told, key))
                return "resolved"
            self.close_if_quiet(incident_id)  # the next round tells the resolution

    def _retrying(self, key: str, write: Callable[[], ObjectRef]) -> ObjectRef | None:
        """A Slack write (a step) with durable backoff; a refusal (channel gone) is logged,
        not fatal. `key` names the write, for the backoff's jitter."""
        return delivered(self.services.retry, key, write, what=f"alert {key}")

    @DBOS.step(name="callstate.incident.load")
    def load(self, incident_id: str) -> AlertView | None:
        return self.services.incidents.get(incident_id)

    @DBOS.step(name="callstate.incident.post")
    def post(self, alert: AlertView) -> ObjectRef:
        workspace = self.services.workspaces[alert.workspace]
        chat = self.services.connectors[alert.workspace].chat
        # Always look first: cheap, and the only way to know after a crash mid-post.
        return chat.post_alert(workspace.alerts_to, alert, recover=True)

    @DBOS.step(name="callstate.incident.note")
    def note(self, message: ObjectRef, alert: AlertView, told: int, key: str) -> ObjectRef:
        chat = self.services.connectors[alert.workspace].chat
        text = alert.resolved_note() if alert.is_resolved() else alert.occurrences_note(told)
        reply = chat.reply(message, text, key=key, recover=True)
        chat.update_alert(message, alert)
        return reply

    @DBOS.step(name="callstate.incident.close_if_quiet")
    def close_if_quiet(self, incident_id: str) -> bool:
        """True when the incident is over (resolved, or closed now after a quiet spell)."""
        alert = self.services.incidents.get(incident_id)
        if alert is None or alert.is_resolved():
            return True
        now = self.services.clock()
        quiet = self.services.alerts.quiet_seconds
        if alert.age(now) < quiet:
            return False
        resolution = f"no new occurrence for {quiet / 3600:g} h; closed"
        self.services.incidents.close(incident_id, resolution=resolution, now=now)
        return True
