"""Kind → factory: the only place connectors are built. Nothing is loaded by name at runtime.

Each workspace gets its own clients built from its own credentials, so one client's call can
never travel on another client's token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from callstate.config.model import (
    CalcomConfig,
    CalendarConfig,
    CalendlyConfig,
    GoHighLevelConfig,
    HubSpotConfig,
    Workspace,
)
from callstate.connectors.calcom.calendar import CalcomCalendar
from callstate.connectors.calendly.calendar import CalendlyCalendar
from callstate.connectors.gohighlevel.client import GoHighLevelHttp
from callstate.connectors.gohighlevel.crm import GoHighLevelCrm
from callstate.connectors.gohighlevel.schema_sync import GoHighLevelSchema
from callstate.connectors.http import Gate
from callstate.connectors.hubspot.client import HubSpotHttp
from callstate.connectors.hubspot.crm import HubSpotCrm
from callstate.connectors.hubspot.schema_sync import HubSpotSchema
from callstate.connectors.ports import Calendar, Chat, Crm
from callstate.connectors.retell.rest import RetellRest
from callstate.connectors.schema import CrmSchema
from callstate.connectors.slack.chat import SlackChat


@dataclass(frozen=True, slots=True)
class WorkspaceConnectors:
    crm: Crm
    chat: Chat
    calendar: Calendar | None = None
    voice: RetellRest | None = None

    def close(self) -> None:
        """Close the vendors' HTTP sessions (at shutdown; idle keep-alive sockets otherwise
        stay open until the process ends)."""
        for part in (self.crm, self.calendar, self.voice):
            if part is not None:
                part.close()


def build_connectors(
    workspace: Workspace,
    base_urls: Mapping[str, str] | None = None,
    gate: Gate | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
) -> WorkspaceConnectors:
    """`base_urls` (vendor → URL) points connectors at the sandbox emulators; `gate` spends the
    vendor accounts' request budgets, shared across processes; `transport` carries the CRM's
    and the calendar's requests (the benchmarks time vendor round trips with it)."""
    urls = base_urls or {}
    return WorkspaceConnectors(
        crm=_crm(workspace.crm, urls.get(workspace.crm.kind), gate, transport),
        chat=build_chat(workspace, urls),
        calendar=_calendar(workspace.calendar, urls, gate, transport),
        voice=RetellRest(
            workspace.retell.api_key.get_secret_value(),
            base_url=urls.get("retell", workspace.retell.base_url),
        ),
    )


def _calendar(
    config: CalendarConfig | None,
    urls: Mapping[str, str],
    gate: Gate | None,
    transport: httpx.BaseTransport | None,
) -> Calendar | None:
    match config:
        case None:
            return None
        case CalcomConfig():
            return CalcomCalendar(
                config.api_key.get_secret_value(),
                base_url=urls.get(config.kind, config.base_url),
                gate=gate,
                transport=transport,
            )
        case CalendlyConfig():
            return CalendlyCalendar(
                config.token.get_secret_value(),
                base_url=urls.get(config.kind, config.base_url),
                gate=gate,
                transport=transport,
            )


def build_chat(workspace: Workspace, base_urls: Mapping[str, str] | None = None) -> Chat:
    """The workspace's chat connector alone (`doctor` checks it without building the CRM)."""
    urls = base_urls or {}
    return SlackChat(workspace.chat, base_url=urls.get(workspace.chat.kind))


def build_schema(workspace: Workspace, base_url: str | None = None) -> CrmSchema:
    """The `crm plan/apply` side of a workspace's CRM (`base_url` points at an emulator)."""
    match workspace.crm:
        case HubSpotConfig():
            config = workspace.crm
            http = HubSpotHttp(base_url or config.base_url, config.token.get_secret_value())
            return HubSpotSchema(config, http)
        case GoHighLevelConfig():
            ghl = workspace.crm
            ghl_http = GoHighLevelHttp(base_url or ghl.base_url, ghl.token.get_secret_value())
            return GoHighLevelSchema(ghl, ghl_http)


def _crm(
    config: HubSpotConfig | GoHighLevelConfig,
    base_url: str | None,
    gate: Gate | None,
    transport: httpx.BaseTransport | None,
) -> Crm:
    match config:
        case HubSpotConfig():
            return HubSpotCrm(config, base_url=base_url, gate=gate, transport=transport)
        case GoHighLevelConfig():
            return GoHighLevelCrm(config, base_url=base_url, gate=gate, transport=transport)
