"""Sales-coaching analytics warehouse: ingestion, dbt marts, coaching and digests on Dagster."""

import builtins
import importlib.util


def _settle_the_pandas_probe() -> None:
    """DuckDB's Python client runs `import pandas` twice on every execute() (to recognise
    DataFrame parameters). pandas is not installed here, and Python does not remember a failed
    import: each attempt searched every folder of sys.path again, ~0.25 ms, a third of a
    workbench page at M (216 failed imports a page, 52 of its 150 ms).

    When pandas is absent, an `import pandas` statement (DuckDB's too: the C API imports
    through builtins.__import__) now fails at once with the error the search ends with.
    importlib.util.find_spec and importlib.import_module are left as they are, so libraries
    that probe for pandas that way see the same answer; an installed pandas is left alone."""
    if importlib.util.find_spec("pandas") is not None or getattr(builtins.__import__, "_skips_pandas", False):
        return
    python_import = builtins.__import__

    def import_without_pandas(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and (name == "pandas" or name.startswith("pandas.")):
            raise ModuleNotFoundError(f"No module named {name.split('.')[0]!r}", name=name.split(".")[0])
        return python_import(name, globals, locals, fromlist, level)

    import_without_pandas._skips_pandas = True
    builtins.__import__ = import_without_pandas


_settle_the_pandas_probe()
