"""The refused-signature counter and the ops checks' period marks, on both stores."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from callstate.storage.ops_marks import OpsMarks
from callstate.storage.signature_failures import (
    SignatureFailures,
    SignatureSource,
    minute_of,
    window,
)

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_refusals_are_counted_per_workspace_sender_and_minute(engine: Engine) -> None:
    failures = SignatureFailures(engine)
    for second in (0, 20, 59):
        failures.count("acme", "retell", T0 + timedelta(seconds=second))
    failures.count("acme", "retell", T0 + timedelta(minutes=1))
    failures.count("acme", "calcom", T0)
    failures.count("summit", "retell", T0)
    assert failures.totals("acme", T0, T0 + timedelta(minutes=1)) == {
        SignatureSource.RETELL: 3,
        SignatureSource.CALCOM: 1,
    }
    assert failures.totals("acme", T0, T0 + timedelta(minutes=2))[SignatureSource.RETELL] == 4
    assert failures.totals("acme", T0 + timedelta(minutes=2), T0 + timedelta(minutes=5)) == {}


def test_concurrent_refusals_are_all_counted(engine: Engine) -> None:
    failures = SignatureFailures(engine)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: failures.count("acme", "slack", T0), range(40)))
    assert failures.totals("acme", T0, T0 + timedelta(minutes=1)) == {SignatureSource.SLACK: 40}


def test_an_unknown_sender_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="github"):
        SignatureFailures(engine).count("acme", "github", T0)


def test_prune_forgets_old_minutes_only(engine: Engine) -> None:
    failures = SignatureFailures(engine)
    failures.count("acme", "retell", T0 - timedelta(days=3))
    failures.count("acme", "retell", T0)
    assert failures.prune(T0 - timedelta(days=1)) == 1
    assert failures.totals("acme", T0 - timedelta(days=4), T0 + timedelta(minutes=1)) == {
        SignatureSource.RETELL: 1
    }


def test_the_window_ends_with_the_current_minute() -> None:
    now = T0 + timedelta(minutes=14, seconds=30)
    assert minute_of(now) == T0 + timedelta(minutes=14)
    assert window(now, 15) == (T0, T0 + timedelta(minutes=15))
    assert window(now, 1) == (T0 + timedelta(minutes=14), T0 + timedelta(minutes=15))


def test_a_period_is_claimed_once(engine: Engine) -> None:
    marks = OpsMarks(engine)
    assert marks.claim("acme", "signature:retell", T0)
    assert not marks.claim("acme", "signature:retell", T0)
    assert marks.claim("acme", "signature:retell", T0 + timedelta(minutes=15))
    assert marks.claim("acme", "signature:calcom", T0)
    assert marks.claim("summit", "signature:retell", T0)
    with ThreadPoolExecutor(6) as pool:
        won = list(pool.map(lambda _: marks.claim("acme", "dnc:registry-stale", T0), range(12)))
    assert won.count(True) == 1
    assert marks.prune(T0 + timedelta(minutes=1)) == 4
    assert marks.claim("acme", "signature:retell", T0)  # forgotten: claimable again
