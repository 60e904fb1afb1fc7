"""The review queue on both stores: one item per key, one action per click, first decision wins."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from callstate.domain.review import ActionStatus, ReviewAction, ReviewReason, ReviewStatus
from callstate.storage.review import NewItem, ReviewQueue, item_id

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
REASON = ReviewReason(code="phrase", text="The caller said “stop calling”.")


def new(call: str = "call_1", workspace: str = "acme") -> NewItem:
    return NewItem(
        key=f"{workspace}:retell:{call}:flag_for_review",
        workspace=workspace,
        runtime="retell",
        external_call_id=call,
        audience="inbound-qualifier",
        caller="Dana Whitfield",
        caller_phone="+14155550142",
        outcome="not_interested",
        reasons=(REASON,),
        summary="Asked not to be called.",
    )


def test_opening_twice_is_one_item_and_keeps_the_first(engine: Engine) -> None:
    queue = ReviewQueue(engine)
    first = queue.open(new(), now=T0)
    again = queue.open(new().model_copy(update={"caller": "Someone else"}), now=T0)
    assert again.id == first.id == item_id(new().key)
    assert again.caller == "Dana Whitfield"
    assert again.status is ReviewStatus.OPEN and again.reasons == (REASON,)
    assert again.decision is None
    queue.attach_message(first.id, "C0SALES", "1700000000.000100", now=T0)
    stored = queue.get(first.id)
    assert stored is not None and (stored.channel, stored.ts) == ("C0SALES", "1700000000.000100")


def test_the_same_click_twice_is_one_action(engine: Engine) -> None:
    queue = ReviewQueue(engine)
    item = queue.open(new(), now=T0)

    def click(_: int) -> bool:
        __, created = queue.request(
            item.id, ReviewAction.APPROVE, "", actor_id="U1", actor_name="sam", now=T0
        )
        return created

    with ThreadPoolExecutor(max_workers=4) as pool:
        created = list(pool.map(click, range(8)))
    assert created.count(True) == 1
    assert len(queue.actions_of(item.id)) == 1
    # Another member, reassigning to two people: three different actions.
    queue.request(item.id, ReviewAction.DNC, "", actor_id="U2", actor_name="jo", now=T0)
    for email in ("sam@acme.test", "jo@acme.test", "jo@acme.test"):
        queue.request(item.id, ReviewAction.REASSIGN, email, actor_id="U2", actor_name="jo", now=T0)
    assert len(queue.actions_of(item.id)) == 4


def test_dispatch_and_finish_are_repeat_safe(engine: Engine) -> None:
    queue = ReviewQueue(engine)
    item = queue.open(new(), now=T0)
    action, _ = queue.request(
        item.id, ReviewAction.RERUN, "", actor_id="U1", actor_name="sam", now=T0
    )
    assert queue.undispatched(10) == [action.id]
    queue.mark_dispatched([action.id], T0)
    assert queue.undispatched(10) == []
    assert queue.finish(action.id, ActionStatus.DONE, "reanalysed", now=T0)
    assert not queue.finish(action.id, ActionStatus.FAILED, "late", now=T0)
    done = queue.action(action.id)
    assert done is not None and done.status is ActionStatus.DONE and done.result == "reanalysed"


def test_the_first_final_decision_wins_and_open_items_are_listed(engine: Engine) -> None:
    queue = ReviewQueue(engine)
    first = queue.open(new("call_1"), now=T0)
    second = queue.open(new("call_2"), now=T0 + timedelta(seconds=1))
    queue.open(new("call_3", workspace="summit"), now=T0)
    assert [i.id for i in queue.list_open("acme")] == [first.id, second.id]

    rerun = queue.decide(
        first.id,
        ReviewStatus.REANALYSED,
        actor_id="U1",
        actor_name="sam",
        detail=None,
        now=T0,
        changes={"outcome": "do_not_call"},
    )
    assert rerun
    assert [i.id for i in queue.list_open("acme")] == [first.id, second.id]  # still undecided
    at = T0 + timedelta(minutes=1)
    assert queue.decide(
        first.id, ReviewStatus.APPROVED, actor_id="U2", actor_name="jo", detail=None, now=at
    )
    assert not queue.decide(
        first.id, ReviewStatus.DO_NOT_CALL, actor_id="U3", actor_name="al", detail=None, now=at
    )
    decided = queue.get(first.id)
    assert decided is not None and decided.status is ReviewStatus.APPROVED
    assert decided.outcome == "do_not_call"
    assert decided.decision is not None and decided.decision.actor_id == "U2"
    assert [i.id for i in queue.list_open("acme")] == [second.id]
