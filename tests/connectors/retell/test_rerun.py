"""`RetellRest.rerun_analysis` against the Retell emulator: the call object comes back, and an
unknown call is a `Permanent` error. (The saved OpenAPI document predates the operation:
vendor-specs/retell/SOURCE.txt lists it as missing, so exchanges are not spec-checked here.)"""

from __future__ import annotations

import pytest

from callstate.connectors.errors import Permanent
from callstate.connectors.retell.rest import RetellRest
from tests.connectors.retell.test_rest import base, make_base, retell, settle
from tests.sandbox.retell.test_rest_emulator import FROM

__all__ = ["base", "make_base", "retell"]  # fixtures


def test_rerun_answers_the_analysed_call(base: str, retell: RetellRest) -> None:
    call_id = retell.place_call(FROM, "+14155550142", idempotency_key="wf-rerun/dial")
    settle(base)
    rerun = retell.rerun_analysis(call_id)
    assert rerun["call_id"] == call_id
    assert rerun["call_analysis"] == retell.get_call(call_id)["call_analysis"]
    with pytest.raises(Permanent):
        retell.rerun_analysis("call_missing")
