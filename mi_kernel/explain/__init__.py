"""Explainability: SHAP values (linear, tree, permutation), PDP/ICE and feature-group ablation.

``explain_model(model, features)`` gives global (mean |SHAP|) and per-asset importance and
each row's top features, in the signals table's format; :func:`partial_dependence` and
:func:`pdp_plot` draw PDP/ICE curves; :func:`ablate` retrains without each feature group.
"""

from __future__ import annotations

from mi_kernel.explain.ablation import AblationResult, ablate, feature_groups
from mi_kernel.explain.importance import (
    ModelExplanation,
    explain_model,
    global_importance,
    per_asset,
    top_features,
)
from mi_kernel.explain.pdp import PartialDependence, partial_dependence
from mi_kernel.explain.plots import ablation_plot, importance_plot, pdp_plot
from mi_kernel.explain.shap_values import ExplainerKind, Explanation, explainer_kind, shap_values

__all__ = [
    "AblationResult",
    "ExplainerKind",
    "Explanation",
    "ModelExplanation",
    "PartialDependence",
    "ablate",
    "ablation_plot",
    "explain_model",
    "explainer_kind",
    "feature_groups",
    "global_importance",
    "importance_plot",
    "partial_dependence",
    "pdp_plot",
    "per_asset",
    "shap_values",
    "top_features",
]
