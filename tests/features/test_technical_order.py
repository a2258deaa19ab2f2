"""technical_block computes derived-series readers first and forgets each series after its last
reader (lower peak memory): every value is the one a fresh computation of that feature gives."""

from __future__ import annotations

import numpy as np
import pytest

from mi_kernel.features import specs as S
from mi_kernel.features.specs import FeatureKind
from mi_kernel.features.technical import TECHNICAL, USES, TechInputs, technical_block

SPECS = (
    S.momentum(5),
    S.zscore(10),
    S.volatility(10),
    S.beta(20),
    S.amihud(5),
    S.idio_vol(20),
    *S.macd(3, 8, 4),
    S.downside_vol(10),
    S.rsi(7),
    S.volume_z(10),
    S.volatility(30),
    S.beta(40),
    S.reversal(3),
)


def _inputs(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, (120, 7)), axis=0))
    close[:9, 2] = np.nan  # a late listing
    volume = rng.integers(1_000, 9_000, close.shape).astype(float)
    level = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (120, 1)), axis=0))
    return close, volume, level


def test_every_technical_kind_declares_what_it_reads() -> None:
    assert set(USES) <= set(TECHNICAL)
    kinds = {s.kind for s in SPECS}
    assert kinds == set(TECHNICAL), set(TECHNICAL) - kinds  # the test covers every kind


@pytest.mark.parametrize("threads", [1, 3])
def test_block_equals_each_feature_computed_alone(threads: int) -> None:
    close, volume, level = _inputs()
    got = technical_block(SPECS, threads)({"close": close, "volume": volume}, level)
    assert list(got) == [s.name for s in SPECS]  # recipe order, whatever the work order
    for spec in SPECS:
        alone = TECHNICAL[spec.kind](TechInputs(close, volume, level, threads), spec)
        np.testing.assert_array_equal(got[spec.name], alone, err_msg=spec.name)


def test_release_keeps_only_what_later_features_read() -> None:
    close, volume, level = _inputs(1)
    x = TechInputs(close, volume, level)
    TECHNICAL[FeatureKind.AMIHUD](x, S.amihud(5))
    TECHNICAL[FeatureKind.BETA](x, S.beta(20))
    assert {"ret", "illiquidity", "market_ret"} <= set(vars(x)) and x._regression
    x.release(USES[FeatureKind.VOLATILITY])
    assert "ret" in vars(x) and "illiquidity" not in vars(x) and "market_ret" not in vars(x)
    assert not x._regression
    x.release(frozenset())
    assert "ret" not in vars(x)
