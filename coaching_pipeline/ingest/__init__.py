"""Loading the landing zone into the warehouse's `raw` schema: file discovery, reading,
row validation, quarantine and the per-file transactional upsert."""

from __future__ import annotations

from ..config import CrmSettings, settings
from .objects import SourceObject, all_objects


def objects_for(crm: CrmSettings) -> list[SourceObject]:
    """Every landing-zone object, with the custom fields of `crm` declared."""
    return all_objects(crm.role_field, list(crm.meddpicc_fields.values()), crm.region_field,
                       segment_field=crm.segment_field, csm_field=crm.csm_field, sdr_field=crm.sdr_field)


def configured_objects() -> list[SourceObject]:
    """Every landing-zone object, with the configured role, region, segment, CSM, SDR and
    MEDDPICC fields declared."""
    return objects_for(settings().crm)


def configured_object(name: str) -> SourceObject:
    return next(o for o in configured_objects() if o.name == name)
