"""`SlackChat.notify` / `notify_meeting` against the Slack emulator over HTTP: the owner is DM'd
(lookup by email → open DM → post), looked up once per client, recovered by key in the DM; an
owner Slack does not know gets the message in the channel with a note; calendar changes reply
in the call's thread and rewrite its parent."""

from __future__ import annotations

import json

import httpx
import pytest

from callstate.connectors.errors import Permanent, RateLimited, Transient
from callstate.connectors.ports import CallThread, Links, ObjectRef
from callstate.connectors.slack.chat import SCOPE_RECHECK_S
from callstate.domain.calendar import BookingChangeKind
from tests.connectors.slack.blockkit import assert_valid_message
from tests.connectors.slack.conftest import SALES, SAM_DM, SlackSandbox
from tests.domain.builders import notify_meeting, notify_owner

KEY = "acme:retell:call_0001:notify_owner"
LINKS = Links(contact=ObjectRef("hubspot", "101", "https://app.hubspot.com/contacts/1/101"))


def _key(message: dict[str, object]) -> object:
    return ((message.get("metadata") or {}).get("event_payload") or {}).get("key")  # type: ignore[attr-defined]


def test_the_owner_is_dmed_lookup_open_post(slack: SlackSandbox) -> None:
    ref = slack.chat().notify(notify_owner(), LINKS, recover=False)
    assert ref.facts["delivered"] == "dm"
    assert ref.facts["channel"] == SAM_DM and ref.object_id == f"{SAM_DM}/{ref.facts['ts']}"
    assert ref.detail == "DM to Sam Rivera"
    paths = [e["path"] for e in slack.requests()]
    assert paths == ["/api/users.lookupByEmail", "/api/conversations.open", "/api/chat.postMessage"]
    [message] = slack.history(SAM_DM)
    assert message["ts"] == ref.facts["ts"] and _key(message) == KEY
    assert "Whitfield Holdings" in json.dumps(message["blocks"])
    assert_valid_message(message["text"], message["blocks"])
    assert slack.history(SALES) == []  # nothing in the channel
    slack.on_spec()


def test_lookups_are_cached_per_client(slack: SlackSandbox) -> None:
    chat = slack.chat()
    chat.notify(notify_owner(), LINKS, recover=False)
    chat.notify(notify_owner(key="acme:retell:call_0002:notify_owner"), LINKS, recover=False)
    assert slack.calls("users.lookupByEmail") == 1
    assert slack.calls("conversations.open") == 1
    assert slack.calls("chat.postMessage") == 2
    assert len(slack.history(SAM_DM)) == 2


def test_a_recovering_attempt_finds_the_earlier_dm(slack: SlackSandbox) -> None:
    first = slack.chat().notify(notify_owner(), LINKS, recover=False)
    slack.forget_requests()
    again = slack.chat().notify(notify_owner(), LINKS, recover=True)  # another worker
    assert again == first and again.facts["delivered"] == "dm"
    assert slack.calls("chat.postMessage") == 0
    assert slack.calls("conversations.history") == 1
    assert len(slack.history(SAM_DM)) == 1


def test_a_recovering_attempt_posts_when_nothing_was_posted(slack: SlackSandbox) -> None:
    ref = slack.chat().notify(notify_owner(), LINKS, recover=True)
    assert [m["ts"] for m in slack.history(SAM_DM)] == [ref.facts["ts"]]


@pytest.mark.parametrize(
    ("email", "name"), [("pat@acme.test", "Pat Unknown"), ("jo@acme.test", "Jo Chen")]
)
def test_an_owner_slack_does_not_know_gets_it_in_the_channel_with_a_note(
    slack: SlackSandbox, email: str, name: str
) -> None:
    """Not a member, or deactivated (Jo): the channel takes it, never lost."""
    effect = notify_owner(owner_email=email, owner_name=name)
    ref = slack.chat().notify(effect, LINKS, recover=False)
    assert ref.facts["delivered"] == "channel" and ref.facts["channel"] == SALES
    assert ref.detail == f"in #acme-sales: no Slack user for {name}"
    [message] = slack.history(SALES)
    shown = json.dumps(message["blocks"])
    assert f"No Slack user has the email {email}" in shown
    assert "fix `team` in the workspace config" in shown
    assert message["text"].startswith(f"For {name}: ")
    assert_valid_message(message["text"], message["blocks"])
    again = slack.chat().notify(effect, LINKS, recover=True)
    assert again == ref and len(slack.history(SALES)) == 1  # recovered in the channel too


