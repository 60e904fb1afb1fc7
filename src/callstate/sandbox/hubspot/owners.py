"""Owners (`/crm/v3/owners`, `/crm/owners/2026-09`): the portal's users that records belong to.

An owner has two ids (HubSpot owners guide, developers.hubspot.com/docs/guides/api/crm/owners):
`id`, written to `hubspot_owner_id`, and `userId`, which the sequences API takes; an archived
owner keeps only `userIdIncludingInactive`. Owners come from the factory's `seed_owners`
(collection `owners`), re-installed on every start and reset: HubSpot has no API to create them.

- `GET ...owners?email=&limit=&after=&archived=`: `CollectionResponsePublicOwnerForwardPaging`
  (limit default 100, at most 500); `archived=true` lists only archived owners.
- `GET ...owners/{ownerId}?idProperty=id|userId&archived=`: `PublicOwner`, 404 if unknown.
hubspot-api-client 12.0.0 calls the list as `/crm/v3/owners/` (trailing slash); both are served.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from callstate.sandbox.hubspot.errors import not_found, validation
from callstate.sandbox.hubspot.timestamps import now_iso
from callstate.sandbox.store import Doc, Store, Tx

OWNERS_PREFIXES = ("/crm/v3/owners", "/crm/owners/2026-09")
_COLLECTION = "owners"
MAX_LIMIT = 500
OwnerIdProperty = Annotated[Literal["id", "userId"], Query(alias="idProperty")]

# A small sales team, so a connector's owner lookup by email works out of the box.
DEFAULT_OWNERS: tuple[Mapping[str, Any], ...] = (
    {
        "id": "75001",
        "userId": 9001,
        "email": "ada.rep@example.com",
        "firstName": "Ada",
        "lastName": "Lovelace",
    },
    {
        "id": "75002",
        "userId": 9002,
        "email": "grace.rep@example.com",
        "firstName": "Grace",
        "lastName": "Hopper",
    },
    {
        "id": "75003",
        "userId": 9003,
        "email": "alan.rep@example.com",
        "firstName": "Alan",
        "lastName": "Turing",
    },
)


class Team(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)
    id: str
    name: str
    primary: bool = False


class OwnerSeed(BaseModel):
    """One `seed_owners` entry, in the `PublicOwner` wire names."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        coerce_numbers_to_str=True,
    )
    id: str
    user_id: int | None = None
    email: str
    first_name: str = ""
    last_name: str = ""
    type: Literal["PERSON", "QUEUE"] = "PERSON"
    archived: bool = False
    teams: list[Team] = Field(default_factory=list)


def seeds_for_team(team: Mapping[str, str]) -> list[dict[str, Any]]:
    """Owner seeds for people given as email → full name, ids numbered like the defaults."""
    return [
        {
            "id": str(75001 + i),
            "userId": 9001 + i,
            "email": email,
            "firstName": name.partition(" ")[0],
            "lastName": name.partition(" ")[2],
        }
        for i, (email, name) in enumerate(sorted(team.items()))
    ]


def parse_seeds(seeds: Sequence[Mapping[str, Any]]) -> list[OwnerSeed]:
    parsed = [OwnerSeed.model_validate(s) for s in seeds]
    ids = [o.id for o in parsed]
    if len(set(ids)) != len(ids):
        raise ValueError(f"seed_owners: duplicate owner ids in {ids}")
    return parsed


def seed(tx: Tx, owners: Sequence[OwnerSeed], now: float) -> None:
    stamp = now_iso(now)
    for owner in owners:
        doc: Doc = {
            "id": owner.id,
            "email": owner.email,
            "firstName": owner.first_name,
            "lastName": owner.last_name,
            "type": owner.type,
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": owner.archived,
            "teams": [t.model_dump() for t in owner.teams],
        }
        if owner.user_id is not None:
            doc["userIdIncludingInactive"] = owner.user_id
            if not owner.archived:
                doc["userId"] = owner.user_id
        tx.put(_COLLECTION, owner.id, doc)


def active_ids(tx: Tx) -> set[str]:
    """Owner ids that `hubspot_owner_id` accepts."""
    return {key for key, doc in tx.scan(_COLLECTION) if not doc["archived"]}


def by_user_id(tx: Tx, user_id: str) -> Doc | None:
    """The active owner whose `userId` is `user_id`."""
    for _, doc in tx.scan(_COLLECTION):
        if not doc["archived"] and str(doc.get("userId")) == user_id:
            return doc
    return None


def owners_router(store: Store) -> APIRouter:
    router = APIRouter()

    def list_owners(
        request: Request,
        email: str | None = None,
        after: str | None = None,
        limit: int = 100,
        archived: bool = False,
    ) -> JSONResponse:
        if not 1 <= limit <= MAX_LIMIT:
            raise validation(f"limit must be between 1 and {MAX_LIMIT}")
        with store.transaction() as tx:
            rows = [doc for _, doc in tx.scan(_COLLECTION) if doc["archived"] is archived]
        if email is not None:
            rows = [doc for doc in rows if doc["email"].casefold() == email.casefold()]
        start = int(after) if after and after.isdigit() else 0
        payload: Doc = {"results": rows[start : start + limit]}
        if start + limit < len(rows):
            cursor = str(start + limit)
            link = str(request.url.include_query_params(after=cursor))
            payload["paging"] = {"next": {"after": cursor, "link": link}}
        return JSONResponse(payload)

    router.add_api_route("", list_owners, methods=["GET"])
    router.add_api_route("/", list_owners, methods=["GET"], include_in_schema=False)

    @router.get("/{owner_id}")
    def get_owner(
        owner_id: str,
        id_property: OwnerIdProperty = "id",
        archived: bool = False,
    ) -> JSONResponse:
        with store.transaction() as tx:
            rows = [doc for _, doc in tx.scan(_COLLECTION) if doc["archived"] is archived]
        key = "id" if id_property == "id" else "userIdIncludingInactive"
        for doc in rows:
            if str(doc.get(key)) == owner_id:
                return JSONResponse(doc)
        raise not_found(f"Owner {owner_id} not found (idProperty={id_property})")

    return router
