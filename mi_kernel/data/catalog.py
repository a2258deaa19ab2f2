"""The Intake 2 catalog: ``catalog.yml`` has one entry per registered source.

Each entry is a :class:`CanonicalReader` (an Intake 2 reader) naming its source; reading it
returns the source's canonical table, filtered by ``symbols``, ``start`` and ``end``::

    import intake
    cat = intake.from_yaml_file("catalog.yml")
    bars = cat["sp500_ohlcv"].read(symbols=["AAPL"], start="2010-01-01")

``python -m mi_kernel.devtools.catalogfile`` rewrites ``catalog.yml`` from the registry; a
test checks that the committed file and the registry agree.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import intake
import pandas as pd
import yaml
from intake.readers.readers import BaseReader

from mi_kernel.data.sources import SOURCES, read_source
from mi_kernel.errors import ConfigError

CATALOG_NAME = "catalog.yml"


class CanonicalReader(BaseReader):
    """Intake 2 reader of one registered mi source, returning its canonical table."""

    output_instance = "pandas:DataFrame"
    imports: ClassVar[set[str]] = {"mi_kernel", "pandas"}  # type: ignore[misc]

    def _read(self, source: str, **kwargs: Any) -> pd.DataFrame:  # type: ignore[override]
        return read_source(source, **kwargs)


def catalog_path() -> Path:
    """Where ``catalog.yml`` is: ``$MI_CATALOG``, else the project root beside the package."""
    env = os.environ.get("MI_CATALOG")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / CATALOG_NAME
    if not path.exists():
        raise ConfigError(
            f"no catalog at {path}; set MI_CATALOG to a catalog.yml or regenerate it with "
            "`python -m mi_kernel.devtools.catalogfile`"
        )
    return path


def build_catalog() -> Any:
    """Build the Intake catalog of every registered source (what ``catalog.yml`` holds)."""
    cat = intake.entry.Catalog(
        metadata={
            "description": "mi market-intelligence platform: every dataset a notebook reads. "
            "All data ships with installed packages or is generated locally: no network."
        }
    )
    for name in sorted(SOURCES):
        info = SOURCES[name].info
        meta = info.model_dump(mode="json", exclude={"name"})
        meta["caveats"] = list(info.caveats)
        cat[name] = CanonicalReader(source=name, metadata=meta)
    return cat


@cache
def _open(path: str, mtime: float) -> Any:
    try:
        cat = intake.from_yaml_file(path)
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"catalog {path} is not valid YAML ({' '.join(str(exc).split())}); fix it or "
            "regenerate it with `python -m mi_kernel.devtools.catalogfile`"
        ) from None
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        raise ConfigError(
            f"catalog {path} is not an Intake 2 catalog ({type(exc).__name__}: {exc}); "
            "regenerate it with `python -m mi_kernel.devtools.catalogfile`"
        ) from None
    if not hasattr(cat, "entries"):
        raise ConfigError(f"catalog {path} holds no entries mapping; regenerate it")
    return cat


def open_catalog() -> Any:
    """Open ``catalog.yml`` with Intake (cached until the file changes)."""
    path = catalog_path()
    return _open(str(path), path.stat().st_mtime)


def read(name: str, **filters: Any) -> pd.DataFrame:
    """Read catalog entry ``name`` (filters: ``symbols``, ``start``, ``end``, source options)."""
    cat = open_catalog()
    if name not in cat.entries:
        raise ConfigError(
            f"catalog {catalog_path()} has no entry {name!r}; entries: "
            f"{', '.join(sorted(cat.entries))}"
        )
    reader = getattr(cat.entries[name], "reader", "?")
    try:
        entry = cat[name]
    except ImportError as exc:
        raise ConfigError(
            f"catalog {catalog_path()} entry {name!r} names a reader that cannot be imported "
            f"({reader}: {exc}); the known reader is "
            f"{CanonicalReader.__module__}:{CanonicalReader.__name__}"
        ) from None
    return entry.read(**filters)  # type: ignore[no-any-return]
