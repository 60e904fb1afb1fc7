"""A small JSON API over calls and their effect attempts (the demo and operators read it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from callstate.execution.services import Services


def api_router(services: Services) -> APIRouter:
    router = APIRouter(prefix="/api")

    @router.get("/calls")
    def list_calls(workspace: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        return [
            {
                "workspace": c.workspace,
                "runtime": c.runtime,
                "call_id": c.external_call_id,
                "audience": c.audience,
                "direction": c.direction,
                "caller": c.caller_number,
                "status": c.status.value,
                "disposition": c.disposition,
                "flags": list(c.flags),
                "updated_at": c.updated_at.isoformat(),
            }
            for c in services.calls.recent(workspace, min(max(limit, 1), 500))
        ]

    @router.get("/calls/{workspace}/{runtime}/{call_id}")
    def call_detail(workspace: str, runtime: str, call_id: str) -> dict[str, Any]:
        call = services.calls.get(workspace, runtime, call_id)
        if call is None:
            raise HTTPException(404, "no such call")
        attempts = services.ledger.for_call(workspace, runtime, call_id)
        return {
            "call_id": call.external_call_id,
            "status": call.status.value,
            "audience": call.audience,
            "disposition": call.disposition,
            "flags": list(call.flags),
            "events": [e.type.value for e in services.inbox.for_call(workspace, runtime, call_id)],
            "attempts": [
                {
                    "kind": a.kind,
                    "key": a.idempotency_key,
                    "attempt": a.attempt,
                    "status": a.status.value,
                    "vendor": a.vendor,
                    "vendor_ids": a.vendor_ids,
                    "error": a.error,
                    "started_at": a.started_at.isoformat(),
                }
                for a in attempts
            ],
        }

    return router
