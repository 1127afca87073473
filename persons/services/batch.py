"""Person processing for a batch of one team's events, in memory, then written in a few set-based statements.

The caller (the ingestion worker) holds the team's advisory lock and one transaction around load → process → flush.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field

import orjson
import psycopg
from django.db import connection

from persons.models import person_uuid_for
from persons.services.properties import PropertyUpdate, apply_property_update

_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, psycopg.pq.Format.TEXT)


@dataclass(eq=False)
class PersonState:
    id: int | None
    uuid: uuid.UUID
    created_at: dt.datetime
    properties: dict
    is_identified: bool
    version: int
    is_new: bool = False
    dirty: bool = False
    merged_into: "PersonState | None" = None
    distinct_ids: set = field(default_factory=set)

    def resolve(self) -> "PersonState":
        state = self
        while state.merged_into is not None:
            state = state.merged_into
        return state


def _load_json(value) -> dict:
    return orjson.loads(value) if isinstance(value, str) else (value or {})


class PersonBatch:
    """The persons behind a set of distinct ids of one team, and every change the batch makes to them."""

    def __init__(self, *, team_id: int, now: dt.datetime | None = None):
        self.team_id = team_id
        self.by_distinct_id: dict[str, PersonState | None] = {}
        self.personless: set[str] = set()
        self.personless_seen: set[str] = set()
        self.personless_adopted: set[str] = set()
        self.new_distinct_ids: dict[str, tuple[PersonState, int]] = {}
        self.new_persons: list[PersonState] = []
        self.merged_away: list[PersonState] = []
        self.warnings: list[tuple[str, dict]] = []

    # --- loading ---

    def load(self, distinct_ids: set[str]) -> None:
        missing = [did for did in distinct_ids if did not in self.by_distinct_id]
        if not missing:
            return
        persons: dict[int, PersonState] = {}
        with connection.cursor() as cursor:
            # NOTE: psycopg's C timestamptz loader for this cursor only: Django's tz-aware loader is Python code, and
            # this query returns a created_at for every person of the batch.
            cursor.cursor.adapters.register_loader("timestamptz", _TIMESTAMPTZ_LOADER)
            cursor.execute(
                "SELECT d.distinct_id, p.id, p.uuid, p.created_at, p.properties::text, p.is_identified, p.version "
                "FROM persons_persondistinctid d JOIN persons_person p ON p.id = d.person_id "
                "WHERE d.team_id = %s AND d.distinct_id IN (SELECT json_array_elements_text(%s::json)) FOR UPDATE OF p",
                [self.team_id, orjson.dumps(missing).decode()],
            )
            for did, pid, puuid, created_at, props, identified, version in cursor.fetchall():
                if pid not in persons:
                    persons[pid] = PersonState(pid, puuid, created_at, _load_json(props), identified, version)
                persons[pid].distinct_ids.add(did)
                self.by_distinct_id[did] = persons[pid]
            # Whether an id was seen person-less only matters for ids without a person.
            unowned = [did for did in missing if did not in self.by_distinct_id]
            if unowned:
                cursor.execute(
                    "SELECT distinct_id FROM persons_personlessdistinctid "
                    "WHERE team_id = %s AND distinct_id IN (SELECT json_array_elements_text(%s::json))",
                    [self.team_id, orjson.dumps(unowned).decode()],
                )
                self.personless.update(row[0] for row in cursor.fetchall())
        for did in missing:
            self.by_distinct_id.setdefault(did, None)

    def get(self, distinct_id: str) -> PersonState | None:
        state = self.by_distinct_id.get(distinct_id)
        return state.resolve() if state is not None else None

    # --- changes ---

    def _was_personless(self, distinct_id: str) -> bool:
        return distinct_id in self.personless or distinct_id in self.personless_seen

    def _attach(self, distinct_id: str, state: PersonState) -> None:
        was_personless = self._was_personless(distinct_id)
        self.by_distinct_id[distinct_id] = state
        state.distinct_ids.add(distinct_id)
        self.new_distinct_ids[distinct_id] = (state, 1 if was_personless else 0)
        if was_personless:
            self.personless_adopted.add(distinct_id)

    def _touch(self, state: PersonState) -> None:
        if not state.is_new:
            state.version += 1
            state.dirty = True

    def _create(self, uuid_distinct_id: str, *, timestamp: dt.datetime, identified: bool) -> PersonState:
        state = PersonState(
            None, person_uuid_for(self.team_id, uuid_distinct_id), timestamp, {}, identified, 0, is_new=True
        )
        self.new_persons.append(state)
        return state

    def update_properties(self, state: PersonState, update: PropertyUpdate, *, force: bool) -> bool:
        result = apply_property_update(state.properties, update, force=force)
        if result is None:
            return False
        # NOTE: PostHog's per-key properties_last_updated_at / _operation maps are not maintained here: nothing
        # reads them, and they tripled the size of every person row written.
        state.properties = result[0]
        self._touch(state)
        return True

    def person_for_event(
        self, distinct_id: str, update: PropertyUpdate, *, force: bool, event_uuid: str, timestamp: dt.datetime
    ) -> PersonState:
        """The person of `distinct_id` (created if needed) with the event's property changes applied."""
        state = self.get(distinct_id)
        if state is None:
            state = self._create(distinct_id, timestamp=timestamp, identified=False)
            self._attach(distinct_id, state)
            update = PropertyUpdate(
                {**update.set, "$creator_event_uuid": event_uuid}, update.set_once, update.unset, update.automatic
            )
            force = True
        self.update_properties(state, update, force=force)
        return state

    def _identify(self, state: PersonState) -> None:
        if not state.is_identified:
            state.is_identified = True
            self._touch(state)

    def merge_distinct_ids(
        self, *, target_id: str, other_id: str, dangerously: bool, event_uuid: str, timestamp: dt.datetime
    ) -> PersonState:
        """`$identify` / `$create_alias` / `$merge_dangerously`: bring `other_id` into the person of `target_id`."""
        target, other = self.get(target_id), self.get(other_id)
        if target is None and other is None:
            adopted_other = self._was_personless(other_id) and not self._was_personless(target_id)
            state = self._create(other_id if adopted_other else target_id, timestamp=timestamp, identified=True)
            self._attach(target_id, state)
            self._attach(other_id, state)
            return state
        if other is None:
            self._attach(other_id, target)
            self._identify(target)
            return target
        if target is None:
            self._attach(target_id, other)
            self._identify(other)
            return other
        if target is other:
            self._identify(target)
            return target
        if other.is_identified and not dangerously:
            self.warnings.append(
                (
                    "cannot_merge_already_identified",
                    {"sourcePersonDistinctId": other_id, "targetPersonDistinctId": target_id, "eventUuid": event_uuid},
                )
            )
            return target
        self._merge(source=other, target=target)
        return target

    def _merge(self, *, source: PersonState, target: PersonState) -> None:
        target.properties = {**source.properties, **target.properties}
        target.created_at = min(target.created_at, source.created_at)
        target.is_identified = True
        target.version = max(target.version, source.version) + 1
        target.dirty = not target.is_new
        for did in source.distinct_ids:
            self.by_distinct_id[did] = target
        target.distinct_ids |= source.distinct_ids
        source.merged_into = target
        if source.id is not None:
            self.merged_away.append(source)

    def personless_event(self, distinct_id: str) -> uuid.UUID:
        """The person id a person-less event carries: its existing person's, else the derived one."""
        state = self.get(distinct_id)
        if state is not None:
            return state.uuid
        if distinct_id not in self.personless:
            self.personless_seen.add(distinct_id)
        return person_uuid_for(self.team_id, distinct_id)
