"""Secrets in the workspace file: never written in YAML, but referenced as `${ENV_VAR}` and
resolved at load time from the environment the caller passes in (`config.load`). In sandbox mode
an unset one takes a documented default, so the demo runs with no accounts.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, SecretStr, ValidationInfo

_REF = re.compile(r"^\$\{([A-Z][A-Z0-9_]*)\}$")


def sandbox_secret(var: str) -> str:
    """The value an unset secret takes in sandbox mode (README names RETELL_API_KEY's)."""
    return "sandbox-" + var.lower().replace("_", "-")


def _resolve_secret(value: object, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not (match := _REF.match(value)):
        raise ValueError("secrets are referenced by env-var name, e.g. ${HUBSPOT_TOKEN}")
    var = match.group(1)
    context = info.context or {}
    env: dict[str, str] = context.get("env", {})
    if env.get(var):
        return env[var]
    if context.get("sandbox"):
        return sandbox_secret(var)
    raise ValueError(f"environment variable {var} is not set")


Secret = Annotated[SecretStr, BeforeValidator(_resolve_secret)]