def test_no_owner_goes_to_the_channel_without_a_note(slack: SlackSandbox) -> None:
    effect = notify_owner(owner_email=None, owner_name=None)
    ref = slack.chat().notify(effect, LINKS, recover=False)
    assert ref.facts["delivered"] == "channel"
    assert slack.calls("users.lookupByEmail") == 0
    [message] = slack.history(SALES)
    assert "No Slack user" not in json.dumps(message)


def test_slack_down_is_transient_and_rate_limits_carry_retry_after(slack: SlackSandbox) -> None:
    slack.fault(method="POST", path="/api/chat.postMessage", status=503)
    with pytest.raises(Transient):
        slack.chat().notify(notify_owner(), LINKS, recover=False)
    slack.fault(method="POST", path="/api/chat.postMessage", status=429, retry_after=7)
    with pytest.raises(RateLimited) as limited:
        slack.chat().notify(notify_owner(), LINKS, recover=True)
    assert limited.value.retry_after == 7
    assert slack.history(SAM_DM) == []
    slack.chat().notify(notify_owner(), LINKS, recover=True)
    assert len(slack.history(SAM_DM)) == 1


def test_a_meeting_change_replies_in_the_call_thread_and_rewrites_the_parent(
    slack: SlackSandbox,
) -> None:
    parent = notify_owner()
    posted = slack.chat().notify(parent, LINKS, recover=False)
    thread = CallThread(message=posted, parent=parent, links=LINKS)
    change = notify_meeting()
    reply = slack.chat().notify_meeting(change, Links(), recover=False, thread=thread)
    assert reply.facts["delivered"] == "thread" and reply.facts["channel"] == SAM_DM
    root, note = slack.thread(SAM_DM, posted.facts["ts"])
    assert note["ts"] == reply.facts["ts"] and _key(note) == change.key
    assert "Meeting moved" in json.dumps(note["blocks"])
    assert "Previously Wed Nov 25, 2:30 PM EST" in json.dumps(note["blocks"])
    assert "Thu Nov 26, 2:30 PM EST" in json.dumps(root["blocks"])  # the parent, rewritten
    assert "Wed Nov 25" not in json.dumps(root["blocks"])
    assert root["edited"] and len(slack.history(SAM_DM)) == 1  # no new top-level message
    for message in (root, note):
        assert_valid_message(message["text"], message["blocks"])

    slack.forget_requests()
    again = slack.chat().notify_meeting(change, Links(), recover=True, thread=thread)
    assert again == reply
    assert slack.calls("chat.postMessage") == 0
    assert len(slack.thread(SAM_DM, posted.facts["ts"])) == 2
    slack.on_spec()


def test_a_cancellation_in_the_thread_marks_the_parent_cancelled(slack: SlackSandbox) -> None:
    parent = notify_owner()
    posted = slack.chat().notify(parent, LINKS, recover=False)
    thread = CallThread(message=posted, parent=parent, links=LINKS)
    cancel = notify_meeting(change=BookingChangeKind.CANCELLED, previous_start=None)
    slack.chat().notify_meeting(cancel, Links(), recover=False, thread=thread)
    root = slack.thread(SAM_DM, posted.facts["ts"])[0]
    assert ":x: *Meeting cancelled:*" in json.dumps(root["blocks"])


def test_a_parent_in_the_channel_keeps_its_note_when_rewritten(slack: SlackSandbox) -> None:
    parent = notify_owner(owner_email="pat@acme.test", owner_name="Pat Unknown")
    posted = slack.chat().notify(parent, LINKS, recover=False)
    thread = CallThread(message=posted, parent=parent, links=LINKS, delivered="channel")
    slack.chat().notify_meeting(notify_meeting(), Links(), recover=False, thread=thread)
    root, _ = slack.thread(SALES, posted.facts["ts"])
    assert "No Slack user has the email pat@acme.test" in json.dumps(root["blocks"])


def test_without_a_thread_a_change_is_dmed_to_the_meeting_owner(slack: SlackSandbox) -> None:
    ref = slack.chat().notify_meeting(notify_meeting(thread=None), LINKS, recover=False)
    assert ref.facts["delivered"] == "dm"
    [message] = slack.history(SAM_DM)
    assert_valid_message(message["text"], message["blocks"])
    lost = notify_meeting(thread=None, owner_email="pat@acme.test", key="k2")
    elsewhere = slack.chat().notify_meeting(lost, LINKS, recover=False)
    assert elsewhere.facts["delivered"] == "channel"
    [in_channel] = slack.history(SALES)
    assert "No Slack user has the email pat@acme.test" in json.dumps(in_channel["blocks"])
    assert_valid_message(in_channel["text"], in_channel["blocks"])
    unowned = notify_meeting(thread=None, owner_email=None, key="k3")
    assert slack.chat().notify_meeting(unowned, LINKS, recover=False).facts["channel"] == SALES


