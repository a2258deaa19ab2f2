"""Feature diagnostics: correlation and redundancy, permutation and model-based importance.

:func:`feature_report` joins a feature table to labels, splits by time (the last dates are
held out; with a labels table carrying ``ts_end``, training rows whose label ends on or after
the first held-out date are purged), fits a random forest and a linear model on the
training dates, and measures importance on the held-out dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError, DataError


@dataclass(frozen=True)
class FeatureReport:
    """What :func:`feature_report` found.

    Attributes
    ----------
    correlation : DataFrame
        Spearman rank correlation, features x features.
    redundant : DataFrame
        Pairs ``a``, ``b`` with ``spearman`` above the threshold in absolute value, most
        correlated first.
    importance : DataFrame
        Index = feature, sorted by ``permutation`` (mean drop of the held-out score when the
        feature is shuffled), with ``permutation_std``, ``impurity`` (random forest mean
        decrease in impurity, sums to 1) and ``coef`` (|coefficient| of the linear model on
        standardised features).
    task : str
        ``"regression"`` or ``"classification"`` (labels with two values).
    n_train, n_test : int
        Rows used to fit and to score.
    """

    correlation: pd.DataFrame
    redundant: pd.DataFrame
    importance: pd.DataFrame
    task: str
    n_train: int
    n_test: int


def redundancy(correlation: pd.DataFrame, threshold: float = 0.9) -> pd.DataFrame:
    """List the feature pairs whose |correlation| exceeds ``threshold``, largest first."""
    names = list(correlation.columns)
    rho = correlation.to_numpy(dtype="float64")
    rows = [
        {"a": names[i], "b": names[j], "spearman": float(rho[i, j])}
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if abs(rho[i, j]) > threshold
    ]
    out = pd.DataFrame(rows, columns=["a", "b", "spearman"])
    return out.reindex(out["spearman"].abs().sort_values(ascending=False).index).reset_index(
        drop=True
    )


def feature_report(
    features: pd.DataFrame,
    labels: pd.DataFrame | pd.Series,
    *,
    columns: Sequence[str] | None = None,
    threshold: float = 0.9,
    test_size: float = 0.3,
    n_repeats: int = 5,
    max_rows: int = 50_000,
    random_state: int = 0,
) -> FeatureReport:
    """Diagnose a feature table against labels.

    Parameters
    ----------
    features : DataFrame
        Feature table (``ts``, ``symbol``, float columns).
    labels : DataFrame or Series
        A labels table (``ts``, ``symbol``, ``label``, optionally ``ts_end``) joined on
        (ts, symbol), or a Series aligned with ``features``' index.
    columns : sequence of str, optional
        Features to use; default every float column.
    threshold : float, default 0.9
        |Spearman| above which a pair is listed as redundant.
    test_size : float, default 0.3
        Share of the dates (the last ones) held out for permutation importance.
    n_repeats : int, default 5
        Shuffles per feature for permutation importance.
    max_rows : int, default 50000
        Rows sampled (seeded) from each split at most, to bound the run time.
    random_state : int, default 0
        Seed of the sampling, the forest and the shuffles.

    Raises
    ------
    ConfigError
        Bad parameters or unknown columns.
    DataError
        Too few complete rows to fit and score.
    """
    from sklearn.inspection import permutation_importance

    if not 0 < test_size < 1:
        raise ConfigError(f"test_size must be in (0, 1), got {test_size}")
    data, names = _joined(features, labels, columns)
    train, test = _split(data, test_size)
    rng = np.random.default_rng(random_state)
    train, test = _sample(train, max_rows, rng), _sample(test, max_rows, rng)
    if len(train) < 20 or len(test) < 10:
        raise DataError(
            f"feature_report needs complete rows on both sides of the time split; got "
            f"{len(train)} training and {len(test)} held-out rows. Pass more dates or fewer "
            "features with long lookbacks"
        )
    y_train, y_test = train["label"].to_numpy(), test["label"].to_numpy()
    task = "classification" if len(np.unique(data["label"])) == 2 else "regression"
    forest, linear = _models(task, random_state)
    forest.fit(train[names].to_numpy(), y_train)
    linear.fit(train[names].to_numpy(), y_train)
    perm = permutation_importance(
        forest, test[names].to_numpy(), y_test, n_repeats=n_repeats, random_state=random_state
    )
    coef = (
        np.abs(np.ravel(linear[-1].coef_)) if task == "regression" else np.abs(linear[-1].coef_[0])
    )
    importance = pd.DataFrame(
        {
            "permutation": perm.importances_mean,
            "permutation_std": perm.importances_std,
            "impurity": forest.feature_importances_,
            "coef": coef,
        },
        index=pd.Index(names, name="feature"),
    ).sort_values("permutation", ascending=False)
    correlation = data[names].corr(method="spearman")
    return FeatureReport(
        correlation, redundancy(correlation, threshold), importance, task, len(train), len(test)
    )


def _joined(
    features: pd.DataFrame, labels: pd.DataFrame | pd.Series, columns: Sequence[str] | None
) -> tuple[pd.DataFrame, list[str]]:
    """Features with a ``label`` (and maybe ``ts_end``) column, complete rows only."""
    names = (
        list(columns)
        if columns is not None
        else [
            c
            for c in features.columns
            if c not in ("ts", "symbol") and features[c].dtype.kind == "f"
        ]
    )
    unknown = [c for c in names if c not in features.columns]
    if unknown or not names:
        raise ConfigError(f"unknown or no feature columns {unknown or names}; pick from the table")
    if isinstance(labels, pd.Series):
        data = features[["ts", *names]].assign(label=labels.reindex(features.index).to_numpy())
    else:
        keep = ["ts", "symbol", "label", *(["ts_end"] if "ts_end" in labels.columns else [])]
        if "label" not in labels.columns:
            raise DataError(f"labels lack a 'label' column; it has {list(labels.columns)}")
        data = features[["ts", "symbol", *names]].merge(labels[keep], on=["ts", "symbol"])
    return data.dropna(subset=[*names, "label"]).reset_index(drop=True), names


def _split(data: pd.DataFrame, test_size: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out the last dates; purge training rows whose label ends in the held-out span."""
    dates = np.sort(data["ts"].unique())
    if len(dates) < 2:
        raise DataError("feature_report needs at least two dates to split by time")
    first_test = dates[min(len(dates) - 1, max(1, int(len(dates) * (1 - test_size))))]
    train = data[data["ts"] < first_test]
    if "ts_end" in data.columns:
        train = train[train["ts_end"] < first_test]
    return train, data[data["ts"] >= first_test]


def _sample(frame: pd.DataFrame, max_rows: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(frame) <= max_rows:
        return frame
    return frame.iloc[np.sort(rng.choice(len(frame), max_rows, replace=False))]


def _models(task: str, random_state: int):  # type: ignore[no-untyped-def]
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    common = {"n_estimators": 100, "min_samples_leaf": 20, "max_features": 0.5, "n_jobs": 1}
    if task == "classification":
        forest = RandomForestClassifier(**common, random_state=random_state)
        linear = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    else:
        forest = RandomForestRegressor(**common, random_state=random_state)
        linear = make_pipeline(StandardScaler(), Ridge(alpha=1.0))
    return forest, linear
