"""The sweep's comparison chart: a bar per backtested variant, the best marked, no timestamp."""

from __future__ import annotations

import pandas as pd

from mi_kernel.viz.sweep import comparison_svg, history_svg


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


def test_a_study_suggesting_the_same_values_twice_keeps_a_bar_for_each() -> None:
    table = _table().assign(status="succeeded", sharpe=[0.4, -0.2, 0.1], **{"p:embargo": "5"})
    svg = comparison_svg(table, {"best": "r1", "deflated_sharpe": 0.2, "trials": 9})
    assert svg is not None
    assert "#1: embargo=5" in svg and "#2: embargo=5" in svg and "#3: embargo=5" in svg


def test_the_history_of_a_study() -> None:
    trials = [
        {"number": 0, "value": 0.1, "state": "complete"},
        {"number": 1, "value": None, "state": "fail"},
        {"number": 2, "value": 0.5, "state": "complete"},
    ]
    study = {
        "sampler": "TPESampler",
        "seed": 7,
        "objective": "sharpe",
        "trials": trials,
        "best": trials[2],
    }
    svg = history_svg(study)
    assert svg is not None and "TPESampler (seed 7), 3 trials, 1 failed" in svg
    assert "best: trial 2, 0.50" in svg and svg == history_svg(study)
    assert history_svg(study | {"trials": [trials[1]], "best": None}) is None
