"""`SlackChat`: the `Chat` port over `slack_sdk`.

`chat.postMessage` has no idempotency key (research/calendar_slack.md §3.1), so every message
carries our effect key in its message metadata and a recovering attempt reads the channel's
recent history for it before posting again.
"""

from __future__ import annotations

import http.client
import re
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from callstate.config.model import SlackConfig
from callstate.connectors.errors import ConnectorError, Permanent, RateLimited, Transient
from callstate.connectors.ports import CallThread, Links, ObjectRef
from callstate.connectors.schema import SchemaItem, SchemaState
from callstate.connectors.slack.alert_blocks import alert_blocks, alert_text
from callstate.connectors.slack.blocks import Detour, build_blocks, fallback_text, unmapped_note
from callstate.connectors.slack.digest_blocks import digest_blocks, digest_text
from callstate.connectors.slack.meeting_blocks import meeting_blocks, meeting_text
from callstate.connectors.slack.review_blocks import review_blocks, review_text
from callstate.connectors.slack.uploads import file_name, find_file, upload
from callstate.domain.alerts import AlertView
from callstate.domain.calendar import BookingChangeKind
from callstate.domain.digest import DigestReport
from callstate.domain.effects import NotifyMeeting, NotifyOwner
from callstate.domain.review import ReviewView

VENDOR = "slack"
PUBLIC_API = "https://slack.com/api/"
EVENT_TYPE = "callstate_call"
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{8,}$")
# Slack answers HTTP 200 with ok:false; these errors are worth another try.
_TRANSIENT = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
_THREAD = "reply in the call's thread"
# The owner is not (or no longer) a member Slack can DM: the channel takes the message.
_NO_MEMBER = {"users_not_found", "user_not_found", "user_disabled", "account_inactive"}
# Without `users:read.email` or `im:write` no owner can be DM'd: the channel takes every message
# (with a note saying which scope to add) and the look-up is tried again after this many seconds.
SCOPE_RECHECK_S = 600.0
# The bot token's scopes and what each is for (docs/connectors.md: Slack); `doctor` names any
# that `auth.test`'s `X-OAuth-Scopes` header does not list.
SCOPES: dict[str, str] = {
    "chat:write": "post and update messages",
    "channels:read": "find channels by name",
    "channels:history": "look a message up before posting it again after a failure",
    "users:read.email": "find owners by email to DM them",
    "im:write": "open DMs with owners",
    "im:history": "look a DM up before sending it again after a failure",
    "files:write": "share the daily digest's chart",
}


