"""The sweep's comparison chart: a bar per backtested variant, the best marked, no timestamp."""

from __future__ import annotations

import pandas as pd

from mi_kernel.viz.sweep import comparison_svg


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": ["r1", "r2", "r3"],
            "status": ["succeeded", "succeeded", "failed"],
            "p:embargo": ["5", "10", "20"],
            "p:label": ["x", "x", "x"],
            "sharpe": [0.4, -0.2, None],
        }
    )


def test_each_backtested_variant_gets_a_bar_and_the_title_deflates_the_best() -> None:
    summary = {"best": "r1", "deflated_sharpe": 0.31, "trials": 12}
    svg = comparison_svg(_table(), summary)
    assert svg is not None and svg.lstrip().startswith("<?xml")
    # the axis that varies names the bars; the failed variant has none
    assert "embargo=5" in svg and "embargo=10" in svg and "embargo=20" not in svg
    assert "label=x" not in svg  # a value every variant shares says nothing
    assert "deflated Sharpe 0.31 over 12 trials" in svg
    assert svg == comparison_svg(_table(), summary)  # no date inside: the same bytes again


def test_no_chart_without_a_backtest() -> None:
    assert comparison_svg(_table().drop(columns="sharpe"), {"best": None}) is None
    failed = _table().assign(status="failed")
    assert comparison_svg(failed, {"best": None}) is None
