"""The Slack emulator's members, DMs, threads, chat.update and external file upload, driven
over loopback HTTP by slack_sdk's WebClient (including `files_upload_v2`, which runs the
three-step external upload) and httpx.

Exchanges are validated with `on_documented_spec` (test_slack_emulator.py): everything the
2020 document describes, minus the members it lacks.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from urllib.error import HTTPError

import httpx
import pytest

# The tests use Slack's official client on purpose: wire compatibility is what they prove.
from slack_sdk.errors import SlackApiError
from starlette.types import ASGIApp

from callstate.sandbox.slack import SlackUser, im_id, user_id
from tests.sandbox.test_slack_emulator import (
    AUTH,
    SALES,
    FakeClock,
    on_documented_spec,
    slack_only,
    web_client,
)

Serve = Callable[[ASGIApp], str]
DANA = user_id("dana@acme.test")
GONE = SlackUser(email="gone@acme.test", real_name="Former Rep", deleted=True)


def _png(width: int = 4, height: int = 3) -> bytes:
    """A real (tiny, grey) PNG, as the digest's chart would be."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_seeded_members_and_lookups(serve: Serve) -> None:
    seeds = (
        SlackUser(email="dana@acme.test", real_name="Dana Owner", tz="America/New_York"),
        {"email": "lee@acme.test", "name": "lee", "id": "U0LEE00001", "tz_offset": 3600},
        GONE,
    )
    base = slack_only(serve, seed_users=seeds, clock=FakeClock(1_767_225_600.0))  # 2026-01-01
    client = web_client(base)
    dana = client.users_lookupByEmail(email="DANA@acme.test")["user"]  # case-insensitive
    assert (dana["id"], dana["real_name"], dana["profile"]["email"]) == (
        DANA,
        "Dana Owner",
        "dana@acme.test",
    )
    assert (dana["tz"], dana["tz_offset"], dana["is_bot"], dana["deleted"]) == (
        "America/New_York",
        -18000,  # EST on the emulator clock's date
        False,
        False,
    )
    assert client.users_info(user="U0LEE00001")["user"]["tz_offset"] == 3600
    bot = client.users_info(user=client.auth_test()["user_id"])["user"]
    assert bot["is_bot"] is True
    members = client.users_list()["members"]
    assert {m["id"] for m in members} >= {DANA, "U0LEE00001", user_id("gone@acme.test")}
    with pytest.raises(SlackApiError) as unknown:
        client.users_lookupByEmail(email="nobody@acme.test")
    assert unknown.value.response["error"] == "users_not_found"
    with pytest.raises(SlackApiError) as deactivated:
        client.users_lookupByEmail(email="gone@acme.test")
    assert deactivated.value.response["error"] == "users_not_found"
    with pytest.raises(SlackApiError) as missing:
        client.users_info(user="U0NOBODY00")
    assert missing.value.response["error"] == "user_not_found"
    on_documented_spec(base)


def test_owner_dm_then_updates_in_its_thread(serve: Serve) -> None:
    base = slack_only(serve, seed_users=(SlackUser(email="dana@acme.test"), GONE))
    client = web_client(base)
    owner = client.users_lookupByEmail(email="dana@acme.test")["user"]["id"]
    opened = client.conversations_open(users=owner)
    dm = opened["channel"]["id"]
    assert dm == im_id(owner) and dm.startswith("D")
    assert opened.get("already_open") is None
    again = client.conversations_open(users=owner)
    assert (again["channel"]["id"], again["already_open"], again["no_op"]) == (dm, True, True)
    full = client.conversations_open(users=owner, return_im=True)["channel"]
    assert (full["is_im"], full["user"]) == (True, owner)

    first = client.chat_postMessage(channel=dm, text="New lead assigned to you: Acme Dental")
    assert first["channel"] == dm
    update = client.chat_postMessage(channel=dm, text="Demo booked", thread_ts=first["ts"])
    by_user_id = client.chat_postMessage(channel=owner, text="Sent to the user id")
    assert by_user_id["channel"] == dm  # Slack posts a user id into the app's DM

    history = client.conversations_history(channel=dm)["messages"]
    assert [m["text"] for m in history] == ["Sent to the user id", first["message"]["text"]]
    parent = history[1]
    assert (parent["reply_count"], parent["latest_reply"]) == (1, update["ts"])
    thread = client.conversations_replies(channel=dm, ts=first["ts"])["messages"]
    assert [m["ts"] for m in thread] == [first["ts"], update["ts"]]
    assert client.conversations_info(channel=dm)["channel"]["is_im"] is True
    ims = client.conversations_list(types="im")["channels"]
    assert [c["id"] for c in ims] == [dm]
    assert SALES not in [c["id"] for c in ims]

    with pytest.raises(SlackApiError) as disabled:
        client.conversations_open(users=user_id("gone@acme.test"))
    assert disabled.value.response["error"] == "user_disabled"
    with pytest.raises(SlackApiError) as unknown:
        client.conversations_open(users="U0NOBODY00")
    assert unknown.value.response["error"] == "user_not_found"
    with pytest.raises(SlackApiError) as group:
        client.conversations_open(users=f"{owner},{user_id('gone@acme.test')}")
    assert group.value.response["error"] == "method_not_supported_for_channel_type"
    on_documented_spec(base)


