"""Process settings: from the environment (and CLI flags), built in `main`, never at import."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from callstate.config.load import ConfigError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ConfigError(f"environment: {name}: expected true/false, got {raw!r}")


def env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"environment: {name}: expected an integer, got {raw!r}") from exc


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    config_dir: Path | None
    database_url: str
    dbos_database_url: str
    sandbox: bool
    host: str = "127.0.0.1"
    port: int = 8000
    worker_concurrency: int = 16
    log_level: str = "info"
    executor_id: str = "local"
    sandbox_rate_limits: bool = False  # emulators enforce the vendors' published limits
    alert_poll_seconds: int = 30  # how long an incident gathers occurrences per thread note
    api_token: str | None = field(default=None, repr=False)  # Bearer token of the outbound API
    reconcile_seconds: int = 300  # how often the worker asks the runtime for missed calls
    ops_check_seconds: int = 60  # signature-failure and DNC-registry checks; 0: never
    digest_check_seconds: int = 60  # how often the worker starts due daily digests; 0: never
    copy_artifacts: bool = True  # keep recordings and transcripts under <data dir>/artifacts
    thread_wait_seconds: int = 600  # a calendar change waits this long for its call's thread

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        data_dir = Path(env.get("CALLSTATE_DATA_DIR") or ".callstate")
        config = env.get("CALLSTATE_CONFIG")
        return cls.build(
            data_dir=data_dir,
            config_dir=Path(config) if config else None,
            database_url=env.get("CALLSTATE_DATABASE_URL") or None,
            dbos_database_url=env.get("CALLSTATE_DBOS_DATABASE_URL") or None,
            sandbox=env_bool(env, "CALLSTATE_SANDBOX", False),
            host=env.get("CALLSTATE_HOST") or "127.0.0.1",
            port=env_int(env, "CALLSTATE_PORT", 8000),
            worker_concurrency=env_int(env, "CALLSTATE_WORKER_CONCURRENCY", 16),
            log_level=(env.get("CALLSTATE_LOG_LEVEL") or "info").lower(),
            executor_id=env.get("CALLSTATE_EXECUTOR_ID") or "local",
            sandbox_rate_limits=env_bool(env, "CALLSTATE_SANDBOX_RATE_LIMITS", False),
            alert_poll_seconds=env_int(env, "CALLSTATE_ALERT_POLL_SECONDS", 30),
            api_token=env.get("CALLSTATE_API_TOKEN") or None,
            reconcile_seconds=env_int(env, "CALLSTATE_RECONCILE_SECONDS", 300),
            ops_check_seconds=env_int(env, "CALLSTATE_OPS_CHECK_SECONDS", 60),
            digest_check_seconds=env_int(env, "CALLSTATE_DIGEST_CHECK_SECONDS", 60),
            copy_artifacts=env_bool(env, "CALLSTATE_COPY_ARTIFACTS", True),
            thread_wait_seconds=env_int(env, "CALLSTATE_THREAD_WAIT_SECONDS", 600),
        )

    @classmethod
    def build(
        cls,
        *,
        data_dir: Path,
        config_dir: Path | None,
        database_url: str | None,
        dbos_database_url: str | None,
        sandbox: bool,
        **rest: object,
    ) -> Settings:
        """Defaults that depend on other settings: SQLite files under the data directory, and
        DBOS's system tables beside the app's on PostgreSQL (its own `dbos` schema)."""
        data_dir = data_dir.expanduser().absolute()
        database_url = database_url or f"sqlite:///{data_dir / 'callstate.sqlite'}"
        if dbos_database_url is None:
            dbos_database_url = (
                f"sqlite:///{data_dir / 'dbos.sqlite'}"
                if database_url.startswith("sqlite")
                else database_url
            )
        return cls(
            data_dir=data_dir,
            config_dir=config_dir,
            database_url=database_url,
            dbos_database_url=dbos_database_url,
            sandbox=sandbox,
            **rest,  # type: ignore[arg-type]
        )

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]
