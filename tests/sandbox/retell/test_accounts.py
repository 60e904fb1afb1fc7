"""One Retell account per workspace: `/retell/<name>` mounts beside `/retell`, each isolated."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from retell import AuthenticationError, Retell

from callstate.sandbox.app import create_sandbox_app
from callstate.sandbox.retell import RetellAccount, RetellSeed
from callstate.sandbox.retell.rest_app import SANDBOX_API_KEY

ACME_KEY = "key_acme_0000000000000000000000"
GLOBEX_KEY = "key_globex_000000000000000000000"


def _seed(workspace: str) -> RetellSeed:
    return RetellSeed(
        llms=({"llm_id": f"llm_{workspace}", "begin_message": f"Hi, it's {workspace}."},),
        agents=(
            {
                "agent_id": f"agent_{workspace}",
                "agent_name": f"{workspace} agent",
                "response_engine": {"type": "retell-llm", "llm_id": f"llm_{workspace}"},
                "voice_id": "11labs-Adrian",
            },
        ),
    )


ACCOUNTS = (
    RetellAccount("acme", ACME_KEY, None, _seed("acme")),
    RetellAccount("globex", GLOBEX_KEY, None, _seed("globex")),
)


def _agents(client: Retell) -> set[str]:
    return {a.agent_id for a in client.agent.list().items}


def test_accounts_are_isolated_and_reset_together(
    make_sandbox: Callable[..., str], tmp_path: Path
) -> None:
    base = make_sandbox(tmp_path, retell_accounts=ACCOUNTS)
    acme = Retell(api_key=ACME_KEY, base_url=f"{base}/retell/acme", max_retries=0)
    globex = Retell(api_key=GLOBEX_KEY, base_url=f"{base}/retell/globex", max_retries=0)
    default = Retell(api_key=SANDBOX_API_KEY, base_url=f"{base}/retell", max_retries=0)

    assert _agents(acme) == {"agent_acme"}  # reached acme's app, not the /retell one
    assert _agents(globex) == {"agent_globex"}
    assert _agents(default) == set()
    made = acme.llm.create(general_prompt="Acme only.")
    assert made.llm_id in {m.llm_id for m in acme.llm.list().items}
    assert made.llm_id not in {m.llm_id for m in globex.llm.list().items}

    cross = Retell(api_key=ACME_KEY, base_url=f"{base}/retell/globex", max_retries=0)
    with pytest.raises(AuthenticationError):
        cross.agent.list()
    refused = httpx.post(
        f"{base}/retell/v2/list-agents", headers={"authorization": f"Bearer {ACME_KEY}"}
    )
    assert refused.status_code == 401
    assert (tmp_path / "retell-acme.sqlite").is_file()
    assert (tmp_path / "retell-globex.sqlite").is_file()
    vendors = httpx.get(f"{base}/_sandbox/vendors").json()["vendors"]
    assert {"retell", "retell/acme", "retell/globex"} <= set(vendors)

    reset = httpx.post(f"{base}/_sandbox/reset").json()["reset"]
    assert {"retell", "retell/acme", "retell/globex"} <= set(reset)
    assert {m.llm_id for m in acme.llm.list().items} == {"llm_acme"}  # seeds come back
    for client in (acme, globex, default, cross):
        client.close()


@pytest.mark.parametrize(
    ("accounts", "message"),
    [
        ((RetellAccount("v2", "key_a"),), "clash with Retell API paths"),
        ((RetellAccount("media", "key_a"),), "clash with Retell API paths"),
        ((RetellAccount("acme", "key_a"), RetellAccount("acme", "key_b")), "used twice"),
    ],
    ids=["api-path", "media-path", "duplicate"],
)
def test_account_names_that_would_shadow_or_repeat_are_refused(
    accounts: tuple[RetellAccount, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        create_sandbox_app(None, retell_accounts=[*accounts])


def test_an_account_needs_a_slug_and_a_key() -> None:
    for name in ("Acme Corp", "_sandbox", "acme/east", ""):
        with pytest.raises(ValueError, match="slug"):
            RetellAccount(name, ACME_KEY)
    with pytest.raises(ValueError, match="api_key"):
        RetellAccount("acme", "")
