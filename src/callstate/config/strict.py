"""The base of every configuration model: frozen, and an unknown key is an error naming its path
(a typo in a workspace file must never be silently ignored)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
