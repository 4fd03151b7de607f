"""Landing zones generated for the generator's tests (test_generate_*.py): one S zone and
the internal XS ones (determinism, scale/seed independence, a non-January fiscal year).

They are session-scoped so that each is generated once for all the modules using them. That
holds only because every such module carries `pytestmark = pytest.mark.xdist_group("generate")`:
pytest-xdist (`--dist loadgroup`) then runs them all on one worker. A module using these
fixtures without that mark would generate them again on another worker.
"""

from __future__ import annotations

import json
import re

import pytest
from coaching_sample_generator import generate_landing_zone

from .helpers import AS_OF


@pytest.fixture(scope="session")
def zone(tmp_path_factory):
    out = tmp_path_factory.mktemp("landing_s")
    summary = generate_landing_zone(out, scale="S", seed=42, as_of=AS_OF)
    return out, summary


@pytest.fixture(scope="session")
def gong(zone):
    """Every parseable Gong page of the S zone, parsed once: stem -> [(file name, page)]."""
    root, _ = zone
    pages: dict[str, list] = {}
    for f in sorted((root / "gong").glob("*.json")):
        if f.name == "calls_9999.json":
            continue
        stem = re.sub(r"_\d{4}$", "", f.stem)
        pages.setdefault(stem, []).append((f, json.loads(f.read_text())))
    return pages


@pytest.fixture(scope="session")
def xs_zones(tmp_path_factory):
    runs = {}
    for name, seed, fy in (("a", 42, 1), ("b", 42, 1), ("c", 43, 1), ("fy_a", 42, 2), ("fy_b", 42, 2)):
        out = tmp_path_factory.mktemp(f"landing_xs_{name}")
        runs[name] = (out, generate_landing_zone(out, scale="XS", seed=seed, as_of=AS_OF, fiscal_year_start_month=fy))
    return runs
