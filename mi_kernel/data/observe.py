"""Read observers: who is told when a catalog dataset is read.

The data layer knows nothing about runs. A higher layer that must know what was read (the
run store records every dataset a run reads as one of its inputs) adds an observer to the
current context; :func:`mi_kernel.data.sources.read_source`, where every catalog read ends
(each ``load_*``, and ``intake`` entries read directly), tells each observer of each table it
returns. Observers are context-local (:class:`contextvars.ContextVar`): threads and tasks see
only their own. ::

    seen = []
    with observe_reads(seen.append):
        bars = data.load_bars("sp500_ohlcv", ["AAPL"])
    seen[0].uri  # 'catalog://sp500_ohlcv?symbols=AAPL'
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pandas as pd


@dataclass(frozen=True)
class DatasetRead:
    """One read of a catalog entry.

    Attributes
    ----------
    name : str
        The catalog entry (a registered source), e.g. ``"sp500_ohlcv"``.
    uri : str
        ``catalog://<name>``, with the read's filters and options as a query string.
    table : DataFrame
        The canonical table the read returned (observers must not modify it).
    """

    name: str
    uri: str
    table: pd.DataFrame


ReadObserver = Callable[[DatasetRead], None]

_OBSERVERS: contextvars.ContextVar[tuple[ReadObserver, ...]] = contextvars.ContextVar(
    "mi_read_observers", default=()
)


def catalog_uri(name: str, filters: Mapping[str, Any]) -> str:
    """Return ``catalog://<name>`` with the given filters (None left out) as a query string."""
    query = {
        key: ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        for key, value in sorted(filters.items())
        if value is not None
    }
    return f"catalog://{name}" + (f"?{urlencode(query, safe=',:')}" if query else "")


def add_read_observer(observer: ReadObserver) -> None:
    """Tell ``observer`` of every read in the current context from now on (once, if re-added)."""
    current = _OBSERVERS.get()
    if observer not in current:
        _OBSERVERS.set((*current, observer))


@contextlib.contextmanager
def observe_reads(observer: ReadObserver) -> Iterator[None]:
    """Tell ``observer`` of every read inside the ``with`` block (of the current context)."""
    token = _OBSERVERS.set(_OBSERVERS.get())
    add_read_observer(observer)
    try:
        yield
    finally:
        _OBSERVERS.reset(token)


def notify_read(name: str, table: pd.DataFrame, filters: Mapping[str, Any]) -> None:
    """Tell the current context's observers that ``table`` was read from entry ``name``."""
    observers = _OBSERVERS.get()
    if observers:
        read = DatasetRead(name, catalog_uri(name, filters), table)
        for observer in observers:
            observer(read)
