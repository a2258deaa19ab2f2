"""Read observers hear of every catalog read in their context, and of nothing else."""

from __future__ import annotations

import threading

from mi_kernel import data
from mi_kernel.data import DatasetRead, observe_reads
from mi_kernel.data.observe import catalog_uri


def test_observers_hear_each_read_inside_their_block_only() -> None:
    seen: list[DatasetRead] = []
    data.load_sectors()
    with observe_reads(seen.append), observe_reads(seen.append):  # added once
        table = data.load_bars("bokeh_ohlcv", ["IBM", "MSFT"], start="2012-01-01")
        other = threading.Thread(target=data.load_sectors)  # another context: not observed
        other.start()
        other.join()
    data.load_sectors()
    [read] = seen
    assert read.name == "bokeh_ohlcv" and read.table is table
    assert read.uri == "catalog://bokeh_ohlcv?start=2012-01-01&symbols=IBM,MSFT"


def test_intake_reads_of_the_catalog_are_heard_too() -> None:
    seen: list[DatasetRead] = []
    with observe_reads(seen.append):
        data.open_catalog()["sp500_sectors"].read()  # Intake, not a mi_kernel.data loader
    assert [r.uri for r in seen] == ["catalog://sp500_sectors"] and len(seen[0].table) == 524


def test_catalog_uri_leaves_out_empty_filters() -> None:
    assert catalog_uri("x", {"symbols": None, "start": None}) == "catalog://x"
    assert catalog_uri("x", {"n_symbols": 12, "seed": 3}) == "catalog://x?n_symbols=12&seed=3"
