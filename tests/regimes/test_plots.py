"""regime_plot: the S&P 500 level over its walk-forward regimes, as a HoloViews layout."""

from __future__ import annotations

import holoviews as hv

from mi_kernel import data
from mi_kernel.regimes import fit_market_regimes, regime_plot


def test_regime_plot_over_the_sp500() -> None:
    level = data.load_benchmark("sp500").loc["2004":"2012"]
    result = fit_market_regimes(level, n_states=2, refit_every=252, min_train=504)
    plot = regime_plot(level, result.probabilities)
    assert isinstance(plot, hv.Layout) and len(plot) == 2
    crisis = result.probabilities.loc["2008-10"].mean()
    assert crisis["state_1"] > 0.9  # the autumn of 2008 is the turbulent regime
    hv.renderer("bokeh").get_plot(plot)  # renders without error
