"""Retell's `disconnection_reason` values and the `call_status` a finished call ends in.

Grouped as in voice.md §1.4 (retell-sdk 6.2.13 has 39 reasons). Any reason not listed,
including ones a future Retell release adds, counts as a normal end: the simulator accepts any
string, as a receiver must.
"""

from __future__ import annotations

NOT_CONNECTED_REASONS = frozenset(
    {
        "dial_busy",
        "dial_failed",
        "dial_no_answer",
        "invalid_destination",
        "telephony_provider_permission_denied",
        "telephony_provider_unavailable",
        "sip_routing_error",
        "marked_as_spam",
        "user_declined",
        "network_blocked",
    }
)

ERROR_REASONS = frozenset(
    {
        "concurrency_limit_reached",
        "no_concurrency_fallback",
        "no_valid_payment",
        "credit_exhausted",
        "budget_reached",
        "scam_detected",
        "error_llm_websocket_open",
        "error_llm_websocket_lost_connection",
        "error_llm_websocket_runtime",
        "error_llm_websocket_corrupt_payload",
        "error_no_audio_received",
        "error_asr",
        "error_retell",
        "error_unknown",
        "error_user_not_joined",
        "registered_call_timeout",
    }
)


def end_status(reason: str, *, connected: bool) -> str:
    """`error` for account/platform failures, else `not_connected` or `ended`."""
    if reason in ERROR_REASONS:
        return "error"
    return "ended" if connected else "not_connected"
