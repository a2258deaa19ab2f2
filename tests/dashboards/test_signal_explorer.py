"""The Signal Explorer: the reasons it shows are the signal's own, filters filter, the regime is
the model's most probable state that day — and the page works offline in Chromium."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from mi_kernel.runstore import RunStore
from mi_kernel.viz.serve import panel_command
from mi_kernel.viz.signal_explorer import (
    ExplorerData,
    history_of,
    load_explorer,
    regime_at,
    signal_table,
    text_evidence,
    versions,
    why,
)
from tests.dashboards.browser import free_port, offline_page, served

pytestmark = [pytest.mark.xdist_group("notebooks")]


@pytest.fixture(scope="module")
def ex(demo: tuple[RunStore, str]) -> ExplorerData:
    store, run_id = demo
    return load_explorer(store, run_id)


def test_the_table_is_the_latest_signals_strongest_first(ex: ExplorerData) -> None:
    version = next(iter(ex.signals))
    table = signal_table(ex, version)
    assert len(table) == len(ex.signals[version])
    assert table["score"].abs().is_monotonic_decreasing
    sector = table["sector"].iloc[0]
    only = signal_table(ex, version, [sector])
    assert len(only) and set(only["sector"]) == {sector}
    assert set(only["symbol"]) == {s for s, v in ex.sectors.items() if v == sector} & set(
        table["symbol"]
    )


def test_why_lists_the_signals_own_reasons_and_evidence(ex: ExplorerData) -> None:
    version = next(iter(ex.signals))
    sig = ex.signals[version]
    symbol = sig.loc[sig["score"].abs().idxmax(), "symbol"]
    reasons = why(ex, version, symbol)
    assert (
        list(zip(reasons["feature"], reasons["contribution"], strict=True))
        == (sig.loc[sig["symbol"] == symbol, "top"].iloc[0])
    )
    ts = sig["ts"].iloc[0]
    day = ex.features[ex.features["ts"] == ts].set_index("symbol")
    first = reasons.iloc[0]
    assert first["value"] == pytest.approx(float(day.loc[symbol, first["feature"]]))
    values = day[first["feature"]].dropna()
    assert first["percentile"] == pytest.approx(float((values < first["value"]).mean()))


def test_regime_and_history(ex: ExplorerData) -> None:
    version = next(iter(ex.signals))
    ts = ex.signals[version]["ts"].iloc[0]
    assert ex.regimes is not None
    known = ex.regimes[ex.regimes["ts"] <= ts].iloc[-1].drop("ts").astype(float)
    name, prob = regime_at(ex, ts)  # type: ignore[misc]
    assert prob == pytest.approx(known.max()) and name == ex.regime_names[known.idxmax()]
    symbol = ex.signals[version]["symbol"].iloc[0]
    hist = history_of(ex, version, symbol)
    oos = ex.history[version]
    assert len(hist) == int((oos["symbol"] == symbol).sum())
    cut = history_of(ex, version, symbol, start=hist.index[10].tz_convert(None))
    assert len(cut) == len(hist) - 10 and isinstance(cut.index, pd.DatetimeIndex)


def test_a_version_without_signals_shows_its_last_predictions(ex: ExplorerData) -> None:
    """Every model version of the run is listed; one that did not score the signals shows its
    last out-of-sample predictions and no invented confidence or reasons."""
    scored = next(iter(ex.signals))
    oos = ex.history[scored].copy()
    oos.loc[oos["ts"] == oos["ts"].max(), "prediction"] *= -1  # a different model's view
    both = replace(ex, history={**ex.history, "other-model": oos})
    labels = versions(both)
    assert next(iter(labels.values())) == scored and labels["other-model · predictions only"]
    table = signal_table(both, "other-model")
    last = oos[oos["ts"] == oos["ts"].max()]
    assert len(table) == len(last) and set(table["as of"]) == {f"{oos['ts'].max():%Y-%m-%d}"}
    strongest = last.loc[last["prediction"].abs().idxmax()]
    assert table.iloc[0]["symbol"] == strongest["symbol"]
    assert table.iloc[0]["score"] == round(float(strongest["prediction"]), 1)
    assert table["confidence"].isna().all() and (table["top feature"] == "").all()


def test_the_text_evidence_is_the_signals_own_or_absent(ex: ExplorerData) -> None:
    """The demo's only text is of 1987: its strongest signals have evidence entries with no
    passage and the reason; a name outside them, another model or a run without the evidence
    step has none."""
    version = next(iter(ex.signals))
    sig = ex.signals[version]
    strongest = sig.loc[sig["score"].abs().idxmax(), "symbol"]
    found = text_evidence(ex, version, strongest)
    assert found is not None
    [entry] = found["signals"]
    assert entry["symbol"] == strongest and entry["passages"] == []
    assert entry["reason"].startswith(f"no document linked to {strongest} was known")
    weakest = sig.loc[sig["score"].abs().idxmin(), "symbol"]
    assert len(sig) > len(ex.evidence["signals"]) and text_evidence(ex, version, weakest) is None
    assert text_evidence(ex, "other-model", strongest) is None
    assert text_evidence(replace(ex, evidence={}), version, strongest) is None


@pytest.mark.browser
def test_the_explorer_works_offline(demo: tuple[RunStore, str], tmp_path: Path) -> None:
    store, run_id = demo
    port = free_port()
    url = f"http://127.0.0.1:{port}/signal_explorer"
    cmd = panel_command(port, ("signal_explorer",))
    env = {"MI_RUNS_ROOT": str(store.root)}
    with served(cmd, url, env, tmp_path / "panel.log"), offline_page() as page:
        p = page.page
        p.goto(url)
        p.get_by_text("Evidence: the feature values", exact=False).wait_for(timeout=60_000)
        p.get_by_text("text evidence, cited", exact=False).first.wait_for(timeout=30_000)
        page.wait_for_canvases(2)
        first = load_explorer(store, run_id)
        version = next(iter(first.signals))
        other = signal_table(first, version)["symbol"].iloc[3]
        p.locator("select:not([multiple])").nth(2).select_option(other)  # run, version, ticker
        p.get_by_text(f"Why {other}", exact=False).first.wait_for(timeout=30_000)
        page.wait_for_canvases(2)
        page.screenshot("signal_explorer")
        page.check()
