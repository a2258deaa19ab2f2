"""The Portfolio Console's what-ifs: the run's book is reproduced, changes move it, a saved
what-if is a new sealed run, the sealed run is never touched — and the page works offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from mi_kernel.backtest import whatif as wi
from mi_kernel.errors import ConfigError
from mi_kernel.runstore import RunStore, verify_run
from mi_kernel.viz.serve import panel_command
from tests.dashboards.browser import free_port, offline_page, served

pytestmark = [pytest.mark.xdist_group("notebooks")]


@pytest.fixture(scope="module")
def inputs(demo: tuple[RunStore, str]) -> wi.WhatIfInputs:
    store, run_id = demo
    return wi.load_inputs(store, run_id)


def test_no_change_reproduces_the_runs_book(inputs: wi.WhatIfInputs) -> None:
    base = wi.what_if(inputs)
    book = inputs.book[inputs.book != 0]
    assert sorted(base.weights.index) == sorted(book.index)
    assert (base.weights - book).abs().max() < 1e-8
    assert base.turnover < 1e-8 and base.expected_cost == pytest.approx(0.0, abs=1e-6)


def test_a_long_only_min_variance_book_respects_its_limits(inputs: wi.WhatIfInputs) -> None:
    res = wi.what_if(
        inputs, {"method": "min_variance", "long_only": True, "max_position": 0.1, "preselect": 1.0}
    )
    w = res.weights
    assert (w > 0).all() and w.sum() == pytest.approx(1.0, abs=1e-6)
    assert w.max() <= 0.1 + 1e-6
    names = inputs.book.index.union(w.index)
    traded = w.reindex(names, fill_value=0) - inputs.book.reindex(names, fill_value=0)
    assert res.turnover == pytest.approx(traded.abs().sum())
    assert res.expected_cost > 0
    dearer = wi.what_if(
        inputs,
        {"method": "min_variance", "long_only": True, "max_position": 0.1, "preselect": 1.0},
        {"spread_bps": 50.0},
    )
    assert dearer.expected_cost > res.expected_cost  # costs follow the assumptions
    curve = wi.cost_curve(inputs, res)
    assert curve["cost_bps"].is_monotonic_increasing  # square-root impact grows with size
    assert set(res.risk.stress.index) >= set(wi.SCENARIOS)


def test_an_empty_book_is_a_clear_error(inputs: wi.WhatIfInputs) -> None:
    with pytest.raises(ConfigError, match="holds nothing under these constraints"):
        wi.what_if(inputs, {"method": "min_variance"})  # long/short, net band ±10 %


def test_saving_a_what_if_makes_a_new_sealed_run(
    demo: tuple[RunStore, str], inputs: wi.WhatIfInputs
) -> None:
    store, run_id = demo
    res = wi.what_if(
        inputs, {"method": "min_variance", "long_only": True, "max_position": 0.1, "preselect": 1.0}
    )
    new = wi.save_what_if(store, inputs, res, note="lower risk")
    m = store.manifest(new)
    assert m.pipeline == "whatif" and m.status == "succeeded" and new != run_id
    assert {i.name for i in m.inputs} >= {"signals", "history", "bars", "book"}
    assert all(i.uri.startswith(f"run://{run_id}/") for i in m.inputs if i.name == "book")
    assert verify_run(store, new).ok and verify_run(store, run_id).ok


@pytest.mark.browser
def test_the_console_re_optimises_offline(demo: tuple[RunStore, str], tmp_path: Path) -> None:
    store, _ = demo
    port = free_port()
    cmd = panel_command(port, ("portfolio_console",))
    url = f"http://127.0.0.1:{port}/portfolio_console"
    with (
        served(cmd, url, {"MI_RUNS_ROOT": str(store.root)}, tmp_path / "panel.log"),
        offline_page() as page,
    ):
        p = page.page
        p.goto(url)
        p.get_by_text("its book re-measured", exact=False).wait_for(timeout=60_000)
        page.wait_for_canvases(3)
        before = p.locator("table").first.inner_text()
        p.locator("select").nth(3).select_option("sample")  # covariance
        p.get_by_role("button", name="Re-optimise").click()
        p.get_by_text("What-if: max_sharpe on sample", exact=False).wait_for(timeout=60_000)
        p.locator("table", has_text="max_sharpe / sample").first.wait_for(timeout=60_000)
        after = p.locator("table").first.inner_text()
        assert "max_sharpe / sample" in after and after != before  # the book moved
        p.locator("select").nth(2).select_option("min_variance")  # long/short: nothing held
        p.get_by_role("button", name="Re-optimise").click()
        p.get_by_text("Not re-optimised", exact=False).wait_for(timeout=60_000)
        page.wait_for_canvases(3)
        page.screenshot("portfolio_console")
        page.check()
