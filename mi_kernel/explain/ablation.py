"""Ablation of feature groups: retrain without each group and report the drop in OOS IC."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.models import TrainConfig, train

#: Default groups: feature-name prefix -> group name; ``*_rank`` columns form "ranks".
PREFIXES = {"mom_": "mom", "vol_": "vol", "mr_": "mr", "beta_": "beta"}
RANK_SUFFIX = "_rank"


@dataclass(frozen=True, eq=False)
class AblationResult:
    """OOS IC of the full model and of the model retrained without each feature group.

    Attributes
    ----------
    baseline_ic : float
        Mean daily OOS rank IC of the model with every feature.
    table : DataFrame
        One row per group (largest drop first): ``group``, ``n_features``, ``features``
        (comma-separated), ``ic`` (OOS IC without the group), ``ic_drop`` (baseline - ic;
        large = the group carries signal), ``ic_ir`` (ic / its std). NaN where removing the
        group leaves no feature.
    """

    baseline_ic: float
    table: pd.DataFrame


def feature_groups(
    columns: Sequence[str],
    prefixes: Mapping[str, str] | None = None,
    rank_suffix: str = RANK_SUFFIX,
) -> dict[str, list[str]]:
    """Group feature columns: ``*_rank`` -> "ranks", else by the first matching prefix.

    Columns matching no prefix go to "other". Groups keep column order; empty groups are left
    out. Default prefixes: mom_, vol_, mr_, beta_.
    """
    table = dict(PREFIXES if prefixes is None else prefixes)
    groups: dict[str, list[str]] = {}
    for col in columns:
        if rank_suffix and col.endswith(rank_suffix):
            name = "ranks"
        else:
            name = next((g for p, g in table.items() if col.startswith(p)), "other")
        groups.setdefault(name, []).append(col)
    return groups


def ablate(
    features: pd.DataFrame,
    labels: pd.DataFrame,
    label_def: str,
    config: TrainConfig,
    groups: Mapping[str, Sequence[str]] | None = None,
) -> AblationResult:
    """Retrain without each feature group and report the drop in out-of-sample IC.

    Parameters
    ----------
    features, labels : DataFrame
        ``features`` and ``labels`` tables, as for :func:`mi_kernel.models.train`.
    label_def : str
        Label definition, e.g. "fwd_ret_5d".
    config : TrainConfig
        Training configuration (keep it small: each group costs one walk-forward training).
        ``config.features`` (None = every float column) is the full feature set.
    groups : mapping of str to list of str, optional
        Group name -> feature columns; default :func:`feature_groups` of the full set.

    Returns
    -------
    AblationResult
    """
    base = train(features, labels, label_def, config)
    full = list(base.features)
    groups = feature_groups(full) if groups is None else groups
    unknown = sorted({c for cols in groups.values() for c in cols} - set(full))
    if unknown:
        raise ConfigError(
            f"groups name columns {unknown} that the model does not use; choose from {full}"
        )
    baseline = float(base.card.metrics["ic_mean"])
    rows = []
    for name, cols in groups.items():
        keep = tuple(c for c in full if c not in set(cols))
        ic, ir = np.nan, np.nan
        if keep:
            cfg = config.model_copy(update={"features": keep})
            metrics = train(features, labels, label_def, cfg).card.metrics
            ic, ir = float(metrics["ic_mean"]), float(metrics["ic_ir"])
        rows.append(
            {
                "group": name,
                "n_features": len(cols),
                "features": ", ".join(cols),
                "ic": ic,
                "ic_drop": baseline - ic,
                "ic_ir": ir,
            }
        )
    table = pd.DataFrame(
        rows, columns=["group", "n_features", "features", "ic", "ic_drop", "ic_ir"]
    )
    table = table.sort_values("ic_drop", ascending=False, kind="stable", ignore_index=True)
    return AblationResult(baseline_ic=baseline, table=table)
