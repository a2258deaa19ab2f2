"""Factor, style and sector exposures: hand-computed OLS and z-scores, no look-ahead."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.risk import factor_exposures, sector_exposures, style_exposures

UTC = "UTC"


def _days(n: int, start: str = "2024-01-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="D", tz=UTC)


def test_single_factor_ols_hand_computed() -> None:
    # x = 1 2 3 4, y = 1 3 2 4: Sxy = 4, Sxx = 5 -> beta 0.8, alpha 2.5 - 0.8 * 2.5 = 0.5;
    # fitted 1.3 2.1 2.9 3.7, residuals -0.3 0.9 -0.9 0.3 -> RSS 1.8, TSS 5 -> R2 0.64;
    # se(beta) = sqrt(RSS / (n - 2) / Sxx) = sqrt(0.18) -> t = 0.8 / 0.424264 = 1.885618
    idx = _days(4)
    factors = pd.DataFrame({"MKT": [1.0, 2.0, 3.0, 4.0]}, index=idx)
    returns = pd.DataFrame({"A": [1.0, 3.0, 2.0, 4.0]}, index=idx)
    out = factor_exposures(pd.Series({"A": 0.5}), returns, factors, idx[-1], window=4)
    assert out.betas.loc["A", "MKT"] == pytest.approx(0.8)
    assert out.alpha["A"] == pytest.approx(0.5)
    assert out.r2["A"] == pytest.approx(0.64)
    assert out.tstats.loc["A", "MKT"] == pytest.approx(0.8 / math.sqrt(0.18))
    assert out.book["MKT"] == pytest.approx(0.4)
    assert (out.n_obs["A"], out.coverage) == (4, 1.0)


def _exact_panel(n: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    idx = _days(n)
    f = pd.DataFrame(rng.normal(0, 0.01, (n, 2)), index=idx, columns=["MktRF", "SMB"])
    r = pd.DataFrame(
        {
            "A": 0.001 + 1.5 * f["MktRF"] - 0.5 * f["SMB"],
            "B": 0.8 * f["MktRF"] + 0.3 * f["SMB"],
            "C": -0.002 + 1.1 * f["MktRF"],
        }
    )
    return r, f


def test_two_factor_betas_and_book_exposure_hand_computed() -> None:
    r, f = _exact_panel()
    w = pd.Series({"A": 0.5, "B": 0.3, "C": -0.2})
    out = factor_exposures(w, r, f, f.index[-1], window=60)
    expected = pd.DataFrame(
        {"MktRF": [1.5, 0.8, 1.1], "SMB": [-0.5, 0.3, 0.0]}, index=["A", "B", "C"]
    )
    pd.testing.assert_frame_equal(out.betas, expected, atol=1e-10, check_names=False)
    # book: MktRF 0.5*1.5 + 0.3*0.8 - 0.2*1.1 = 0.77; SMB 0.5*-0.5 + 0.3*0.3 = -0.16
    assert out.book.to_dict() == pytest.approx({"MktRF": 0.77, "SMB": -0.16})
    assert out.r2.to_numpy() == pytest.approx([1.0, 1.0, 1.0])


def test_no_look_ahead_in_factor_betas() -> None:
    rng = np.random.default_rng(1)
    idx = _days(200)
    f = pd.DataFrame(rng.normal(0, 0.01, (200, 2)), index=idx, columns=["MKT", "HML"])
    r = pd.DataFrame(rng.normal(0, 0.01, (200, 3)), index=idx, columns=["A", "B", "C"])
    r = r.add(f["MKT"], axis=0)
    w = pd.Series({"A": 0.4, "B": 0.4, "C": 0.2})
    asof = idx[120]
    base = factor_exposures(w, r, f, asof, window=100)
    r2, f2 = r.copy(), f.copy()
    r2.iloc[121:] = rng.normal(0, 0.2, (79, 3))
    f2.iloc[121:] = rng.normal(0, 0.2, (79, 2))
    after = factor_exposures(w, r2, f2, asof, window=100)
    pd.testing.assert_frame_equal(base.betas, after.betas)
    pd.testing.assert_frame_equal(base.tstats, after.tstats)
    pd.testing.assert_series_equal(base.book, after.book)
    assert base.end == asof and base.start == idx[21]
    r2.iloc[120] = 0.5  # the asof row itself is used: changing it must matter
    assert not factor_exposures(w, r2, f2, asof, window=100).book.equals(base.book)


def test_monthly_factors_are_used_once_published() -> None:
    months = pd.date_range("2020-01-31", periods=36, freq="ME", tz=UTC)
    rng = np.random.default_rng(2)
    f = pd.DataFrame({"MktRF": rng.normal(0, 0.04, 36)}, index=months)
    r = pd.DataFrame({"A": 1.2 * f["MktRF"] + rng.normal(0, 0.01, 36)})
    asof = pd.Timestamp("2022-06-15", tz=UTC)
    w = pd.Series({"A": 1.0})
    assert factor_exposures(w, r, f, asof, window=24).end == pd.Timestamp("2022-05-31", tz=UTC)
    lagged = factor_exposures(w, r, f, asof, window=24, publication_lag="20D")
    assert lagged.end == pd.Timestamp("2022-04-30", tz=UTC)  # May's row is known June 20
    assert lagged.betas.loc["A", "MktRF"] == pytest.approx(1.2, abs=0.1)


def test_short_history_gives_nan_and_partial_coverage() -> None:
    r, f = _exact_panel(30)
    r.loc[r.index[:27], "C"] = np.nan  # 3 periods < 2 factors + 2
    out = factor_exposures(pd.Series({"A": 0.6, "C": -0.4}), r, f, f.index[-1], window=30)
    assert out.betas.loc["C"].isna().all() and out.n_obs["C"] == 3
    assert out.coverage == pytest.approx(0.6)
    assert out.book["MktRF"] == pytest.approx(0.6 * 1.5)


def test_factor_errors() -> None:
    r, f = _exact_panel(30)
    w = pd.Series({"A": 1.0, "ZZ": 0.5})
    with pytest.raises(DataError, match=r"\['ZZ'\]"):
        factor_exposures(w, r, f, f.index[-1], window=30)
    with pytest.raises(ConfigError, match="timezone"):
        factor_exposures(pd.Series({"A": 1.0}), r, f, "2024-01-20", window=30)
    with pytest.raises(DataError, match="no complete factor period"):
        factor_exposures(pd.Series({"A": 1.0}), r, f, "2023-01-01T00:00Z", window=30)
    daily = r.set_axis(r.index + pd.Timedelta("12h"))  # no stamp in common with the factors
    with pytest.raises(DataError, match="factors' frequency"):
        factor_exposures(pd.Series({"A": 1.0}), daily, f, f.index[-1], window=30)
    with pytest.raises(ConfigError, match="min_obs"):
        factor_exposures(pd.Series({"A": 1.0}), r, f, f.index[-1], window=30, min_obs=2)


def _chars() -> pd.DataFrame:
    d1, d2 = pd.Timestamp("2024-03-29", tz=UTC), pd.Timestamp("2024-04-30", tz=UTC)
    rows = [
        (d1, "A", 1.0, 5.0),
        (d1, "B", 2.0, 5.0),
        (d1, "C", 3.0, 5.0),
        (d1, "D", np.nan, 5.0),
        (d2, "A", 9.0, 1.0),
        (d2, "B", 0.0, 2.0),
        (d2, "C", 0.0, 3.0),
    ]
    return pd.DataFrame(rows, columns=["ts", "symbol", "size", "value"])


def test_style_z_scores_hand_computed_on_the_last_date_before_asof() -> None:
    # 2024-03-29 size 1 2 3: mean 2, population sd sqrt(2/3) -> z = -1.224745, 0, 1.224745;
    # value is 5 for everyone: zero spread -> z = 0; D has no size -> NaN, no exposure.
    w = pd.Series({"A": 0.5, "C": 0.3, "D": 0.2})
    out = style_exposures(w, _chars(), "2024-04-15T00:00Z")
    assert out.date == pd.Timestamp("2024-03-29", tz=UTC)
    z = math.sqrt(1.5)
    assert out.zscores.loc["A", "size"] == pytest.approx(-z)
    assert out.zscores.loc["C", "size"] == pytest.approx(z)
    assert np.isnan(out.zscores.loc["D", "size"])
    assert out.book["size"] == pytest.approx(-0.2 * z)  # 0.5 (-z) + 0.3 z
    assert out.book["value"] == 0.0
    assert out.coverage.to_dict() == pytest.approx({"size": 0.8, "value": 1.0})


def test_style_exposures_ignore_rows_after_asof() -> None:
    w = pd.Series({"A": 0.5, "B": -0.5})
    chars = _chars()
    base = style_exposures(w, chars, "2024-04-15T00:00Z")
    chars.loc[chars["ts"] > pd.Timestamp("2024-04-15", tz=UTC), ["size", "value"]] = 99.0
    after = style_exposures(w, chars, "2024-04-15T00:00Z")
    pd.testing.assert_series_equal(base.book, after.book)
    later = style_exposures(w, chars, "2024-04-30T00:00Z")
    assert later.date == pd.Timestamp("2024-04-30", tz=UTC)
    with pytest.raises(DataError, match="no characteristics row"):
        style_exposures(w, chars, "2024-01-01T00:00Z")
    with pytest.raises(DataError, match="momentum"):
        style_exposures(w, chars, "2024-04-15T00:00Z", columns=["momentum"])


def test_sector_exposures_hand_computed() -> None:
    w = pd.Series({"A": 0.3, "B": -0.1, "C": 0.2, "D": -0.25, "E": 0.0})
    out = sector_exposures(w, {"A": "Tech", "B": "Tech", "D": "Energy"})
    assert out.loc["Tech"].to_dict() == pytest.approx(
        {"long": 0.3, "short": -0.1, "net": 0.2, "gross": 0.4}
    )
    assert out.loc["Energy"].to_dict() == pytest.approx(
        {"long": 0.0, "short": -0.25, "net": -0.25, "gross": 0.25}
    )
    assert out.loc["Unknown", "net"] == pytest.approx(0.2)
    assert out["gross"].sum() == pytest.approx(0.85) and out["net"].sum() == pytest.approx(0.15)


@settings(max_examples=25, deadline=None)
@given(st.permutations(["A", "B", "C"]), st.floats(0.1, 5.0))
def test_exposures_are_order_invariant_and_linear_in_weights(order, c) -> None:
    r, f = _exact_panel()
    w = pd.Series({"A": 0.5, "B": 0.3, "C": -0.2})
    base = factor_exposures(w, r, f, f.index[-1], window=60).book
    moved = factor_exposures((c * w)[order], r[order], f, f.index[-1], window=60).book
    assert moved.to_numpy() == pytest.approx(c * base.to_numpy())
