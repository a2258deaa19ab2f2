"""build_book / optimized_weights: signals to an optimised book, point in time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.compliance import Book, check
from mi_kernel.errors import ConfigError, DataError
from mi_kernel.portfolio import OptimizerSpec, build_book, constraints_from_book, optimized_weights

BOOK = {
    "max_position": 0.08,
    "max_sector": 0.4,
    "max_gross": 1.0,
    "max_net": 0.1,
    "min_net": -0.1,
    "restricted": ["S01"],
}


def _market(seed: int = 0, t: int = 200, n: int = 30) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2021-01-01", periods=t, freq="B", tz="UTC")
    names = [f"S{i:02d}" for i in range(n)]
    returns = pd.DataFrame(rng.normal(0.0003, 0.015, (t, n)), index=idx, columns=names)
    scores = rng.normal(size=(t, n))
    signals = pd.DataFrame(
        {"ts": np.repeat(idx, n), "symbol": np.tile(names, t), "score": scores.ravel()}
    )
    return returns, signals


def _constraints(names: list[str]):
    return constraints_from_book(
        {**BOOK, "sectors": {s: f"sec{i % 4}" for i, s in enumerate(names)}}
    )


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("mean_variance", "signals"),
        ("max_sharpe", "black_litterman"),
        ("mean_variance", "historical"),
    ],
)
def test_book_passes_the_compliance_check(method: str, expected: str) -> None:
    returns, signals = _market()
    cons = _constraints(list(returns.columns))
    last = signals[signals["ts"] == signals["ts"].max()].set_index("symbol")["score"]
    spec = OptimizerSpec(method=method, expected_returns=expected, risk_aversion=5.0)
    book = build_book(last, returns, spec, cons, ic=0.05, ic_t=3.0)
    assert book.fallback is None
    weights = book.weights.rename_axis("symbol").reset_index(name="weight")
    result = check(weights, Book.model_validate({**BOOK, "sectors": cons.sectors}))
    assert result.ok, result.violations
    assert book.weights.get("S01", 0.0) == 0.0
    if expected == "black_litterman":
        assert 0 < book.confidence < 1 and book.black_litterman is not None


def test_preselect_keeps_both_tails() -> None:
    returns, signals = _market()
    last = signals[signals["ts"] == signals["ts"].max()].set_index("symbol")["score"]
    spec = OptimizerSpec(method="mean_variance", preselect=0.2)
    book = build_book(last, returns, spec, _constraints(list(returns.columns)), ic=0.05, ic_t=3)
    ranked = last.drop("S01").sort_values()
    assert set(book.names) == set(ranked.index[:5]) | set(ranked.index[-5:])


def test_infeasible_book_falls_back_as_stated() -> None:
    returns, signals = _market()
    last = signals[signals["ts"] == signals["ts"].max()].set_index("symbol")["score"]
    cons = constraints_from_book({**BOOK, "min_net": 0.5, "max_net": 0.6, "max_position": 0.01})
    spec = OptimizerSpec(method="mean_variance", fallback="cash")
    book = build_book(last, returns, spec, cons, ic=0.05, ic_t=3.0)
    assert (book.weights == 0).all() and "min_net" in book.fallback
    with pytest.raises(ConfigError, match="min_net"):
        build_book(last, returns, spec.model_copy(update={"fallback": "raise"}), cons, 0.05, 3.0)


def test_too_little_history_is_named() -> None:
    returns, signals = _market(t=30)
    last = signals[signals["ts"] == signals["ts"].max()].set_index("symbol")["score"]
    with pytest.raises(DataError, match="min_history=40"):
        build_book(last, returns, OptimizerSpec(method="mean_variance"), _constraints([]))


def test_unknown_optimizer_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown optimizer 'magic'"):
        OptimizerSpec(method="magic").check()


def test_rolling_books_use_nothing_after_their_date() -> None:
    returns, signals = _market()
    cons = _constraints(list(returns.columns))
    spec = OptimizerSpec(method="mean_variance", rebalance_every=10, risk_aversion=5.0)
    ic = pd.DataFrame({"ic": [0.02, 0.04], "t": [1.0, 2.5]}, index=returns.index[[50, 150]])
    weights, log = optimized_weights(signals, returns, spec, cons, ic=ic)
    cutoff = returns.index[120]
    later = returns.copy()
    later.loc[later.index > cutoff] *= -3.0  # the future changes completely
    shuffled = signals.copy()
    after = shuffled["ts"] > cutoff
    shuffled.loc[after, "score"] = -shuffled.loc[after, "score"]
    ic2 = ic.copy()
    ic2.iloc[1] = [0.5, 9.0]  # an IC stamped after the cutoff
    weights2, _ = optimized_weights(shuffled, later, spec, cons, ic=ic2)
    before = weights[weights["ts"] <= cutoff].reset_index(drop=True)
    before2 = weights2[weights2["ts"] <= cutoff].reset_index(drop=True)
    pd.testing.assert_frame_equal(before, before2)
    assert (
        not weights[weights["ts"] > cutoff]
        .reset_index(drop=True)
        .equals(weights2[weights2["ts"] > cutoff].reset_index(drop=True))
    )
    assert log["ts"].min() >= returns.index[spec.min_history - 1]


def test_book_definition_carries_extra_optimizer_constraints() -> None:
    from mi_kernel.portfolio import as_book_definition

    definition = as_book_definition(
        {**BOOK, "optimizer": {"method": "mean_variance", "constraints": {"max_names": 4}}}
    )
    assert definition.constraints().max_names == 4
    returns, signals = _market()
    last = signals[signals["ts"] == signals["ts"].max()].set_index("symbol")["score"]
    book = build_book(last, returns, definition.optimizer, definition.constraints(), 0.05, 3.0)
    assert (book.weights != 0).sum() <= 4
    with pytest.raises(ConfigError, match="max_nams"):
        as_book_definition({**BOOK, "optimizer": {"constraints": {"max_nams": 4}}}).constraints()
