"""xarray panels: the same values as the pandas path, NumPy- or Dask-backed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.errors import DataError
from mi_kernel.features import compute_features, compute_panel, from_panel, to_panel
from tests.features.conftest import market_for, random_bars


def test_to_panel_shape_and_bar_mask() -> None:
    bars = random_bars(1, n_days=40, n_assets=3)
    panel = to_panel(bars)
    assert panel["close"].dims == ("time", "symbol")
    assert panel.sizes == {"time": bars["ts"].nunique(), "symbol": 3}
    assert int(panel["bar"].sum()) == len(bars)
    assert set(panel.data_vars) == {"open", "high", "low", "close", "volume", "bar"}
    assert np.isnan(panel["close"].where(~panel["bar"])).all()


@pytest.mark.parametrize("recipe", ["core", "technical"])
@pytest.mark.parametrize("with_market", [False, True])
def test_numpy_panel_equals_the_pandas_path(recipe: str, with_market: bool) -> None:
    bars = random_bars(2, n_days=300, n_assets=6)
    market = market_for(bars, 3) if with_market else None
    panel = to_panel(bars)
    features = compute_panel(panel, recipe, market=market)
    assert features.attrs["recipe"] == recipe and next(iter(features.data_vars)) == "mom_5"
    expected = compute_features(bars, recipe, market=market)
    pd.testing.assert_frame_equal(from_panel(features, panel["bar"]), expected, check_exact=True)


@pytest.mark.parametrize("with_market", [False, True])
def test_dask_chunked_panel_gives_identical_values(with_market: bool) -> None:
    bars = random_bars(4, n_days=300, n_assets=7)
    market = market_for(bars, 5) if with_market else None
    panel = to_panel(bars, chunks={"symbol": 2})
    lazy = compute_panel(panel, "technical", market=market, time_chunk=64)
    assert lazy["mom_5"].chunks is not None and lazy["mom_5_rank"].chunks is not None
    eager = compute_panel(to_panel(bars), "technical", market=market)
    got = lazy.compute()
    for name in eager.data_vars:
        if with_market:  # per-symbol arithmetic: bit for bit
            np.testing.assert_array_equal(got[name].values, eager[name].values, err_msg=name)
        else:  # the equal-weighted market sums across chunks in another order
            np.testing.assert_allclose(got[name].values, eager[name].values, rtol=1e-12)


def test_a_chunked_panel_on_a_local_dask_cluster_gives_the_serial_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same lazy panel computed by a real LocalCluster (worker processes on 127.0.0.1):
    the eager values bit for bit, and both workers computed chunks."""
    from distributed import get_task_stream

    from mi_kernel.cluster import dask_client

    for name in ("MI_DASK_SCHEDULER", "MI_DASK_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    bars = random_bars(4, n_days=300, n_assets=8)
    market = market_for(bars, 5)
    eager = compute_panel(to_panel(bars), "technical", market=market)
    lazy = compute_panel(to_panel(bars, chunks={"symbol": 2}), "technical", market=market)
    with dask_client() as client, get_task_stream(client) as stream:
        got = lazy.compute()  # a Client is Dask's default scheduler inside the block
    for name in eager.data_vars:
        np.testing.assert_array_equal(got[name].values, eager[name].values, err_msg=name)
    assert len({task["worker"] for task in stream.data}) == 2


def test_fundamental_recipe_on_a_chunked_panel(synthetic) -> None:
    kwargs = {"fundamentals": synthetic["fundamentals"], "sectors": synthetic["universe"]}
    expected = compute_features(synthetic["bars"], "fundamental", **kwargs)
    panel = to_panel(synthetic["bars"], chunks={"symbol": 5})
    got = compute_panel(panel, "fundamental", **kwargs, time_chunk=100).compute()
    pd.testing.assert_frame_equal(from_panel(got, panel["bar"].compute()), expected)


def test_panel_without_volume_is_refused_for_volume_features() -> None:
    panel = to_panel(random_bars(6, n_days=40, n_assets=2)).drop_vars("volume")
    with pytest.raises(DataError, match=r"\['volume'\].*'technical'"):
        compute_panel(panel, "technical")
    compute_panel(panel, "core")  # core needs closes only
