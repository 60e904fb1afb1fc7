"""The digest's chart: calls per audience as stacked bars of outcomes, a small PNG.

A picture reads faster than the outcome table when there are a few audiences and many
outcomes. matplotlib draws it with the Agg backend through the object API (no pyplot: no
process-wide figure state, safe in a worker thread), with the DejaVu font it ships (nothing is
downloaded). The PNG carries no timestamp or version metadata, so one report always gives the
same bytes. matplotlib is imported when a chart is drawn, not when the worker starts.
"""

from __future__ import annotations

import io

from callstate.domain.digest import UNANALYSED, DigestReport
from callstate.domain.outcome import Outcome

# One colour per outcome, the same every day: green for progress, greys for no contact.
COLOURS = {
    Outcome.MEETING_BOOKED.value: "#1a7f37",
    Outcome.QUALIFIED.value: "#4ac26b",
    Outcome.CALLBACK_REQUESTED.value: "#9be9a8",
    Outcome.CONNECTED.value: "#54aeff",
    Outcome.NOT_QUALIFIED.value: "#d4a72c",
    Outcome.NOT_INTERESTED.value: "#bf8700",
    Outcome.DO_NOT_CALL.value: "#cf222e",
    Outcome.WRONG_NUMBER.value: "#fa4549",
    Outcome.VOICEMAIL.value: "#8c959f",
    Outcome.NO_ANSWER.value: "#afb8c1",
    Outcome.BUSY.value: "#d0d7de",
    Outcome.FAILED.value: "#6e7781",
    UNANALYSED: "#eaeef2",
}
_DPI = 100


def chart_title(report: DigestReport) -> str:
    return f"Calls by outcome, {report.workspace_name}, {report.date.isoformat()}"


def render_chart(report: DigestReport) -> bytes | None:
    """PNG bytes (tens of kB), or None when the day had no calls (nothing to draw)."""
    if not report.audiences:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = list(reversed(report.audiences))  # first audience on top
    shown = [o for o in COLOURS if any(c.outcome == o for r in rows for c in r.outcomes)]
    figure = Figure(figsize=(7.0, 1.6 + 0.45 * len(rows)), dpi=_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    left = [0] * len(rows)
    labels = [f"{r.name} ({r.calls})" for r in rows]
    for outcome in shown:
        counts = [next((c.count for c in r.outcomes if c.outcome == outcome), 0) for r in rows]
        label = next(c.label for r in rows for c in r.outcomes if c.outcome == outcome)
        axes.barh(labels, counts, left=left, color=COLOURS[outcome], label=label, height=0.6)
        left = [a + b for a, b in zip(left, counts, strict=True)]
    axes.set_title(chart_title(report), fontsize=10, loc="left")
    axes.set_xlabel("calls", fontsize=8)
    axes.tick_params(labelsize=8)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # calls come whole
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), ncols=1)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()
