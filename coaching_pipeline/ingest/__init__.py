"""Loading the landing zone into the warehouse's `raw` schema: file discovery, reading,
row validation, quarantine and the per-file transactional upsert."""

from __future__ import annotations

from ..config import settings
from .objects import SourceObject, all_objects


def configured_objects() -> list[SourceObject]:
    """Every landing-zone object, with the configured role, region and MEDDPICC fields declared."""
    crm = settings().crm
    return all_objects(crm.role_field, list(crm.meddpicc_fields.values()), crm.region_field)


def configured_object(name: str) -> SourceObject:
    return next(o for o in configured_objects() if o.name == name)
