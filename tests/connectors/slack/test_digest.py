"""`SlackChat.post_digest` / `upload_chart` against the Slack emulator over HTTP: the digest
message tagged with its key, the chart shared in its thread through the three-step external
upload (the stored bytes are our PNG), a recovering send that finds both instead of posting
again, and 429 / 5xx / refusals classified like every other Slack write."""

from __future__ import annotations

import httpx
import pytest

from callstate.connectors.errors import Permanent, RateLimited, Transient
from callstate.connectors.slack.digest_blocks import digest_blocks, digest_text
from callstate.connectors.slack.uploads import file_name as chart_file_name
from callstate.domain.digest import DigestReport
from callstate.execution.digest_chart import chart_title, render_chart
from callstate.policy.digest import build_report
from tests.connectors.slack.blockkit import assert_valid_message
from tests.connectors.slack.conftest import SALES, SlackSandbox
from tests.policy.test_digest_report import known_day
from tests.policy.test_inbound import ACME

KEY = "digest:acme:2026-03-07"
CHART_KEY = f"{KEY}:chart"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report() -> DigestReport:
    return build_report(known_day(), ACME)


@pytest.fixture(scope="module")
def png(report: DigestReport) -> bytes:
    data = render_chart(report)
    assert data is not None
    return data


def _key(message: dict[str, object]) -> object:
    return ((message.get("metadata") or {}).get("event_payload") or {}).get("key")  # type: ignore[attr-defined]


def _file(slack: SlackSandbox, file_id: str) -> bytes:
    response = httpx.get(f"{slack.root}/slack/_sandbox/files/{file_id}")
    response.raise_for_status()
    return response.content


def test_the_digest_and_its_chart_in_the_thread(
    slack: SlackSandbox, report: DigestReport, png: bytes
) -> None:
    chat = slack.chat()
    message = chat.post_digest("acme-sales", report, key=KEY, recover=False)
    channel, ts = message.object_id.split("/", 1)
    assert channel == SALES
    [posted] = slack.history(SALES)
    assert (posted["ts"], _key(posted)) == (ts, KEY)
    assert posted["text"] == digest_text(report)
    assert posted["blocks"][0]["text"]["text"] == "Daily digest · Acme Roofing · Sat 7 Mar 2026"
    assert "Hot leads without a follow-up*: 1" in posted["blocks"][5]["text"]["text"]

    slack.forget_requests()
    title = chart_title(report)
    chart = chat.upload_chart(channel, png, title=title, key=CHART_KEY, thread_ts=ts, recover=False)
    paths = [e["path"] for e in slack.requests()]
    assert paths[0] == "/api/files.getUploadURLExternal"
    assert paths[1].startswith("/upload/v1/")
    assert paths[2] == "/api/files.completeUploadExternal"
    assert len(paths) == 3
    assert _file(slack, chart.object_id) == png  # the bytes Slack keeps are our PNG
    assert png.startswith(PNG_MAGIC) and len(png) <= 100_000
    _parent, reply = slack.thread(SALES, ts)
    [shared] = reply["files"]
    assert (shared["id"], shared["name"], shared["title"]) == (
        chart.object_id,
        chart_file_name(CHART_KEY),
        title,
    )
    assert shared["mimetype"] == "image/png" and shared["size"] == len(png)
    assert len(slack.history(SALES)) == 1  # the chart is in the thread, not the channel
    slack.on_spec()


def test_the_blocks_are_valid_block_kit(report: DigestReport) -> None:
    assert_valid_message(digest_text(report), digest_blocks(report))
    empty = build_report(known_day(calls=(), meetings=(), deals=(), incidents=()), ACME)
    assert_valid_message(digest_text(empty), digest_blocks(empty))
    assert "Nothing needs attention" not in str(digest_blocks(report))
    assert "No calls." in str(digest_blocks(empty))


def test_sending_again_with_recover_finds_both(
    slack: SlackSandbox, report: DigestReport, png: bytes
) -> None:
    message = slack.chat().post_digest("acme-sales", report, key=KEY, recover=True)
    ts = message.object_id.split("/", 1)[1]
    chart = slack.chat().upload_chart(
        SALES, png, title="t", key=CHART_KEY, thread_ts=ts, recover=True
    )
    slack.forget_requests()
    again = slack.chat()  # another worker, or `callstate digest --send` by hand
    assert again.post_digest("acme-sales", report, key=KEY, recover=True) == message
    assert (
        again.upload_chart(SALES, png, title="t", key=CHART_KEY, thread_ts=ts, recover=True)
        == chart
    )
    assert slack.calls("chat.postMessage") == 0
    assert slack.calls("files.getUploadURLExternal") == 0
    assert slack.calls("files.completeUploadExternal") == 0
    assert len(slack.history(SALES)) == 1
    assert [len(m.get("files", [])) for m in slack.thread(SALES, ts)] == [0, 1]


def test_another_days_chart_is_not_mistaken_for_this_one(slack: SlackSandbox, png: bytes) -> None:
    chat = slack.chat()
    chat.upload_chart(
        SALES, png, title="t", key="digest:acme:2026-03-06:chart", thread_ts=None, recover=False
    )
    chat.upload_chart(SALES, png, title="t", key=CHART_KEY, thread_ts=None, recover=True)
    assert slack.calls("files.completeUploadExternal") == 2
    names = [f["name"] for m in slack.history(SALES) for f in m.get("files", [])]
    assert sorted(names) == [
        chart_file_name("digest:acme:2026-03-06:chart"),
        chart_file_name(CHART_KEY),
    ]


def test_rate_limits_and_failures_are_classified(slack: SlackSandbox, png: bytes) -> None:
    chat = slack.chat()
    slack.fault(path="/api/files.getUploadURLExternal", status=429, retry_after=7)
    with pytest.raises(RateLimited) as limited:
        chat.upload_chart(SALES, png, title="t", key=CHART_KEY, thread_ts=None, recover=False)
    assert limited.value.retry_after == 7
    slack.fault(path="/upload/v1/*", status=429, retry_after=3)
    with pytest.raises(RateLimited) as upload_limited:
        chat.upload_chart(SALES, png, title="t", key=CHART_KEY, thread_ts=None, recover=True)
    assert upload_limited.value.retry_after == 3
    slack.fault(path="/upload/v1/*", status=503)
    with pytest.raises(Transient):
        chat.upload_chart(SALES, png, title="t", key=CHART_KEY, thread_ts=None, recover=True)
    # Nothing was shared by the failed tries; the next one shares the chart once.
    assert slack.calls("files.completeUploadExternal") == 0
    chat.upload_chart(SALES, png, title="t", key=CHART_KEY, thread_ts=None, recover=True)
    assert [len(m.get("files", [])) for m in slack.history(SALES)] == [1]
    with pytest.raises(Permanent, match="channel_not_found"):
        chat.upload_chart("nowhere", png, title="t", key=CHART_KEY, thread_ts=None, recover=True)
