"""Fixtures shared by the coaching test modules; their plain helpers are in helpers.py (weekly
series and state) and skills_helpers.py (hand-made evidence)."""

import duckdb
import pytest

from coaching_pipeline.coaching.schema import ensure_schema

# the helpers assert too: rewrite them like test modules, for the same failure messages
pytest.register_assert_rewrite("assets_tests.coaching.helpers", "assets_tests.coaching.skills_helpers")


@pytest.fixture
def con(tmp_path):
    """An empty coaching schema in a temporary warehouse."""
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schema(connection)
    yield connection
    connection.close()
