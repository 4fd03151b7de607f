"""Next best actions marked done or deferred by their rep (dashboard)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