def test_an_owner_who_leaves_slack_is_found_no_more(slack: SlackSandbox) -> None:
    """The emulator's `POST /_sandbox/users` takes a member out (the e2e and demo lever)."""
    assert slack.chat().notify(notify_owner(), LINKS, recover=False).facts["delivered"] == "dm"
    left = {"email": "sam@acme.test", "real_name": "Sam Rivera", "deleted": True}
    httpx.post(f"{slack.root}/slack/_sandbox/users", json=left).raise_for_status()
    later = notify_owner(key="acme:retell:call_0002:notify_owner")
    assert slack.chat().notify(later, LINKS, recover=False).facts["delivered"] == "channel"
    httpx.post(f"{slack.root}/slack/_sandbox/reset").raise_for_status()
    assert slack.chat().notify(later, LINKS, recover=False).facts["delivered"] == "dm"


def _grant(slack: SlackSandbox, *scopes: str) -> None:
    httpx.post(f"{slack.root}/slack/_sandbox/scopes", json={"scopes": scopes}).raise_for_status()


@pytest.mark.parametrize("lacking", ["users:read.email", "im:write"])
def test_an_app_without_the_dm_scopes_posts_in_the_channel_and_says_which_to_add(
    slack: SlackSandbox, lacking: str
) -> None:
    """Slack answers `missing_scope` to the look-up or to opening the DM: the notification is
    not dead-lettered but posted in the channel, with the scopes to add; the look-up is not
    repeated for every call until the recheck window passes."""
    all_scopes = httpx.get(f"{slack.root}/slack/_sandbox/scopes").json()["scopes"]
    _grant(slack, *(s for s in all_scopes if s != lacking))
    chat = slack.chat()
    ref = chat.notify(notify_owner(), LINKS, recover=False)
    assert ref.facts["delivered"] == "channel/scope" and ref.facts["channel"] == SALES
    assert ref.detail == "in #acme-sales: the Slack app may not DM Sam Rivera (missing scope)"
    [message] = slack.history(SALES)
    shown = json.dumps(message["blocks"])
    assert "Not sent to sam@acme.test as a DM" in shown and "im:write" in shown
    assert "No Slack user" not in shown
    assert message["text"].startswith("For Sam Rivera: ")
    assert_valid_message(message["text"], message["blocks"])

    looked_up = slack.calls("users.lookupByEmail") + slack.calls("conversations.open")
    later = notify_owner(key="acme:retell:call_0002:notify_owner")
    assert chat.notify(later, LINKS, recover=False).facts["delivered"] == "channel/scope"
    assert slack.calls("users.lookupByEmail") + slack.calls("conversations.open") == looked_up

    # The parent keeps the scope note when a calendar change rewrites it.
    thread = CallThread(message=ref, parent=notify_owner(), links=LINKS, delivered="channel/scope")
    chat.notify_meeting(notify_meeting(), Links(), recover=False, thread=thread)
    root, _ = slack.thread(SALES, ref.facts["ts"])
    assert "Not sent to sam@acme.test as a DM" in json.dumps(root["blocks"])

    # Once the scope is granted, a new client (a restarted worker) DMs again.
    httpx.post(f"{slack.root}/slack/_sandbox/reset").raise_for_status()
    third = notify_owner(key="acme:retell:call_0003:notify_owner")
    assert slack.chat().notify(third, LINKS, recover=False).facts["delivered"] == "dm"


def test_the_scope_recheck_window_passes(slack: SlackSandbox) -> None:
    """The same client tries the look-up again once `SCOPE_RECHECK_S` has passed."""
    _grant(slack, "chat:write", "channels:read", "channels:history", "im:write")
    clock = [1_000.0]
    chat = slack.chat(monotonic=lambda: clock[0])
    assert chat.notify(notify_owner(), LINKS, recover=False).facts["delivered"] == "channel/scope"
    _grant(slack, "chat:write", "channels:read", "users:read.email", "im:write")
    clock[0] += SCOPE_RECHECK_S - 1
    assert chat.notify(notify_owner(), LINKS, recover=False).facts["delivered"] == "channel/scope"
    clock[0] += 1
    later = notify_owner(key="acme:retell:call_0002:notify_owner")
    assert chat.notify(later, LINKS, recover=False).facts["delivered"] == "dm"


def test_other_missing_scopes_are_permanent_and_name_the_scope(slack: SlackSandbox) -> None:
    _grant(slack, "users:read.email", "im:write", "channels:read")
    with pytest.raises(Permanent) as refused:
        slack.chat().notify(notify_owner(), LINKS, recover=False)
    assert refused.value.message == "missing_scope (needed: chat:write)"
