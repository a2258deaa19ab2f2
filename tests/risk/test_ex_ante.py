"""ex_ante(): hand-computed VaR / ES, cross-consistent volatility, Euler contributions."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.risk import RiskReport, ex_ante


def _panel(seed: int = 0, n: int = 120, k: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    common = rng.normal(0, 0.01, (n, 1))
    cols = [f"S{i}" for i in range(k)]
    return pd.DataFrame(common + rng.normal(0, 0.015, (n, k)), columns=cols)


def test_var_and_cvar_hand_computed() -> None:
    # losses 0.001 .. 0.100 (shuffled): at 95 % the VaR is the 6th largest loss and the
    # expected shortfall the mean of the 5 largest.
    losses = np.random.default_rng(1).permutation(np.arange(1, 101) / 1000)
    rep = ex_ante(pd.Series({"A": 1.0}), pd.DataFrame({"A": -losses}))
    assert rep.var == pytest.approx(0.095)
    assert rep.cvar == pytest.approx(np.mean([0.100, 0.099, 0.098, 0.097, 0.096]))
    assert rep.cvar >= rep.var


def test_volatility_matches_the_covariance_form_and_the_series_form() -> None:
    rets = _panel()
    w = pd.Series({"S0": 0.4, "S1": -0.3, "S3": 0.2})
    rep = ex_ante(w, rets, periods_per_year=52)
    cov = rets[w.index].cov().to_numpy()
    assert rep.volatility == pytest.approx(math.sqrt(w.to_numpy() @ cov @ w.to_numpy() * 52))
    assert rep.volatility == pytest.approx((rets[w.index] @ w).std(ddof=1) * math.sqrt(52))
    assert rep.periods_per_year == 52.0 and rep.n_periods == 120.0


def test_exposure_figures_hand_computed() -> None:
    w = pd.Series({"S0": 0.25, "S1": 0.25, "S2": -0.25, "S3": -0.25, "S4": 0.0})
    rep = ex_ante(w, _panel())
    assert (rep.gross, rep.net, rep.n_positions, rep.effective_n) == (1.0, 0.0, 4.0, 4.0)


def test_risk_contributions_of_orthogonal_assets() -> None:
    # zero sample covariance: RC_i = w_i^2 var_i / sum_j w_j^2 var_j
    a = np.tile([1.0, -1.0, 1.0, -1.0], 25) * 0.01
    b = np.tile([1.0, 1.0, -1.0, -1.0], 25) * 0.02
    rep = ex_ante(pd.Series({"A": 0.5, "B": 0.5}), pd.DataFrame({"A": a, "B": b}))
    assert rep.risk_contributions == pytest.approx({"A": 0.2, "B": 0.8})


def test_sector_exposures_net_by_sector_with_unknown() -> None:
    w = pd.Series({"S0": 0.3, "S1": -0.1, "S2": 0.2, "S3": 0.0})
    sectors = pd.Series({"S0": "Tech", "S1": "Tech", "S3": "Energy"})
    rep = ex_ante(w, _panel(), sectors=sectors)
    assert rep.sector_exposures == pytest.approx({"Tech": 0.2, "Unknown": 0.2})
    assert ex_ante(w, _panel(), sectors={"S2": "Utilities"}).sector_exposures == pytest.approx(
        {"Unknown": 0.2, "Utilities": 0.2}
    )


def test_to_dict_is_json_able_and_complete() -> None:
    rep = ex_ante(pd.Series({"S0": 0.5, "S2": -0.5}), _panel(), sectors=pd.Series({"S0": "X"}))
    out = json.loads(json.dumps(rep.to_dict()))
    for key in ("volatility", "var", "cvar", "gross", "net", "n_positions", "effective_n"):
        assert isinstance(out[key], float)
    assert set(out["risk_contributions"]) == {"S0", "S2"}
    assert out["sector_exposures"] == {"Unknown": -0.5, "X": 0.5}


def test_empty_book_has_no_risk() -> None:
    rep = ex_ante(pd.Series({"S0": 0.0}), _panel())
    assert (rep.volatility, rep.var, rep.cvar, rep.n_positions) == (0.0, 0.0, 0.0, 0.0)
    assert rep.risk_contributions == {} and rep.effective_n == 0.0
    json.dumps(rep.to_dict())


def test_missing_return_columns_raise_data_error_naming_them() -> None:
    w = pd.Series({"S0": 0.5, "ZZZ": 0.3, "YYY": 0.2, "S1": 0.0})
    with pytest.raises(DataError, match=r"\['ZZZ', 'YYY'\]"):
        ex_ante(w, _panel())
    ex_ante(pd.Series({"S0": 1.0, "ZZZ": 0.0}), _panel())  # an unheld name needs no returns


def test_incomplete_rows_are_left_out() -> None:
    rets = _panel()
    gappy = rets.copy()
    gappy.iloc[:10, 0] = np.nan
    w = pd.Series({"S0": 0.5, "S1": 0.5})
    assert ex_ante(w, gappy).n_periods == 110.0
    assert ex_ante(w, gappy).volatility == pytest.approx(ex_ante(w, rets.iloc[10:]).volatility)
    gappy.iloc[:, 1] = np.nan
    with pytest.raises(DataError, match="only 0 period"):
        ex_ante(w, gappy)


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="level"):
        ex_ante(pd.Series({"S0": 1.0}), _panel(), level=95)
    with pytest.raises(ConfigError, match="periods_per_year"):
        ex_ante(pd.Series({"S0": 1.0}), _panel(), periods_per_year=0)
    with pytest.raises(DataError, match="NaN"):
        ex_ante(pd.Series({"S0": np.nan}), _panel())
    with pytest.raises(DataError, match="more than once"):
        ex_ante(pd.Series([0.5, 0.5], index=["S0", "S0"]), _panel())


def test_report_is_frozen() -> None:
    rep = ex_ante(pd.Series({"S0": 1.0}), _panel())
    assert isinstance(rep, RiskReport)
    with pytest.raises(AttributeError):
        rep.volatility = 0.0  # type: ignore[misc]


weights_st = st.lists(st.floats(-1, 1).filter(lambda x: abs(x) > 1e-3), min_size=5, max_size=5)


@settings(max_examples=50, deadline=None)
@given(weights_st, st.integers(0, 1000), st.floats(0.1, 10))
def test_contributions_sum_to_one_and_scale_invariance(w, seed, c) -> None:
    rets = _panel(seed=seed, n=60)
    weights = pd.Series(w, index=rets.columns)
    rep = ex_ante(weights, rets)
    assert sum(rep.risk_contributions.values()) == pytest.approx(1.0)
    scaled = ex_ante(weights * c, rets)
    assert scaled.volatility == pytest.approx(c * rep.volatility)
    assert scaled.var == pytest.approx(c * rep.var, abs=1e-12)
    assert scaled.risk_contributions == pytest.approx(rep.risk_contributions)
    assert scaled.effective_n == pytest.approx(rep.effective_n / c**2)
    # asset order does not matter
    perm = list(reversed(rets.columns))
    flipped = ex_ante(weights[perm], rets[perm])
    assert flipped.volatility == pytest.approx(rep.volatility)
    assert flipped.risk_contributions == pytest.approx(rep.risk_contributions)
