"""Retell webhook wire models: only the fields callstate uses, enums kept as strings.

Retell adds `disconnection_reason` values every release (28 → 34 → 39 across SDK 4.x-6.x,
research/voice.md §1.4), so none of them may reject a payload.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class WireAnalysis(_Wire):
    call_summary: str | None = None
    in_voicemail: bool | None = None
    user_sentiment: str | None = None
    call_successful: bool | None = None
    custom_analysis_data: dict[str, Any] | None = None


class WireWord(_Wire):
    start: float | None = None  # seconds of audio time, approximate (voice.md §1.5)
    end: float | None = None


class WireUtterance(_Wire):
    role: str | None = None
    words: list[WireWord] | None = None


class WireCall(_Wire):
    call_id: str = Field(min_length=1, max_length=128)
    agent_id: str = Field(min_length=1, max_length=128)
    call_type: str | None = None
    call_status: str
    direction: str | None = None  # web calls have none
    from_number: str | None = None
    to_number: str | None = None
    start_timestamp: int | None = None
    end_timestamp: int | None = None
    duration_ms: int | None = Field(default=None, ge=0)
    transcript: str | None = None
    transcript_object: list[WireUtterance] | None = None
    recording_url: str | None = None
    scrubbed_recording_url: str | None = None
    disconnection_reason: str | None = None
    retell_llm_dynamic_variables: dict[str, str] | None = None
    collected_dynamic_variables: dict[str, Any] | None = None
    call_analysis: WireAnalysis | None = None
    metadata: Any = None  # any JSON set at creation or by our inbound answer; echoed on events


class WireEnvelope(_Wire):
    event: str = Field(min_length=1)
    call: WireCall
