"""Explainability plots (hvplot / HoloViews, imported when called)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mi_kernel.explain.ablation import AblationResult
from mi_kernel.explain.pdp import PartialDependence


def importance_plot(importance: pd.Series, title: str = "Global importance (mean |SHAP|)") -> Any:
    """Plot mean |SHAP| per feature as horizontal bars, largest on top."""
    import hvplot.pandas  # noqa: F401  (registers .hvplot)

    data = importance.sort_values().rename("mean_abs_shap")
    data.index.name = "feature"
    return data.hvplot.barh(title=title, xlabel="", ylabel="mean |SHAP| (label units)")


def pdp_plot(result: PartialDependence, n_ice: int = 50, title: str | None = None) -> Any:
    """Plot up to ``n_ice`` ICE curves (thin, grey) under the partial dependence (thick)."""
    import hvplot.pandas  # noqa: F401  (registers .hvplot)

    ice = result.individual.iloc[:, :n_ice]
    ice = ice.set_axis([f"row {c}" for c in ice.columns], axis=1)
    long = ice.reset_index().melt(id_vars=result.feature, var_name="row", value_name="prediction")
    lines = long.hvplot.line(
        x=result.feature, y="prediction", by="row", color="grey", alpha=0.25, legend=False
    )
    avg = result.average.rename("prediction").reset_index()
    curve = avg.hvplot.line(x=result.feature, y="prediction", color="crimson", line_width=3)
    return (lines * curve).opts(title=title or f"Partial dependence and ICE: {result.feature}")


def ablation_plot(result: AblationResult, title: str = "Drop in OOS IC without each group") -> Any:
    """Plot each feature group's drop in OOS IC as bars (positive = the group helps)."""
    import hvplot.pandas  # noqa: F401  (registers .hvplot)

    data = result.table.set_index("group")["ic_drop"].sort_values()
    return data.hvplot.barh(title=title, xlabel="", ylabel="IC drop")
