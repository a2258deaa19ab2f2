"""walk_forward_regimes: no look-ahead, probabilities that sum to 1, regimes recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.regimes import (
    GaussianRegimeHMM,
    fit_market_regimes,
    market_features,
    walk_forward_regimes,
)

MIN_TRAIN, REFIT = 400, 100


@pytest.fixture(scope="module")
def result(two_regimes):
    ret, _ = two_regimes
    return walk_forward_regimes(ret.to_frame(), refit_every=REFIT, min_train=MIN_TRAIN)


def test_shape_and_rows_sum_to_one(result, two_regimes) -> None:
    ret, _ = two_regimes
    p = result.probabilities
    assert list(p.columns) == ["state_0", "state_1"] and p.index.equals(ret.index)
    assert p.iloc[:MIN_TRAIN].isna().all().all()
    known = p.iloc[MIN_TRAIN:]
    assert known.notna().all().all()
    np.testing.assert_allclose(known.sum(axis=1), 1.0)
    assert ((known >= 0) & (known <= 1)).all().all()
    refits = result.refits
    assert len(refits) == len(result.params) == int(np.ceil((len(ret) - MIN_TRAIN) / REFIT))
    assert (refits["train_end"] < refits["start"]).all()
    assert list(refits["n_train"]) == list(range(MIN_TRAIN, len(ret), REFIT))


def test_regimes_recovered_out_of_sample(result, two_regimes) -> None:
    _, state = two_regimes
    labels = result.labels()
    assert labels.iloc[:MIN_TRAIN].isna().all()
    accuracy = (labels.iloc[MIN_TRAIN:].to_numpy() == state[MIN_TRAIN:]).mean()
    assert accuracy > 0.85, accuracy
    assert (result.refits["vol_0"] < result.refits["vol_1"]).all()


@pytest.mark.parametrize("cut", [MIN_TRAIN - 1, MIN_TRAIN + REFIT - 1, MIN_TRAIN + REFIT, 777])
def test_no_look_ahead(result, two_regimes, cut: int) -> None:
    """Changing every observation after ``cut`` leaves the probabilities up to ``cut`` alone."""
    ret, _ = two_regimes
    altered = ret.copy()
    rng = np.random.default_rng(cut)
    altered.iloc[cut + 1 :] = rng.normal(3.0, 5.0, len(ret) - cut - 1)
    again = walk_forward_regimes(altered.to_frame(), refit_every=REFIT, min_train=MIN_TRAIN)
    pd.testing.assert_frame_equal(
        again.probabilities.iloc[: cut + 1], result.probabilities.iloc[: cut + 1]
    )
    assert not again.probabilities.iloc[cut + 1 :].equals(result.probabilities.iloc[cut + 1 :])


def test_no_look_ahead_from_the_index_level(two_regimes) -> None:
    ret, _ = two_regimes
    level = 100 * (1 + ret / 100).cumprod()
    kwargs = {"vol_window": 10, "refit_every": 150, "min_train": 300}
    base = fit_market_regimes(level, **kwargs)
    cut = 640
    shocked = level.copy()
    shocked.iloc[cut + 1 :] *= np.linspace(0.5, 2.0, len(level) - cut - 1)
    again = fit_market_regimes(shocked, **kwargs)
    end = base.features.index[base.features.index.get_loc(level.index[cut])]
    pd.testing.assert_frame_equal(
        again.probabilities.loc[:end], base.probabilities.loc[:end], check_exact=True
    )


def test_deterministic(result, two_regimes) -> None:
    ret, _ = two_regimes
    again = walk_forward_regimes(ret.to_frame(), refit_every=REFIT, min_train=MIN_TRAIN)
    pd.testing.assert_frame_equal(again.probabilities, result.probabilities, check_exact=True)


def test_three_states_on_market_features(two_regimes) -> None:
    ret, _ = two_regimes
    feats = market_features(100 * (1 + ret / 100).cumprod(), vol_window=10)
    est = GaussianRegimeHMM(n_states=3, warm_start=True)
    out = walk_forward_regimes(feats, est, refit_every=200, min_train=500)
    known = out.probabilities.dropna()
    np.testing.assert_allclose(known.sum(axis=1), 1.0)
    vols = out.refits[["vol_0", "vol_1", "vol_2"]].to_numpy()
    assert (np.diff(vols, axis=1) > 0).all()  # label switching resolved at every refit


def test_bad_inputs() -> None:
    idx = pd.bdate_range("2020-01-01", periods=50, tz="UTC")
    frame = pd.DataFrame({"ret": np.arange(50.0)}, index=idx)
    with pytest.raises(DataError, match="min_train"):
        walk_forward_regimes(frame, min_train=50)
    with pytest.raises(DataError, match="NaN"):
        walk_forward_regimes(frame.where(frame > 3), min_train=10)
    with pytest.raises(DataError, match="sort"):
        walk_forward_regimes(frame.iloc[::-1], min_train=10)
    with pytest.raises(ConfigError, match="refit_every"):
        walk_forward_regimes(frame, refit_every=0, min_train=10)
    with pytest.raises(DataError, match="non-positive"):
        market_features(pd.Series([1.0, -1.0, 2.0], index=idx[:3]))


# Stated tolerance of the faster path (scaled forward-backward in EM, one thread, the NumPy
# forward filter) against the old one (log-space EM, scipy's logsumexp): filtered
# probabilities within 1e-6, the same labels, EM iterations and convergence at every refit.
def test_sp500_regimes_as_the_log_space_path_gave() -> None:
    from mi_kernel import data

    level = data.load_benchmark("sp500")
    feats = market_features(level)
    for n_states in (2, 3):
        new, old = (
            walk_forward_regimes(
                feats,
                GaussianRegimeHMM(n_states=n_states, warm_start=True, implementation=impl),
                refit_every=126,
            )
            for impl in ("scaling", "log")
        )
        pd.testing.assert_frame_equal(new.probabilities, old.probabilities, rtol=0, atol=1e-6)
        pd.testing.assert_series_equal(new.labels(), old.labels())
        cols = ["start", "n_train", "converged", "n_iter"]
        pd.testing.assert_frame_equal(new.refits[cols], old.refits[cols])
        pd.testing.assert_frame_equal(new.refits, old.refits, rtol=1e-6)


def test_scaled_em_falls_back_to_log_space_on_underflow() -> None:
    """An observation no fitted state can produce underflows the scaled recursion."""
    X = np.random.default_rng(0).normal(size=(600, 2))
    X[450] = [400.0, 0.0]
    fits = []
    for impl in ("scaling", "log"):
        est = GaussianRegimeHMM(warm_start=True, implementation=impl).fit(X[:400])
        fits.append(est.fit(X))
    np.testing.assert_allclose(fits[0].means_, fits[1].means_)
    assert fits[0].means_[0, 0] == pytest.approx(400.0)  # a state of its own
    with pytest.raises(ConfigError, match="implementation='fast'"):
        GaussianRegimeHMM(implementation="fast").fit(X)
