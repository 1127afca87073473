"""Pure rules for person properties and distinct ids (persons-groups-ingestion.md §1.7, §2.3, §2.4)."""

from dataclasses import dataclass, field

# Merging with one of these ids would glue unrelated users together, so PostHog refuses to.
_ILLEGAL_IDS_ANY_CASE = {
    "anonymous",
    "guest",
    "distinctid",
    "distinct_id",
    "id",
    "not_authenticated",
    "email",
    "undefined",
    "true",
    "false",
}
_ILLEGAL_IDS_EXACT = {"[object Object]", "NaN", "None", "none", "null", "0", "undefined"}

# Event properties lifted onto the person ($set) and, as `$initial_*`, once ($set_once).
AUTO_PERSON_PROPERTIES = (
    "$app_build $app_name $app_namespace $app_version $browser $browser_version $device_type $current_url $pathname "
    "$os $os_name $os_version $referring_domain $referrer $screen_height $screen_width $viewport_height "
    "$viewport_width $raw_user_agent utm_source utm_medium utm_campaign utm_content utm_name utm_term gclid "
    "gad_source gclsrc dclid gbraid wbraid fbclid msclkid twclid li_fat_id mc_cid igshid ttclid rdt_cid irclid _kx "
    "epik qclid sccid"
).split()
_AUTO_SET = frozenset(AUTO_PERSON_PROPERTIES)
_INITIAL_KEYS = {key: f"$initial_{key.lstrip('$')}" for key in AUTO_PERSON_PROPERTIES}
_AUTO_KEYS = _AUTO_SET | set(_INITIAL_KEYS.values())
_SERVER_SKIPPED = {"$os", "$os_version"}
_GEOIP_ALWAYS_WRITTEN = {"$geoip_country_name", "$geoip_city_name"}


def is_illegal_distinct_id(distinct_id: str) -> bool:
    value = distinct_id.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return not value.strip() or value.lower() in _ILLEGAL_IDS_ANY_CASE or value in _ILLEGAL_IDS_EXACT


def unset_keys(value) -> list[str]:
    if isinstance(value, dict):
        return [str(key) for key in value]
    if isinstance(value, list):
        return [key for key in value if isinstance(key, str)]
    if isinstance(value, str):
        return [value]
    return []


@dataclass
class PropertyUpdate:
    """What one event asks of a person's properties.

    `automatic` holds the event properties PostHog lifts onto the person: each is a `$set` unless `set` names it,
    and its `$initial_*` twin a `$set_once` unless `set_once` names that.
    """

    set: dict = field(default_factory=dict)
    set_once: dict = field(default_factory=dict)
    unset: list = field(default_factory=list)
    automatic: dict = field(default_factory=dict)

    @classmethod
    def from_event(cls, properties: dict, *, lift_automatic: bool = True) -> "PropertyUpdate":
        set_values, set_once = properties.get("$set"), properties.get("$set_once")
        unset = unset_keys(properties["$unset"]) if "$unset" in properties else []
        automatic = {}
        if lift_automatic:
            automatic = {key: properties[key] for key in _AUTO_SET.intersection(properties)}
            if automatic and properties.get("$is_server") is True:
                for key in _SERVER_SKIPPED:
                    automatic.pop(key, None)
        return cls(
            set_values if isinstance(set_values, dict) else {},
            set_once if isinstance(set_once, dict) else {},
            unset,
            automatic,
        )

    def all_set(self) -> dict:
        return {**self.automatic, **self.set}

    def all_set_once(self) -> dict:
        return {**{_INITIAL_KEYS[key]: value for key, value in self.automatic.items()}, **self.set_once}


def _differs(properties: dict, key: str, value) -> bool:
    return key not in properties or type(properties[key]) is not type(value) or properties[key] != value


def apply_property_update(
    properties: dict, update: PropertyUpdate, *, force: bool = True
) -> tuple[dict, dict[str, str]] | None:
    """The new properties and {key: "set" | "set_once" | "unset"}, or None when nothing changes.

    $set_once only fills absent keys, $set overrides (also a $set_once of the same event), $unset runs last. Unless
    `force`, changes that only refresh existing automatic properties are not worth a write (None).
    """
    if not force and not update.set and not update.set_once and not update.unset:
        # Only lifted automatic properties: a write is due only when one of them or its `$initial_*` twin is absent
        # (refreshing present ones is never worth a write, below), which the common returning visitor never needs.
        automatic = update.automatic
        if properties.keys() >= automatic.keys() and all(
            map(properties.__contains__, map(_INITIAL_KEYS.__getitem__, automatic))
        ):
            return None
    if not properties and not update.unset:
        return _new_properties(update)
    changes: dict[str, tuple[str, object]] = {}
    for key, value in update.set_once.items():
        if key not in properties:
            changes[key] = ("set_once", value)
    for key, value in update.automatic.items():
        initial = _INITIAL_KEYS[key]
        if initial not in properties and initial not in update.set_once:
            changes[initial] = ("set_once", value)
    for key, value in update.set.items():
        if _differs(properties, key, value):
            changes[key] = ("set", value)
    for key, value in update.automatic.items():
        if key not in update.set and _differs(properties, key, value):
            changes[key] = ("set", value)
    for key in update.unset:
        if key in properties or key in changes:
            changes[key] = ("unset", None)
    if not changes:
        return None
    if not force and all(
        operation != "unset" and key in properties and (key in _AUTO_KEYS or _geoip_refresh(key))
        for key, (operation, _value) in changes.items()
    ):
        return None
    new = dict(properties)
    for key, (operation, value) in changes.items():
        if operation == "unset":
            new.pop(key, None)
        else:
            new[key] = value
    return new, {key: operation for key, (operation, _value) in changes.items()}


def _new_properties(update: PropertyUpdate) -> tuple[dict, dict[str, str]] | None:
    """apply_property_update on a person without properties (a new one): every key of the update is written."""
    new, operations = dict(update.set_once), dict.fromkeys(update.set_once, "set_once")
    for key, value in update.automatic.items():
        initial = _INITIAL_KEYS[key]
        if initial not in update.set_once:
            new[initial], operations[initial] = value, "set_once"
    new.update(update.set)
    operations.update(dict.fromkeys(update.set, "set"))
    for key, value in update.automatic.items():
        if key not in update.set:
            new[key], operations[key] = value, "set"
    return (new, operations) if new else None


def _geoip_refresh(key: str) -> bool:
    return key.startswith("$geoip_") and key not in _GEOIP_ALWAYS_WRITTEN