def test_failure_alert_thread_then_resolved_update(serve: Serve) -> None:
    base = slack_only(serve)
    client = web_client(base)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": ":red_circle: HubSpot 503"}}]
    alert = client.chat_postMessage(channel=SALES, text="HubSpot 503", blocks=blocks)
    client.chat_postMessage(channel=SALES, text="again (2)", thread_ts=alert["ts"])
    third = client.chat_postMessage(
        channel=SALES, text="again (3)", thread_ts=alert["ts"], reply_broadcast=True
    )
    resolved_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "3x, resolved"}}]
    updated = client.chat_update(
        channel=SALES,
        ts=alert["ts"],
        text="HubSpot 503: 3 occurrences, resolved",
        blocks=resolved_blocks,
    )
    assert (updated["channel"], updated["ts"]) == (SALES, alert["ts"])
    assert updated["text"] == "HubSpot 503: 3 occurrences, resolved"
    assert updated["message"]["edited"]["user"] == client.auth_test()["user_id"]
    assert float(updated["message"]["edited"]["ts"]) > float(third["ts"])

    history = client.conversations_history(channel=SALES)["messages"]
    assert [m["ts"] for m in history] == [third["ts"], alert["ts"]]  # broadcast reply shows
    parent = history[1]
    assert parent["text"] == "HubSpot 503: 3 occurrences, resolved"
    assert parent["blocks"] == resolved_blocks
    assert (parent["reply_count"], parent["latest_reply"]) == (2, third["ts"])

    kept = client.chat_update(channel=SALES, ts=alert["ts"], text="text only")
    assert kept["message"]["blocks"] == resolved_blocks  # omitted blocks are kept
    cleared = client.chat_update(channel=SALES, ts=alert["ts"], text="plain", blocks=[])
    assert "blocks" not in cleared["message"]  # an empty array removes them

    link = client.chat_getPermalink(channel=SALES, message_ts=alert["ts"])["permalink"]
    assert link.endswith(f"/archives/{SALES}/p{alert['ts'].replace('.', '')}")
    reply_link = client.chat_getPermalink(channel=SALES, message_ts=third["ts"])["permalink"]
    assert f"thread_ts={alert['ts']}" in reply_link

    member_says = httpx.post(
        f"{base}/slack/_sandbox/messages",
        json={"channel": SALES, "user": DANA, "text": "on it", "thread_ts": alert["ts"]},
    ).json()
    for ts, error in (("1700000000.000001", "message_not_found"), (member_says["ts"], None)):
        with pytest.raises(SlackApiError) as caught:
            client.chat_update(channel=SALES, ts=ts, text="x")
        assert caught.value.response["error"] == (error or "cant_update_message")
    no_text = httpx.post(
        f"{base}/slack/api/chat.update", headers=AUTH, json={"channel": SALES, "ts": alert["ts"]}
    )
    assert no_text.json() == {"ok": False, "error": "no_text"}
    with pytest.raises(SlackApiError) as no_link:
        client.chat_getPermalink(channel=SALES, message_ts="1700000000.000001")
    assert no_link.value.response["error"] == "message_not_found"
    on_documented_spec(base)


