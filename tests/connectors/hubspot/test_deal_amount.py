"""`HubSpotCrm.ensure_deal` reports the deal's `amount` (what the daily digest sums) when the
deal has one, and nothing when it has none: never a guessed zero."""

from __future__ import annotations

import httpx

from callstate.connectors.hubspot.crm import HubSpotCrm
from tests.connectors.hubspot.test_crm import contact, crm, deal, hubspot

__all__ = ["crm", "hubspot"]


def test_the_deal_amount_is_a_fact_once_someone_set_it(crm: HubSpotCrm, hubspot: str) -> None:
    person = contact(crm)
    created = crm.ensure_deal(deal("qualifiedtobuy"), person)
    assert "amount" not in created.facts
    httpx.patch(
        f"{hubspot}/crm/v3/objects/deals/{created.object_id}",
        json={"properties": {"amount": "12500.50"}},
        headers={"authorization": "Bearer x"},
    ).raise_for_status()  # a rep prices the deal in HubSpot
    moved = crm.ensure_deal(deal("contractsent"), person)
    assert moved.object_id == created.object_id
    assert (moved.detail, moved.facts["stage"]) == (
        "moved qualifiedtobuy → contractsent",
        "contractsent",
    )
    assert moved.facts["amount"] == "12500.50"
    kept = crm.ensure_deal(deal("qualifiedtobuy"), person)  # not moved: the amount still told
    assert kept.facts["amount"] == "12500.50"
