"""Backtest trials counted from the run ledger, and the deflated Sharpe ratio they feed."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mi_kernel import metrics as m
from mi_kernel.errors import ConfigError
from mi_kernel.governance.trials import (
    TRIAL_COLUMNS,
    deflated_from_ledger,
    ledger_trials,
    record_trial,
    variant_id,
)
from mi_kernel.runstore import Ledger

DATA = "d" * 64
OTHER_DATA = "e" * 64


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "runs" / "ledger.jsonl")


@pytest.fixture
def returns() -> pd.Series:
    rng = np.random.default_rng(3)
    idx = pd.bdate_range("2021-01-01", periods=750, tz="UTC")
    return pd.Series(rng.normal(0.0008, 0.01, 750), index=idx)


def vid(window: int, data_hash: str = DATA) -> str:
    return variant_id("sma_crossover", {"fast": window, "slow": 50}, {}, None, None, data_hash)


def test_variant_id_is_canonical() -> None:
    a = variant_id(
        "sma", {"fast": 10, "slow": 50}, {"commission_bps": 1.0}, "2020-01-01", None, DATA
    )
    same = variant_id(
        "sma",
        {"slow": np.int64(50), "fast": 10},  # key order and numpy scalars do not matter
        {"commission_bps": np.float64(1.0)},
        pd.Timestamp("2020-01-01", tz="UTC"),
        None,
        DATA,
    )
    assert a == same and len(a) == 64
    assert variant_id("sma", None, None, None, None, DATA) == variant_id(
        "sma", {}, {}, None, None, DATA
    )
    others = {
        variant_id(
            "sma", {"fast": 11, "slow": 50}, {"commission_bps": 1.0}, "2020-01-01", None, DATA
        ),
        variant_id(
            "sma", {"fast": 10, "slow": 50}, {"commission_bps": 2.0}, "2020-01-01", None, DATA
        ),
        variant_id(
            "sma", {"fast": 10, "slow": 50}, {"commission_bps": 1.0}, "2020-01-02", None, DATA
        ),
        variant_id(
            "sma", {"fast": 10, "slow": 50}, {"commission_bps": 1.0}, "2020-01-01", None, "x"
        ),
        variant_id(
            "ema", {"fast": 10, "slow": 50}, {"commission_bps": 1.0}, "2020-01-01", None, DATA
        ),
    }
    assert a not in others and len(others) == 5


def test_distinct_variants_counted_per_data_hash(ledger: Ledger) -> None:
    record_trial(ledger, "run-1", vid(10), "sma_crossover", DATA, 0.4, 500)
    record_trial(ledger, "run-1", vid(20), "sma_crossover", DATA, 0.9, 500)
    record_trial(ledger, "run-2", vid(30), "sma_crossover", DATA, -0.2, 500)
    record_trial(ledger, "run-3", vid(10), "sma_crossover", DATA, 0.5, 500)  # a repeat
    record_trial(ledger, "run-3", vid(10, OTHER_DATA), "sma_crossover", OTHER_DATA, 2.0, 500)
    ledger.append("note", "unrelated", actor="t", detail={"data_hash": DATA})

    trials = ledger_trials(ledger, DATA)
    assert list(trials.columns) == list(TRIAL_COLUMNS)
    assert list(trials["variant_id"]) == [vid(10), vid(20), vid(30)]  # first seen first
    repeat = trials.iloc[0]
    assert repeat["sharpe"] == 0.5 and repeat["run_id"] == "run-3" and repeat["n_records"] == 2
    assert repeat["first_seen"] < repeat["last_seen"]
    assert len(ledger_trials(ledger, OTHER_DATA)) == 1
    assert ledger_trials(ledger, "f" * 64).empty
    assert ledger.verify() == []


def test_failed_trials_count_and_keep_the_chain_intact(ledger: Ledger) -> None:
    # a run that died before producing a Sharpe ratio still tried its variant
    record_trial(ledger, "run-failed", vid(10), "sma_crossover", DATA, None, 0)
    record_trial(ledger, "run-nan", vid(20), "sma_crossover", DATA, float("nan"), 3, {"x": np.nan})
    record_trial(ledger, "run-ok", vid(30), "sma_crossover", DATA, np.float64(0.7), np.int64(500))
    assert ledger.verify() == []
    trials = ledger_trials(ledger, DATA)
    assert len(trials) == 3
    assert trials["sharpe"].isna().tolist() == [True, True, False]
    stored = [json.loads(line) for line in ledger.path.read_text().splitlines()]
    assert [e["kind"] for e in stored] == ["backtest.trial"] * 3
    assert stored[1]["detail"]["sharpe"] is None and stored[1]["detail"]["x"] is None


def test_dsr_uses_ledger_trials_like_the_report(ledger: Ledger, returns: pd.Series) -> None:
    ledger_sharpes = [0.3, -0.4, 1.1, 0.2]
    for i, sr in enumerate(ledger_sharpes):
        record_trial(ledger, "run-1", vid(i), "sma_crossover", DATA, sr, 750)
    out = deflated_from_ledger(returns, ledger, DATA)
    own = m.sharpe(returns)
    assert out["n_trials"] == 5 and out["n_ledger_trials"] == 4
    assert out["sharpe"] == pytest.approx(own)
    # the report's convention: the current variant's Sharpe joins the trial Sharpes
    trial_sharpes = [*ledger_sharpes, own]
    assert out["trial_sharpe_var"] == pytest.approx(np.var(trial_sharpes, ddof=1))
    assert out["dsr"] == pytest.approx(
        m.deflated_sharpe_ratio(returns, 5, trial_sharpes=trial_sharpes)
    )
    assert out["psr"] == pytest.approx(m.probabilistic_sharpe_ratio(returns))
    assert out["expected_max_sharpe"] == pytest.approx(
        m.expected_max_sharpe(5, out["trial_sharpe_var"])
    )
    assert out["dsr"] < out["psr"]


def test_current_variant_counted_once(ledger: Ledger, returns: pd.Series) -> None:
    record_trial(ledger, "run-1", vid(1), "sma_crossover", DATA, 0.1, 750)
    record_trial(ledger, "run-1", vid(2), "sma_crossover", DATA, 99.0, 750)  # stale Sharpe
    assert deflated_from_ledger(returns, ledger, DATA, variant_id=vid(2))["n_trials"] == 2
    assert deflated_from_ledger(returns, ledger, DATA, variant_id=vid(3))["n_trials"] == 3
    assert deflated_from_ledger(returns, ledger, DATA)["n_trials"] == 3
    # the judged variant's Sharpe comes from its returns, not its (stale) ledger record
    var = deflated_from_ledger(returns, ledger, DATA, variant_id=vid(2))["trial_sharpe_var"]
    assert var == pytest.approx(np.var([0.1, m.sharpe(returns)], ddof=1))


def test_no_trials_means_no_deflation(ledger: Ledger, returns: pd.Series) -> None:
    out = deflated_from_ledger(returns, ledger, DATA)
    assert out["n_trials"] == 1 and out["trial_sharpe_var"] == 0.0
    assert out["dsr"] == pytest.approx(out["psr"])
    assert not ledger.path.exists()  # reading never creates the ledger


def test_dsr_falls_as_trials_grow(ledger: Ledger, returns: pd.Series) -> None:
    # trial Sharpes alternate -1, +1, so their dispersion stays near 1 as their number grows
    dsrs, counts = [], []
    for i in range(30):
        record_trial(ledger, "run", vid(i), "sma_crossover", DATA, (-1.0) ** i, 750)
        if i in (1, 3, 9, 29):
            out = deflated_from_ledger(returns, ledger, DATA)
            dsrs.append(out["dsr"])
            counts.append(out["n_trials"])
    assert counts == [3, 5, 11, 31]
    assert all(a > b for a, b in itertools.pairwise(dsrs))
    assert ledger.verify() == []


def test_trials_without_sharpes_cannot_deflate(ledger: Ledger, returns: pd.Series) -> None:
    record_trial(ledger, "run-failed", vid(1), "sma_crossover", DATA, None, 0)
    out = deflated_from_ledger(returns, ledger, DATA)
    assert out["n_trials"] == 2
    assert np.isnan(out["trial_sharpe_var"]) and np.isnan(out["dsr"])
    with pytest.raises(ConfigError, match="undefined"):
        deflated_from_ledger(np.zeros(50), ledger, DATA, periods_per_year=252)
