"""`Lookups`: one location's reference data, read once per client and cached.

Custom fields, pipelines, users, workflows and the company id change rarely and are needed on
most calls, so each is listed once; a name that is not found re-reads once before failing, so
a field, user or workflow added after startup is still found without a restart.
"""

from __future__ import annotations

from collections.abc import Sequence

from callstate.connectors.errors import Permanent
from callstate.connectors.gohighlevel import api, mapping
from callstate.connectors.gohighlevel.client import VENDOR, GoHighLevelHttp


class Lookups:
    def __init__(self, http: GoHighLevelHttp, location_id: str) -> None:
        self._http = http
        self._location = location_id
        self._fields: dict[str, api.CustomField] | None = None
        self._pipelines: list[api.Pipeline] | None = None
        self._workflows: list[api.Workflow] | None = None
        self._users: dict[str, api.User] = {}
        self._emails: dict[str, str] = {}
        self._company: str | None = None

    def custom_fields(self, names: Sequence[str]) -> dict[str, api.CustomField]:
        """Our field names → the location's contact fields keyed (or named) `callstate_<name>`.

        Raises `Permanent` naming every missing field.
        """
        for fresh in (False, True):
            fields = self._field_map(fresh)
            missing = [n for n in names if n not in fields]
            if not missing:
                return fields
        wanted = ", ".join(mapping.FIELD_PREFIX + n for n in missing)
        raise Permanent(
            VENDOR,
            f"location {self._location} has no contact custom field {wanted}; "
            "`callstate crm apply` creates it",
        )

    def field_id(self, name: str) -> str | None:
        """The id of our contact field `name`, from the definitions listed once; None when the
        location lacks it. A miss does not list again: reads stay cheap, and `custom_fields`
        (which `set_fields` calls) refreshes the definitions when a field is added."""
        found = self._field_map(False).get(name)
        return None if found is None else found.id

    def _field_map(self, fresh: bool) -> dict[str, api.CustomField]:
        if self._fields is None or fresh:
            path = f"/locations/{self._location}/customFields"
            listed = self._http.call(api.CustomFields, "GET", path, params={"model": "contact"})
            self._fields = {
                name: f
                for f in listed.customFields
                if (name := mapping.our_field_name(f)) is not None
            }
        return self._fields

    def pipeline(self, id_or_name: str) -> api.Pipeline:
        """By id, else by name (case-insensitive). `default` (the audience default) is the
        first pipeline listed: GoHighLevel has no default pipeline."""
        for fresh in (False, True):
            pipelines = self._pipeline_list(fresh)
            for p in pipelines:
                if id_or_name == p.id or id_or_name.casefold() == p.name.casefold():
                    return p
            if id_or_name == "default" and pipelines:
                return pipelines[0]
        names = ", ".join(f"{p.name} ({p.id})" for p in self._pipeline_list(False))
        raise Permanent(VENDOR, f"no pipeline {id_or_name!r}; the location has: {names or 'none'}")

    def _pipeline_list(self, fresh: bool) -> list[api.Pipeline]:
        if self._pipelines is None or fresh:
            params = {"locationId": self._location}
            listed = self._http.call(
                api.Pipelines, "GET", "/opportunities/pipelines", params=params
            )
            self._pipelines = listed.pipelines
        return self._pipelines

    def user(self, email: str) -> api.User:
        """The location's user with the email (`GET /users/search`, crm.md §2.6)."""
        key = email.casefold()
        if key not in self._users:
            params = {"companyId": self.company_id(), "locationId": self._location, "query": email}
            found = self._http.call(api.Users, "GET", "/users/search", params=params)
            for user in found.users:
                if user.email.casefold() == key and not user.deleted:
                    self._users[key] = user
                    self._emails[user.id] = user.email
        if key not in self._users:
            raise Permanent(
                VENDOR,
                f"no GoHighLevel user with email {email} in location {self._location} "
                "(add them to the sub-account, or fix the workspace's team)",
            )
        return self._users[key]

    def email_of(self, user_id: str) -> str:
        if user_id not in self._emails:
            user = self._http.call(api.User, "GET", f"/users/{user_id}")
            self._emails[user_id] = user.email
        return self._emails[user_id]

    def known_email(self, user_id: str) -> str | None:
        """The user's email, or None when GoHighLevel has no such user any more (a contact
        keeps `assignedTo` after its user is deleted)."""
        if user_id not in self._emails:
            user = self._http.find(api.User, f"/users/{user_id}")
            if user is None or user.deleted or not user.email:
                return None
            self._emails[user_id] = user.email
        return self._emails[user_id]

    def company_id(self) -> str:
        """`users/search` requires the company id; the location knows it (crm.md §2.6)."""
        if self._company is None:
            path = f"/locations/{self._location}"
            self._company = self._http.call(api.LocationResponse, "GET", path).location.companyId
        return self._company

    def workflow(self, id_or_name: str) -> api.Workflow:
        """By id or name. A token without `workflows.readonly` cannot list them: the id is then
        taken as given and the enrolment itself tells whether it exists."""
        for fresh in (False, True):
            try:
                workflows = self._workflow_list(fresh)
            except Permanent as exc:
                if exc.status not in (401, 403):
                    raise
                return api.Workflow(id=id_or_name)
            for workflow in workflows:
                if id_or_name in (workflow.id, workflow.name):
                    return workflow
        names = ", ".join(f"{w.name} ({w.id})" for w in self._workflows or [])
        raise Permanent(VENDOR, f"no workflow {id_or_name!r}; the location has: {names or 'none'}")

    def _workflow_list(self, fresh: bool) -> list[api.Workflow]:
        if self._workflows is None or fresh:
            params = {"locationId": self._location}
            listed = self._http.call(api.Workflows, "GET", "/workflows/", params=params)
            self._workflows = listed.workflows
        return self._workflows
