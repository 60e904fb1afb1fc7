"""Webhook subscriptions and signed `invitee.created` / `invitee.canceled` deliveries.

Subscriptions (`POST/GET /webhook_subscriptions`, `GET/DELETE /webhook_subscriptions/{uuid}`)
as the document describes them; a second subscription to the same URL → 409 "Hook with this
url already exists". Deliveries (research/calendar_slack.md §2.4): body `{event, created_at,
created_by, payload: <Invitee> + scheduled_event {...}}`, header `Calendly-Webhook-Signature:
t=<unix seconds>,v1=<hex HMAC-SHA256(signing key, "<t>.<body>")>`. A delivery is attempted
once, right after the change commits, and recorded in `Webhooks.deliveries`; Calendly's 24-hour
retry schedule is not emulated (a test redelivers by hand when it needs to).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from callstate.sandbox.calendly.directory import Directory
from callstate.sandbox.calendly.errors import (
    INVALID_ARGUMENT,
    CalendlyError,
    denied,
    invalid,
    not_found,
)
from callstate.sandbox.calendly.gate import caller_of
from callstate.sandbox.calendly.seeds import API
from callstate.sandbox.calendly.wire import event_resource, invitee_resource, page_of, stamp
from callstate.sandbox.store import Doc, Store

SUBSCRIPTIONS = "webhook_subscriptions"
Deliver = Callable[[str, bytes, dict[str, str]], None]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(pattern=r"^https?://")
    events: list[Literal["invitee.created", "invitee.canceled", "routing_form_submission.created"]]
    organization: str
    scope: Literal["organization", "user"]
    user: str | None = None
    signing_key: str | None = None


def sign(key: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(key.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def _post(url: str, body: bytes, headers: dict[str, str]) -> None:
    httpx.post(url, content=body, headers=headers, timeout=10.0)


class Webhooks:
    def __init__(
        self,
        store: Store,
        directory: Directory,
        clock: Callable[[], float],
        *,
        deliver: Deliver | None = None,
    ) -> None:
        self.store = store
        self.directory = directory
        self.clock = clock
        self.deliver = deliver or _post
        self.deliveries: list[dict[str, Any]] = []

    def resource(self, doc: Doc) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if k != "signing_key"}

    def on_change(self, name: str, event: Doc, invitee: Doc) -> None:
        """Sign and post `name` to every active subscription that covers the event's host."""
        host = self.directory.user_by_email(event["host"])
        event_type = self.directory.event_type(event["event_type"])
        active = 1 if invitee["status"] == "active" else 0
        scheduled = event_resource(event, event_type, host, active)
        for _, sub in self.store.scan(SUBSCRIPTIONS):
            if name not in sub["events"] or sub["state"] != "active":
                continue
            if sub["scope"] == "user" and sub["user"] != host.uri:
                continue
            created = self.clock()
            body = json.dumps(
                {
                    "event": name,
                    "created_at": stamp(created),
                    "created_by": sub["creator"],
                    "payload": {**invitee_resource(invitee), "scheduled_event": scheduled},
                },
                separators=(",", ":"),
            ).encode()
            headers = {"content-type": "application/json"}
            if sub.get("signing_key"):
                headers["Calendly-Webhook-Signature"] = sign(sub["signing_key"], int(created), body)
            record: dict[str, Any] = {"url": sub["callback_url"], "event": name, "body": body}
            try:
                self.deliver(sub["callback_url"], body, headers)
                record["error"] = None
            except httpx.HTTPError as exc:
                record["error"] = f"{type(exc).__name__}: {exc}"
            self.deliveries.append(record)


def webhooks_router(webhooks: Webhooks) -> APIRouter:
    router = APIRouter()
    directory = webhooks.directory

    @router.post("/webhook_subscriptions")
    def create(request: Request, body: Annotated[Any, Body()] = None) -> JSONResponse:
        caller = caller_of(request)
        try:
            wanted = SubscriptionIn.model_validate(body)
        except ValidationError as exc:
            details = [
                {"parameter": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in exc.errors()
            ]
            raise CalendlyError(400, *INVALID_ARGUMENT, details) from None
        directory.check_organization(wanted.organization)
        if wanted.scope == "user":
            if wanted.user is None:
                raise invalid("user", "is required for scope user")
            directory.require_manages(
                caller, directory.user_by_uri(wanted.user, "user"), "Unauthorized"
            )
        elif caller.role == "user":
            raise denied("You do not have permission to access this resource.")
        with webhooks.store.transaction() as tx:
            if any(s["callback_url"] == wanted.url for _, s in tx.scan(SUBSCRIPTIONS)):
                raise CalendlyError(409, "Already Exists", "Hook with this url already exists")
            sub_uuid = str(uuid.uuid4())
            now = stamp(webhooks.clock())
            doc = {
                "uri": f"{API}/webhook_subscriptions/{sub_uuid}",
                "callback_url": wanted.url,
                "created_at": now,
                "updated_at": now,
                "retry_started_at": None,
                "state": "active",
                "events": sorted(set(wanted.events)),
                "scope": wanted.scope,
                "organization": wanted.organization,
                "user": wanted.user if wanted.scope == "user" else None,
                "creator": caller.uri,
                "signing_key": wanted.signing_key,
            }
            tx.put(SUBSCRIPTIONS, sub_uuid, doc)
        return JSONResponse({"resource": webhooks.resource(doc)}, status_code=201)

    @router.get("/webhook_subscriptions")
    def list_all(
        request: Request,
        organization: str | None = None,
        scope: str | None = None,
        user: str | None = None,
        count: str | None = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        caller_of(request)
        if organization is None or scope not in ("organization", "user"):
            raise invalid("organization", "organization and scope are required")
        directory.check_organization(organization)
        subs = [
            webhooks.resource(s)
            for _, s in webhooks.store.scan(SUBSCRIPTIONS)
            if s["scope"] == scope and (user is None or s["user"] == user)
        ]
        params = {"organization": organization, "scope": scope, "user": user, "count": count}
        return page_of(subs, "/webhook_subscriptions", {**params, "page_token": page_token})

    @router.get("/webhook_subscriptions/{sub_uuid}")
    def get_one(sub_uuid: str, request: Request) -> dict[str, Any]:
        caller_of(request)
        found = webhooks.store.get(SUBSCRIPTIONS, sub_uuid)
        if found is None:
            raise not_found()
        return {"resource": webhooks.resource(found)}

    @router.delete("/webhook_subscriptions/{sub_uuid}")
    def delete(sub_uuid: str, request: Request) -> Response:
        caller_of(request)
        with webhooks.store.transaction() as tx:
            if not tx.delete(SUBSCRIPTIONS, sub_uuid):
                raise not_found()
        return Response(status_code=204)

    return router
