"""run_backtest over a date window of a source whose corporate actions span more years."""

from __future__ import annotations

import pytest

import mi_kernel as mi
from mi_kernel import tools
from mi_kernel.runstore import RunStore


@pytest.mark.xdist_group("engine")
def test_actions_outside_the_window_are_left_out(store: RunStore) -> None:
    # bokeh_corporate_actions covers 2000-2013: splits long before, dividends after the window
    ctx = mi.session(runs_root=str(store.root))
    tools.fetch_market_data(["AAPL", "MSFT"], "2008-01-01", "2010-12-31", source="bokeh_ohlcv")
    uri = tools.run_backtest(
        "equal_weight", "2009-01-02", "2010-06-30", capacity=False, tearsheet=False
    )
    report = mi.read_json(uri)
    assert tools.NO_ACTIONS_WARNING not in report["warnings"]
    assert report["start"].startswith("2009-01") and report["end"].startswith("2010-06-30")
    assert report["fills"] > 0 and report["attribution"]["dividends"] > 0  # MSFT's, in window
    inputs = {i.name for i in store.seal(ctx.run_id).inputs}
    assert {"bokeh_ohlcv", "bokeh_corporate_actions"} <= inputs
