"""Every catalog read made while a run is current is one of its inputs, with its content hash."""

from __future__ import annotations

import json

import mi_kernel as mi
from mi_kernel import data
from mi_kernel.runstore import RunStore, sha256_frame


def test_session_records_benchmark_and_sectors_as_inputs(store: RunStore) -> None:
    ctx = mi.session(runs_root=str(store.root))
    data.load_benchmark("sp500")
    data.load_sectors("sp500_ohlcv")
    data.load_sectors("sp500_ohlcv")  # the same table again: recorded once
    inputs = {i.name: i for i in store.seal(ctx.run_id).inputs}
    assert set(inputs) == {"sp500_index", "sp500_sectors"}
    index = data.read("sp500_index", symbols=["SPX"])  # what load_benchmark read
    sectors = data.read("sp500_sectors")
    assert inputs["sp500_index"].sha256 == sha256_frame(index)
    assert inputs["sp500_index"].rows == len(index) > 8000
    assert inputs["sp500_index"].uri == "catalog://sp500_index?symbols=SPX"
    assert inputs["sp500_sectors"].sha256 == sha256_frame(sectors)
    assert inputs["sp500_sectors"].uri == "catalog://sp500_sectors"


def test_reads_outside_a_run_record_nothing(store: RunStore) -> None:
    ctx = store.start("unit")
    inputs = store.staging_dir(ctx.run_id) / "_meta/inputs.jsonl"
    data.load_sectors()  # no run is current
    assert not inputs.exists()
    with mi.use_run(ctx):
        data.load_bars("bokeh_ohlcv", ["IBM"], "2010-01-01", "2010-12-31")
    data.load_bars("bokeh_ohlcv", ["MSFT"])  # after the block: not this run's
    [entry] = [json.loads(line) for line in inputs.read_text().splitlines()]
    assert entry["name"] == "bokeh_ohlcv" and entry["rows"] == 252
    assert entry["uri"] == "catalog://bokeh_ohlcv?end=2010-12-31&start=2010-01-01&symbols=IBM"
    store.seal(ctx.run_id)
    with mi.use_run(ctx):  # once sealed, a run takes no more inputs; the read still works
        assert len(data.load_sectors()) == 524
    assert [i.name for i in store.manifest(ctx.run_id).inputs] == ["bokeh_ohlcv"]


def test_recording_an_input_twice_keeps_one_line(store: RunStore) -> None:
    ctx = store.start("unit")
    for _ in range(2):
        ctx.record_input("toy", "catalog://toy", "ab" * 32, rows=3)
    ctx.record_input("toy", "catalog://toy", "cd" * 32, rows=4)  # new content: a new input
    assert [i.sha256[:2] for i in store.seal(ctx.run_id).inputs] == ["ab", "cd"]
