"""Person services: property rules, the batch person processor the ingestion worker uses, and its writer."""

from persons.services.batch import PersonBatch, PersonState
from persons.services.flush import person_batch_flush
from persons.services.properties import (
    AUTO_PERSON_PROPERTIES,
    PropertyUpdate,
    apply_property_update,
    is_illegal_distinct_id,
    unset_keys,
)

__all__ = [
    "AUTO_PERSON_PROPERTIES",
    "PersonBatch",
    "PersonState",
    "PropertyUpdate",
    "apply_property_update",
    "is_illegal_distinct_id",
    "person_batch_flush",
    "unset_keys",
]
