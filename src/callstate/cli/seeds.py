"""What the emulated vendor accounts hold before the first call: each workspace's CRM as after
`callstate crm apply` and a person's setup (users, pipeline stages, workflows), its Slack
channels and people. Only `serve --sandbox` and `demo` use this."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callstate.config.model import (
    CalcomConfig,
    CalendlyConfig,
    GoHighLevelConfig,
    HubSpotConfig,
    Workspace,
)
from callstate.connectors.gohighlevel.schema_sync import CLOSED, required_fields
from callstate.connectors.hubspot.schema import required_properties
from callstate.sandbox.calcom import EventTypeSeed as CalcomEventType
from callstate.sandbox.calcom.seeds import HostSeed
from callstate.sandbox.calendly.seeds import EventTypeSeed as CalendlyEventType
from callstate.sandbox.calendly.seeds import UserSeed as CalendlyUser
from callstate.sandbox.gohighlevel import (
    SANDBOX_LOCATION,
    LocationSeed,
    PipelineSeed,
    UserSeed,
    WorkflowSeed,
)
from callstate.sandbox.gohighlevel.seeds import ghl_id
from callstate.sandbox.hubspot.owners import seeds_for_team
from callstate.sandbox.slack import SlackUser


def sandbox_seeds(workspaces: Mapping[str, Workspace]) -> dict[str, Any]:
    hubspot: dict[str, list[dict[str, Any]]] = {}
    hubspot_team: dict[str, str] = {}
    locations = [SANDBOX_LOCATION]
    for workspace in workspaces.values():
        if isinstance(workspace.crm, HubSpotConfig):
            needed = required_properties(workspace.crm, workspace.audiences)
            for object_type, properties in needed.items():
                known = {p["name"] for p in hubspot.setdefault(object_type, [])}
                hubspot[object_type] += [p for p in properties if p["name"] not in known]
            hubspot_team.update({m.email: m.name for m in workspace.team})
        else:
            locations.append(_location(workspace, workspace.crm))
    channels = sorted(
        {a.notify_channel.lstrip("#") for w in workspaces.values() for a in w.audiences}
        | {w.alerts_to.lstrip("#") for w in workspaces.values()}
    )
    # Every team member is a Slack member with the same email (owners are DM'd by email).
    people = {
        m.email: SlackUser(email=m.email, real_name=m.name, tz=m.timezone or w.timezone)
        for w in workspaces.values()
        for m in w.team
    }
    seeds: dict[str, Any] = {
        "hubspot_properties": hubspot,
        "slack_channels": channels,
        "slack_users": [people[email] for email in sorted(people)],
        "gohighlevel_locations": tuple(locations),
    }
    if hubspot_team:  # the portal's users are the workspaces' teams (else the defaults)
        seeds["hubspot_owners"] = seeds_for_team(hubspot_team)
    seeds.update(_calendars(workspaces))
    return seeds


def _calendars(workspaces: Mapping[str, Workspace]) -> dict[str, Any]:
    """Each team member with a calendar gets a 30-minute event type, open in their zone Mon-Fri
    09:00-17:00, under the id or URI the config names; the workspace's key reaches them."""
    calcom_keys: list[str] = []
    calcom_types: list[CalcomEventType] = []
    calendly_users: list[CalendlyUser] = []
    calendly_types: list[CalendlyEventType] = []
    for workspace in workspaces.values():
        members = [m for m in workspace.team if m.calendar]
        match workspace.calendar:
            case CalcomConfig() as calcom:
                calcom_keys.append(calcom.api_key.get_secret_value())
                for member in members:
                    calcom_types.append(
                        _calcom_type(
                            workspace,
                            member.email,
                            member.name,
                            member.calendar or "",
                            member.timezone,
                        )
                    )
            case CalendlyConfig() as calendly:
                for index, member in enumerate(members):
                    zone = member.timezone or workspace.timezone
                    token = calendly.token.get_secret_value()
                    first = index == 0
                    calendly_users.append(
                        CalendlyUser(
                            member.email,
                            member.name,
                            zone,
                            token if first else f"{token}-{index}",
                            "owner"
                            if first and not calendly_users
                            else "admin"
                            if first
                            else "user",
                        )
                    )
                    calendly_types.append(
                        CalendlyEventType(
                            member.email,
                            "intro-call",
                            "30 Minute Intro Call",
                            fixed_uuid=(member.calendar or "").rstrip("/").rsplit("/", 1)[-1],
                        )
                    )
    seeds: dict[str, Any] = {}
    if calcom_types:
        seeds |= {"calcom_event_types": calcom_types, "calcom_api_keys": calcom_keys}
    if calendly_users:
        seeds |= {"calendly_users": calendly_users, "calendly_event_types": calendly_types}
    return seeds


def _calcom_type(
    workspace: Workspace, email: str, name: str, event_type: str, zone: str | None
) -> CalcomEventType:
    username = email.split("@")[0].replace(".", "-")
    return CalcomEventType(
        id=int(event_type),
        slug=f"intro-{username}",
        title=f"Intro call with {name}",
        host=HostSeed(
            id=int(event_type) * 10,
            username=username,
            name=name,
            email=email,
            time_zone=zone or workspace.timezone,
        ),
        minimum_notice_minutes=60,
    )


def _location(workspace: Workspace, crm: GoHighLevelConfig) -> LocationSeed:
    """The sub-account a GoHighLevel workspace points at, set up the way its config expects."""
    pipelines: dict[str, list[str]] = {}
    for audience in workspace.audiences:
        stages = pipelines.setdefault(audience.crm.pipeline, ["New Lead"])
        for stage in audience.crm.stages.values():
            if stage.casefold() not in CLOSED and stage not in stages:
                stages.append(stage)
    sequences = sorted({s for a in workspace.audiences for s in a.crm.sequences.values()})
    return LocationSeed(
        id=crm.location_id,
        company_id=f"cmp_{crm.location_id}",
        name=workspace.name,
        token=crm.token.get_secret_value(),
        timezone=workspace.timezone,
        users=tuple(
            UserSeed(
                ghl_id("seed-user", m.email),
                m.name.partition(" ")[0],
                m.name.partition(" ")[2],
                m.email,
            )
            for m in workspace.team
        ),
        pipelines=tuple(
            PipelineSeed(ghl_id("seed-pipeline", f"{crm.location_id}:{name}"), name, tuple(stages))
            for name, stages in pipelines.items()
        ),
        workflows=tuple(WorkflowSeed(ghl_id("seed-workflow", s), s) for s in sequences),
        custom_fields=tuple(wanted.body() for wanted in required_fields(workspace)),
    )
