"""`Owners`: the portal's owners (HubSpot users), read on demand and kept per connector.

Most calls need an owner: assignment finds one by email, reading a caller finds the owner of
the contact by id (`hubspot_owner_id`). Owners change rarely, so each answer is kept for the
connector's life; a portal can have thousands of them, so at most `limit` are kept per index,
the least recently used dropped first. A miss is never kept: a user invited (or an owner
restored) after startup is found on the next lookup.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from callstate.connectors.errors import Permanent
from callstate.connectors.hubspot import api
from callstate.connectors.hubspot.client import VENDOR, HubSpotHttp

DEFAULT_LIMIT = 256


class _Recent:
    """A least-recently-used map of owners, at most `limit` long. Locked: the in-call tools
    read callers from a thread pool on one connector."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._items: OrderedDict[str, api.Owner] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> api.Owner | None:
        with self._lock:
            owner = self._items.get(key)
            if owner is not None:
                self._items.move_to_end(key)
            return owner

    def put(self, key: str, owner: api.Owner) -> None:
        with self._lock:
            self._items[key] = owner
            self._items.move_to_end(key)
            while len(self._items) > self._limit:
                self._items.popitem(last=False)


class Owners:
    def __init__(self, http: HubSpotHttp, *, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 1:
            raise ValueError("the owner cache holds at least one owner")
        self._http = http
        self._by_email = _Recent(limit)
        self._by_id = _Recent(limit)

    def by_email(self, email: str) -> api.Owner:
        """The live owner with the email (`GET .../owners?email=`, research/crm.md §1.7).

        Raises `Permanent` when no live owner has it.
        """
        key = email.casefold()
        owner = self._by_email.get(key)
        if owner is None:
            found = self._http.call(api.Owners, "GET", api.OWNERS, params={"email": email})
            live = [o for o in found.results if not o.archived]
            if not live:
                raise Permanent(VENDOR, f"no HubSpot user with email {email} (invite them)")
            owner = self._keep(live[0])
        return owner

    def by_id(self, owner_id: str) -> api.Owner | None:
        """The live owner with the id (`GET .../owners/{id}`); None when HubSpot has no live
        owner with it (deactivated users' owners are archived and answer 404)."""
        owner = self._by_id.get(owner_id)
        if owner is None:
            found = self._http.find(api.Owner, f"{api.OWNERS}/{owner_id}")
            owner = None if found is None else self._keep(found)
        return owner

    def _keep(self, owner: api.Owner) -> api.Owner:
        self._by_id.put(owner.id, owner)
        if owner.email:
            self._by_email.put(owner.email.casefold(), owner)
        return owner
