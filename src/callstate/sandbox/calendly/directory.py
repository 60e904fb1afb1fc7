"""The organization's users and event types (seeded, read-only) and who may touch what.

Permissions, as the document's 403 examples describe them: a member sees and acts on their own
event types and events; an organization owner or admin on every member's. Anything outside the
organization is not found.
"""

from __future__ import annotations

from collections.abc import Sequence

from callstate.sandbox.calendly.errors import denied, invalid, not_found
from callstate.sandbox.calendly.seeds import API, EventTypeSeed, OrganizationSeed, UserSeed


class Directory:
    def __init__(
        self,
        users: Sequence[UserSeed],
        event_types: Sequence[EventTypeSeed],
        organization: OrganizationSeed,
    ) -> None:
        self.users = tuple(users)
        self.event_types = tuple(event_types)
        self.organization = organization
        self._by_email = {u.email.lower(): u for u in self.users}
        if len(self._by_email) != len(self.users):
            raise ValueError("each seeded Calendly user needs its own email")
        if len({u.token for u in self.users}) != len(self.users):
            raise ValueError("each seeded Calendly user needs its own token")
        for event_type in self.event_types:
            if event_type.host_email.lower() not in self._by_email:
                raise ValueError(f"event type {event_type.slug!r}: no user {event_type.host_email}")
        self._types = {e.uuid: e for e in self.event_types}
        if len(self._types) != len(self.event_types):
            raise ValueError("two seeded event types share a host and slug")

    def host_of(self, event_type: EventTypeSeed) -> UserSeed:
        return self._by_email[event_type.host_email.lower()]

    def user_by_email(self, email: str) -> UserSeed:
        return self._by_email[email.lower()]

    def user_by_uri(self, uri: str, parameter: str) -> UserSeed:
        for user in self.users:
            if user.uri == uri:
                return user
        raise invalid(parameter, "must be the URI of a user")

    def event_type(self, uuid: str) -> EventTypeSeed:
        found = self._types.get(uuid)
        if found is None:
            raise not_found()
        return found

    def event_type_by_uri(self, uri: str | None, parameter: str) -> EventTypeSeed:
        prefix = f"{API}/event_types/"
        if not uri or not uri.startswith(prefix):
            raise invalid(parameter, "must be the URI of an event type")
        return self.event_type(uri[len(prefix) :])

    def check_organization(self, uri: str) -> None:
        if uri != self.organization.uri:
            raise denied("You do not have permission to access this resource.")

    @staticmethod
    def manages(caller: UserSeed, host: UserSeed) -> bool:
        return caller.email == host.email or caller.role in ("owner", "admin")

    def require_manages(self, caller: UserSeed, host: UserSeed, message: str) -> None:
        if not self.manages(caller, host):
            raise denied(message)
