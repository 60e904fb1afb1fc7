"""`GoHighLevelCrm.ensure_deal` reports the opportunity's `monetaryValue` as the `amount` fact
(what the daily digest sums) when it has one, and nothing when it has none."""

from __future__ import annotations

from decimal import Decimal

from tests.connectors.gohighlevel.conftest import GhlSandbox
from tests.connectors.gohighlevel.test_crm import contact_effect, deal_effect


def test_the_opportunity_value_is_a_fact_once_someone_set_it(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    person = crm.upsert_contact(contact_effect())
    created = crm.ensure_deal(deal_effect("Contacted"), person)
    assert "amount" not in created.facts
    with sandbox.api() as api:  # a rep prices the opportunity in GoHighLevel
        api.put(
            f"/opportunities/{created.object_id}", json={"monetaryValue": 4200.5}
        ).raise_for_status()
    moved = crm.ensure_deal(deal_effect("Qualified"), person)
    assert moved.object_id == created.object_id
    assert moved.facts["stage_label"] == "Qualified"
    assert Decimal(moved.facts["amount"]) == Decimal("4200.5")
    sandbox.on_spec()
