"""`POST /slack/interactivity/{workspace}`: the review buttons' clicks, from Slack.

The order of refusals: an unknown workspace, or one without a Slack signing secret, is 404
(nothing to verify with); a body over the limit 413; a missing `X-Slack-Request-Timestamp` or
`X-Slack-Signature` 400; a bad or stale signature 401 (a security event, counted, logged without
the body); a payload that is not Slack's form-encoded `payload=<json>` 400. A verified click is
recorded as a review action and answered 200 at once (Slack wants its answer within 3 s and
never redelivers): the work is a durable workflow the dispatcher starts. The same click twice
(Slack users double-click) is the same action row, so it is done once. Anything that is not a
review action (another app's element, a stale item) is answered 200 and ignored.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from callstate.connectors.slack import signature
from callstate.connectors.slack.interactions import Interaction, parse_interaction, review_click
from callstate.domain.review import ReviewAction
from callstate.execution.services import Services
from callstate.storage.signature_failures import SignatureSource
from callstate.web.ingress import problem, read_body, record_refusal

MAX_BODY_BYTES = 128 * 1024  # a block_actions payload repeats the whole message: ~10-40 kB
log = structlog.get_logger(__name__)


def slack_router(services: Services, on_recorded: Callable[[], None]) -> APIRouter:
    router = APIRouter()

    @router.post("/slack/interactivity/{workspace}")
    async def interactivity(workspace: str, request: Request) -> Response:
        config = services.workspaces.get(workspace)
        secret = config.chat.signing_secret if config is not None else None
        if config is None or secret is None:
            return problem(404, f"no Slack interactivity for workspace {workspace!r}")
        body = await read_body(request, MAX_BODY_BYTES)
        if body is None:
            return problem(413, f"body larger than {MAX_BODY_BYTES} bytes")
        timestamp = request.headers.get("x-slack-request-timestamp")
        given = request.headers.get("x-slack-signature")
        if not timestamp or not given:
            return problem(400, "missing X-Slack-Request-Timestamp or X-Slack-Signature")
        now = services.clock()
        try:
            signature.verify(body, timestamp, given, secret.get_secret_value(), now=now.timestamp())
        except signature.SlackSignatureError as exc:
            log.warning("slack_interactivity_refused", workspace=workspace, reason=exc.reason.value)
            await record_refusal(services.signature_failures, workspace, SignatureSource.SLACK, now)
            return problem(401, "invalid Slack signature")
        try:
            interaction = parse_interaction(body)
        except ValueError as exc:
            return problem(400, str(exc))
        if interaction.type != "block_actions":
            return Response(status_code=200)
        recorded = await run_in_threadpool(_record, services, workspace, interaction)
        if recorded:
            on_recorded()
        return Response(status_code=200)

    return router


def _record(services: Services, workspace: str, interaction: Interaction) -> int:
    """Record each review click of the interaction; how many were new."""
    config = services.workspaces[workspace]
    team = {m.email for m in config.team}
    user = interaction.user
    new = 0
    for action in interaction.actions:
        click = review_click(action)
        if click is None:
            continue
        item_id, kind, value = click
        item = services.reviews.get(item_id)
        if item is None or item.workspace != workspace:
            log.info("slack_review_click_ignored", workspace=workspace, reason="unknown item")
            continue
        if kind is ReviewAction.REASSIGN and value not in team:
            log.info("slack_review_click_ignored", workspace=workspace, reason="not in team")
            continue
        _, created = services.reviews.request(
            item_id,
            kind,
            value,
            actor_id=user.id,
            actor_name=user.name or user.username or user.id,
            now=services.clock(),
        )
        new += created
    return new
