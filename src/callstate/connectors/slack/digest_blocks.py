"""Block Kit for the daily digest. Pure: `DigestReport` in, message payload out.

A header with the workspace and the day, the headline numbers as fields, calls by audience and
outcome, the stage moves, then what needs attention with a few examples each. The chart of
outcomes per audience is uploaded into the message's thread (`SlackChat.upload_chart`).
Limits (research/calendar_slack.md §3.1): header ≤ 150 chars, section text ≤ 3,000, ≤ 10
fields, context ≤ 10 elements; nine blocks at most. Amounts carry no currency sign: the CRM's
currency is the portal's, not ours to guess.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from callstate.domain.digest import DigestReport

_SECTION_LIMIT = 3000


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(text: str) -> str:
    """Slack mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def money(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.0%}"


def day_title(report: DigestReport) -> str:
    day = report.date
    return f"{day:%a} {day.day} {day:%b %Y}"


def digest_text(report: DigestReport) -> str:
    """The notification / fallback text."""
    raised = sum(f.count for f in report.raised)
    return _clip(
        f"Daily digest for {report.workspace_name}, {report.date.isoformat()}: "
        f"{report.calls} calls, {report.meetings_booked} meetings booked, "
        f"{report.deals_moved} deals moved, {raised} items need attention",
        300,
    )


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, _SECTION_LIMIT)}}


def _field(title: str, value: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": _clip(f"*{title}*\n{value}", 2000)}


def _audiences(report: DigestReport) -> str:
    if not report.audiences:
        return "*Calls by audience and outcome*\nNo calls."
    lines = ["*Calls by audience and outcome*"]
    for row in report.audiences:
        counts = " · ".join(f"{o.label} {o.count}" for o in row.outcomes)
        lines.append(f"*{_escape(row.name)}* ({row.calls}): {counts}")
    return "\n".join(lines)


def _stages(report: DigestReport) -> str:
    lines = ["*Pipeline stage moves*"]
    for row in report.stage_moves:
        deals = "deal" if row.deals == 1 else "deals"
        lines.append(f"{_escape(row.stage)}: {row.deals} {deals} · value {money(row.value)}")
    if not report.stage_moves:
        lines.append("No deal changed stage.")
    if report.deals_without_value:
        lines.append(f"_{report.deals_without_value} moved without an amount in the CRM_")
    return "\n".join(lines)


def _attention(report: DigestReport) -> str:
    if not report.raised:
        return ":white_check_mark: *Nothing needs attention.*"
    lines = [":warning: *Needs attention*"]
    for flag in report.raised:
        lines.append(f"• *{flag.label}*: {flag.count}")
        lines.extend(f"    ◦ {_escape(example)}" for example in flag.examples)
        if flag.count > len(flag.examples) and flag.examples:
            lines.append(f"    ◦ _and {flag.count - len(flag.examples)} more_")
    return "\n".join(lines)


def digest_blocks(report: DigestReport) -> list[dict[str, Any]]:
    header = f"Daily digest · {report.workspace_name} · {day_title(report)}"
    fields = [
        _field("Calls", f"{report.calls} ({report.inbound} in · {report.outbound} out)"),
        _field(
            "Connect rate",
            f"{percent(report.connect_rate)} (outbound {percent(report.outbound_connect_rate)})",
        ),
        _field("Meetings booked", str(report.meetings_booked)),
        _field("Deals moved", f"{report.deals_moved} · value {money(report.deal_value)}"),
    ]
    hours = round((report.end - report.start).total_seconds() / 3600)
    context = f"{report.zone} calendar day ({hours} h) · workspace `{report.workspace}`"
    return [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(header, 150)}},
        {"type": "section", "fields": fields},
        _section(_audiences(report)),
        _section(_stages(report)),
        {"type": "divider"},
        _section(_attention(report)),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
    ]