def test_files_upload_v2_shares_the_digest_chart(serve: Serve) -> None:
    base = slack_only(serve)
    client = web_client(base)
    chart = _png()
    done = client.files_upload_v2(
        content=chart,
        filename="digest-2026-01-01.png",
        title="Calls this week",
        channel=SALES,
        initial_comment="Daily digest: 12 calls, 3 demos",
        alt_txt="Bar chart of calls per day",
    )
    file = done["file"]
    assert file["id"].startswith("F")
    assert (file["title"], file["name"], file["size"]) == (
        "Calls this week",
        "digest-2026-01-01.png",
        len(chart),
    )
    assert (file["mimetype"], file["channels"], file["alt_txt"]) == (
        "image/png",
        [SALES],
        "Bar chart of calls per day",
    )

    stored = httpx.get(f"{base}/slack/_sandbox/files/{file['id']}")
    assert (stored.content, stored.headers["content-type"]) == (chart, "image/png")
    assert client.files_info(file=file["id"])["file"]["id"] == file["id"]
    private = httpx.get(file["url_private"], headers=AUTH)
    assert private.content == chart
    assert httpx.get(file["url_private"]).status_code == 403

    [message] = client.conversations_history(channel=SALES)["messages"]
    assert message["text"] == "Daily digest: 12 calls, 3 demos"
    assert [f["id"] for f in message["files"]] == [file["id"]]
    assert message["upload"] is True

    # Into a DM's thread, as a reply.
    dm = client.conversations_open(users=DANA)["channel"]["id"]
    parent = client.chat_postMessage(channel=dm, text="Your week")
    in_thread = client.files_upload_v2(
        content=b"call_id,outcome\ncall_abc,booked\n",
        filename="calls.csv",
        channel=dm,
        thread_ts=parent["ts"],
    )["file"]
    assert in_thread["ims"] == [dm] and in_thread["is_public"] is False
    replies = client.conversations_replies(channel=dm, ts=parent["ts"])["messages"]
    assert replies[1]["files"][0]["id"] == in_thread["id"]

    exchanges = on_documented_spec(base)
    uploads = [e for e in exchanges if e["path"].startswith("/upload/v1/")]
    assert [(e["method"], e["status"], e["response_text"]) for e in uploads] == [
        ("POST", 200, f"OK - {len(chart)}"),
        ("POST", 200, "OK - 32"),
    ]


def test_external_upload_errors(serve: Serve) -> None:
    base = slack_only(serve)
    client = web_client(base)
    with pytest.raises(SlackApiError) as empty:
        client.files_getUploadURLExternal(filename="x.png", length=0)
    assert empty.value.response["error"] == "missing_argument"

    ticket = client.files_getUploadURLExternal(filename="chart.png", length=5)
    short = httpx.post(ticket["upload_url"], content=b"1234")
    assert short.status_code == 400 and "declared 5" in short.text
    with pytest.raises(SlackApiError) as not_uploaded:
        client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id=SALES)
    assert not_uploaded.value.response["error"] == "file_not_found"
    with pytest.raises(SlackApiError) as info:
        client.files_info(file=ticket["file_id"])
    assert info.value.response["error"] == "file_not_found"

    # Multipart works too (the method page: "raw bytes or multipart form encoded").
    form = httpx.post(ticket["upload_url"], files={"file": ("chart.png", b"12345", "image/png")})
    assert (form.status_code, form.text) == (200, "OK - 5")
    with pytest.raises(SlackApiError) as bad_channel:
        client.files_completeUploadExternal(
            files=[{"id": ticket["file_id"]}], channel_id="C0NOWHERE0"
        )
    assert bad_channel.value.response["error"] == "invalid_channel"
    kept = client.files_completeUploadExternal(files=[{"id": ticket["file_id"], "title": "T"}])
    assert (kept["files"][0]["title"], kept["files"][0]["channels"]) == ("T", [])  # private
    assert client.conversations_history(channel=SALES)["messages"] == []
    assert httpx.post(ticket["upload_url"], content=b"12345").status_code == 404  # consumed
    with pytest.raises(SlackApiError) as twice:
        client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id=SALES)
    assert twice.value.response["error"] == "file_not_found"

    # A refused upload URL: slack_sdk 3.x lets urllib's HTTPError through (not SlackApiError)
    # and never calls files.completeUploadExternal.
    httpx.post(
        f"{base}/slack/_sandbox/faults", json={"path": "/upload/v1/*", "status": 503}
    ).raise_for_status()
    with pytest.raises(HTTPError) as refused:
        client.files_upload_v2(content=b"abc", filename="a.txt", channel=SALES)
    assert refused.value.code == 503
    refused.value.close()
    calls = [e["path"] for e in httpx.get(f"{base}/slack/_sandbox/requests").json()]
    assert calls[-2] == "/api/files.getUploadURLExternal"
    assert calls[-1].startswith("/upload/v1/")
    on_documented_spec(base)