class SlackChat:
    vendor = VENDOR

    def __init__(
        self,
        config: SlackConfig,
        *,
        base_url: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base_url = base_url or config.base_url
        self._monotonic = monotonic
        # No retry handlers: the durable executor owns retries (and honours Retry-After without
        # blocking a worker thread the way slack_sdk's RateLimitErrorRetryHandler does).
        self._client = WebClient(
            token=config.bot_token.get_secret_value(),
            base_url=self._base_url,
            timeout=10,
            retry_handlers=[],
        )
        self._channel_ids: dict[str, str] = {}
        self._user_ids: dict[str, str] = {}  # lower-cased email → member id
        self._dm_ids: dict[str, str] = {}  # member id → DM channel id
        self._no_scope_until = 0.0  # monotonic; see SCOPE_RECHECK_S

    def notify(self, effect: NotifyOwner, links: Links, *, recover: bool) -> ObjectRef:
        """DM the routed owner (users.lookupByEmail → conversations.open → chat.postMessage);
        an owner Slack does not know gets the message in `effect.channel` with a note."""
        dm, detour = self._dm(effect.owner_email)
        return self._post(
            dm or effect.channel,
            effect.key,
            fallback_text(effect, detour=detour),
            build_blocks(effect, links, detour=detour),
            recover,
            delivered=_delivered(dm, detour),
            detail=_where(dm, effect.channel, effect.owner_name or effect.owner_email, detour),
        )

    def notify_meeting(
        self,
        effect: NotifyMeeting,
        links: Links,
        *,
        recover: bool,
        thread: CallThread | None = None,
    ) -> ObjectRef:
        text, blocks = meeting_text(effect), meeting_blocks(effect, links)
        if thread is not None:
            channel, ts = thread.message.object_id.split("/", 1)
            ref = self._thread_reply(channel, ts, effect.key, text, blocks, recover)
            # The parent shows the meeting as it is now; the thread keeps the history.
            parent = thread.parent.model_copy(update={"meeting": effect.meeting})
            detour = next((d for d in Detour if d.value == thread.delivered), None)
            cancelled = effect.change is BookingChangeKind.CANCELLED
            self._rewrite(
                thread.message,
                fallback_text(parent, detour=detour),
                build_blocks(parent, thread.links, detour=detour, cancelled=cancelled),
            )
            return ref
        dm, detour = self._dm(effect.owner_email)
        if detour is not None and effect.owner_email is not None:
            note = {"type": "mrkdwn", "text": unmapped_note(effect.owner_email, detour)}
            blocks = [*blocks, {"type": "context", "elements": [note]}]
        return self._post(
            dm or effect.channel,
            effect.key,
            text,
            blocks,
            recover,
            delivered=_delivered(dm, detour),
            detail=_where(dm, effect.channel, effect.owner_email, detour),
        )

    def post_alert(self, channel: str, alert: AlertView, *, recover: bool) -> ObjectRef:
        return self._post(
            channel, alert.message_key, alert_text(alert), alert_blocks(alert), recover
        )

    def _post(
        self,
        channel: str,
        key: str,
        text: str,
        blocks: list[dict[str, Any]],
        recover: bool,
        *,
        delivered: str = "channel",
        detail: str | None = None,
    ) -> ObjectRef:
        """A top-level message tagged with `key` in its metadata; a recovering attempt finds
        the tagged message first (chat.postMessage has no idempotency key)."""
        channel_id = self._channel_id(channel)
        if recover and (found := self._find(channel_id, key)) is not None:
            return self._ref(channel_id, found.facts["ts"], delivered=delivered, detail=detail)
        response = self._call(
            "chat_postMessage",
            channel=channel_id,
            text=text,
            blocks=blocks,
            metadata={"event_type": EVENT_TYPE, "event_payload": {"key": key}},
            unfurl_links=False,
            unfurl_media=False,
        )
        channel_id = str(response["channel"])
        return self._ref(channel_id, str(response["ts"]), delivered=delivered, detail=detail)

    def _thread_reply(
        self,
        channel: str,
        thread_ts: str,
        key: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        recover: bool,
    ) -> ObjectRef:
        """A reply in the thread tagged with `key`; a recovering attempt reads the thread first.
        Without `blocks` the reply is plain text (slack_sdk leaves unset arguments out)."""
        if recover:
            found = self._call(
                "conversations_replies", channel=channel, ts=thread_ts, include_all_metadata=True
            )
            replies: list[dict[str, Any]] = found.get("messages", [])
            for reply in replies[1:]:
                if ((reply.get("metadata") or {}).get("event_payload") or {}).get("key") == key:
                    return self._ref(channel, str(reply["ts"]), delivered="thread", detail=_THREAD)
        response = self._call(
            "chat_postMessage",
            channel=channel,
            thread_ts=thread_ts,
            text=text,
            blocks=blocks,
            metadata={"event_type": EVENT_TYPE, "event_payload": {"key": key}},
            unfurl_links=False,
            unfurl_media=False,
        )
        return self._ref(channel, str(response["ts"]), delivered="thread", detail=_THREAD)

    def _dm(self, email: str | None) -> tuple[str | None, Detour | None]:
        """The owner's DM channel, or why the message goes to the channel instead: Slack has no
        active member with the email, or the app lacks a scope to find or DM them. Both
        look-ups are cached for the client's life (Tier 3 methods, one per message else)."""
        if not email:
            return None, None
        wanted = email.strip().lower()
        user = self._user_ids.get(wanted)
        if user is not None and user in self._dm_ids:
            return self._dm_ids[user], None
        if self._monotonic() < self._no_scope_until:
            return None, Detour.NO_SCOPE
        try:
            if user is None:
                found = self._call("users_lookupByEmail", email=wanted)
                member: dict[str, Any] = found.get("user") or {}
                if member.get("deleted") or not member.get("id"):
                    return None, Detour.NO_MEMBER  # deactivated: a DM would never be read
                user = self._user_ids[wanted] = str(member["id"])
            opened = self._call("conversations_open", users=user)
            self._dm_ids[user] = str((opened.get("channel") or {})["id"])
        except Permanent as exc:
            if exc.message in _NO_MEMBER:
                self._user_ids.pop(wanted, None)
                return None, Detour.NO_MEMBER
            if exc.message.startswith("missing_scope"):
                self._no_scope_until = self._monotonic() + SCOPE_RECHECK_S
                return None, Detour.NO_SCOPE
            raise
        return self._dm_ids[user], None

    def update_alert(self, message: ObjectRef, alert: AlertView) -> ObjectRef:
        return self._rewrite(message, alert_text(alert), alert_blocks(alert))

    def _rewrite(self, message: ObjectRef, text: str, blocks: list[dict[str, Any]]) -> ObjectRef:
        """`chat.update` of one of our messages: a set, so repeating it is harmless."""
        channel, ts = message.object_id.split("/", 1)
        self._call("chat_update", channel=channel, ts=ts, text=text, blocks=blocks)
        return message

    def reply(self, message: ObjectRef, text: str, *, key: str, recover: bool) -> ObjectRef:
        channel, ts = message.object_id.split("/", 1)
        return self._thread_reply(channel, ts, key, text, None, recover)

    def post_review(self, channel: str, view: ReviewView, *, recover: bool) -> ObjectRef:
        return self._post(
            channel, view.message_key, review_text(view), review_blocks(view), recover
        )

    def update_review(self, message: ObjectRef, view: ReviewView) -> ObjectRef:
        return self._rewrite(message, review_text(view), review_blocks(view))

    def post_digest(
        self, channel: str, report: DigestReport, *, key: str, recover: bool
    ) -> ObjectRef:
        return self._post(channel, key, digest_text(report), digest_blocks(report), recover)

    def upload_chart(
        self,
        channel: str,
        png: bytes,
        *,
        title: str,
        key: str,
        thread_ts: str | None,
        recover: bool,
    ) -> ObjectRef:
        """The external upload (`uploads`), the file named after `key` so that a recovering
        attempt finds it in the thread (or channel) instead of uploading it twice."""
        channel_id = self._channel_id(channel)
        name = file_name(key)
        if recover and (found := find_file(self._call, channel_id, name, thread_ts)):
            return found
        return upload(self._call, channel_id, png, name=name, title=title, thread_ts=thread_ts)

    def check(self, channels: list[str]) -> list[SchemaItem]:
        """`doctor`: the token works (auth.test) and each channel is one the bot can see."""
        identity = self._call("auth_test")
        items = [SchemaItem("slack", "token", SchemaState.OK, f"bot {identity.get('user', '?')}")]
        headers = {name.lower(): value for name, value in identity.headers.items()}
        if (granted := headers.get("x-oauth-scopes")) is not None:
            have = {scope.strip() for scope in str(granted).split(",")}
            for scope, purpose in SCOPES.items():
                if scope not in have:
                    detail = f"missing: needed to {purpose}; add it and reinstall the app"
                    items.append(SchemaItem("slack", f"scope {scope}", SchemaState.DENIED, detail))
        for channel in sorted(set(channels)):
            try:
                channel_id = self._channel_id(channel)
            except Permanent as exc:
                detail = f"{exc.message}: create it or invite the bot (/invite @bot)"
                items.append(SchemaItem("slack", f"#{channel}", SchemaState.MANUAL, detail))
            else:
                items.append(SchemaItem("slack", f"#{channel}", SchemaState.OK, channel_id))
        return items

    def _find(self, channel: str, key: str) -> ObjectRef | None:
        response = self._call(
            "conversations_history", channel=channel, limit=200, include_all_metadata=True
        )
        messages: list[dict[str, Any]] = response.get("messages", [])
        for message in messages:
            metadata = message.get("metadata") or {}
            if metadata.get("event_payload", {}).get("key") == key:
                return self._ref(channel, str(message["ts"]))
        return None

    def _channel_id(self, channel: str) -> str:
        """Names are resolved once per client; history and links need the id."""
        name = channel.lstrip("#")
        if _CHANNEL_ID.match(name):
            return name
        if name not in self._channel_ids:
            cursor: str | None = None
            while True:
                page = self._call(
                    "conversations_list", types="public_channel,private_channel", cursor=cursor
                )
                channels: list[dict[str, Any]] = page.get("channels", [])
                for item in channels:
                    self._channel_ids[str(item["name"])] = str(item["id"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if name in self._channel_ids or not cursor:
                    break
        if name not in self._channel_ids:
            raise Permanent(VENDOR, f"channel_not_found: #{name} (is the bot invited?)")
        return self._channel_ids[name]

    def _ref(
        self, channel: str, ts: str, *, delivered: str | None = None, detail: str | None = None
    ) -> ObjectRef:
        if self._base_url == PUBLIC_API:
            url = f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"
        else:
            url = f"{self._base_url}conversations.history?channel={channel}&latest={ts}"
            url += "&inclusive=true&limit=1"
        facts = {"channel": channel, "ts": ts}
        if delivered is not None:
            facts["delivered"] = delivered
        return ObjectRef(VENDOR, f"{channel}/{ts}", url, detail=detail, facts=facts)

    def _call(self, method: str, **kwargs: Any) -> SlackResponse:
        try:
            response: SlackResponse = getattr(self._client, method)(**kwargs)
        except SlackApiError as exc:
            raise _classify(exc) from exc
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, IncompleteRead
            raise Transient(VENDOR, f"connection failed: {exc}") from exc
        return response


def _delivered(dm: str | None, detour: Detour | None) -> str:
    """What the call's thread records: "dm", or the detour's value ("channel" with no owner)."""
    if dm is not None:
        return "dm"
    return (detour or Detour.NO_MEMBER).value


def _where(dm: str | None, channel: str, owner: str | None, detour: Detour | None) -> str:
    """For the timeline: where the message went, and why not to the owner."""
    if dm is not None:
        return f"DM to {owner}"
    if detour is Detour.NO_SCOPE:
        return f"in #{channel.lstrip('#')}: the Slack app may not DM {owner} (missing scope)"
    if owner is not None:
        return f"in #{channel.lstrip('#')}: no Slack user for {owner}"
    return f"in #{channel.lstrip('#')}"


def _classify(exc: SlackApiError) -> ConnectorError:
    response = exc.response
    error = str(response.get("error", "unknown_error"))
    if response.status_code == 429 or error in ("ratelimited", "rate_limited"):
        headers = {name.lower(): value for name, value in response.headers.items()}
        retry_after = float(headers.get("retry-after", 1))
        return RateLimited(VENDOR, error, retry_after=retry_after)
    if response.status_code >= 500 or error in _TRANSIENT:
        return Transient(VENDOR, error, status=response.status_code)
    if error == "missing_scope" and response.get("needed"):
        error = f"missing_scope (needed: {response.get('needed')})"
    return Permanent(VENDOR, error, status=response.status_code)
