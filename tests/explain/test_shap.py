"""SHAP values: A dominates for every explainer, values add up, top features match predict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.explain import (
    ExplainerKind,
    explain_model,
    explainer_kind,
    global_importance,
    per_asset,
    shap_values,
    top_features,
)
from mi_kernel.models import predict
from tests.explain.conftest import FEATURES, A


@pytest.mark.parametrize(("which", "kind"), [("ridge", "linear"), ("hgb", "tree")])
def test_a_dominates_and_top_features_match_predict(which, kind, data, request) -> None:
    model = request.getfixturevalue(which)
    feats = data[0].iloc[:300]
    out = explain_model(model, feats)
    assert out.explanation.kind == kind
    imp = out.global_importance
    assert imp.index[0] == A and imp[A] > 5 * imp.iloc[1:].max()
    signals = predict(model, feats)
    assert out.top_features["top_features"].tolist() == signals["top_features"].tolist()
    x = feats[model.features].to_numpy()
    total = out.explanation.values.sum(axis=1) + out.explanation.base_value
    np.testing.assert_allclose(total, model.estimator.predict(x), atol=1e-6)


def test_permutation_fallback_for_other_estimators(data) -> None:
    feats, labels = data
    X = feats[FEATURES].fillna(0.0).iloc[:400]
    knn = KNeighborsRegressor(15).fit(X.to_numpy(), labels["label"].iloc[:400])
    assert explainer_kind(knn) == ExplainerKind.PERMUTATION
    expl = shap_values(knn, X.iloc[:40], max_background=15)
    imp = global_importance(expl)
    assert imp.index[0] == A and imp[A] > 3 * imp.iloc[1:].max()
    pred = knn.predict(X.iloc[:40].to_numpy())
    np.testing.assert_allclose(expl.values.sum(axis=1) + expl.base_value, pred, atol=1e-6)
    assert expl.values.index.equals(X.index[:40])


def test_pipelines_are_transformed_first(data) -> None:
    feats, labels = data
    X, y = feats[FEATURES].iloc[:600], labels["label"].iloc[:600].to_numpy()
    tree = make_pipeline(SimpleImputer(), RandomForestRegressor(20, random_state=0))
    tree.fit(X.to_numpy(), y)
    expl = shap_values(tree, X.iloc[:50])
    assert expl.kind == ExplainerKind.TREE and global_importance(expl).index[0] == A
    np.testing.assert_allclose(
        expl.values.sum(axis=1) + expl.base_value, tree.predict(X.iloc[:50].to_numpy()), atol=1e-6
    )
    poly = make_pipeline(SimpleImputer(), PolynomialFeatures(2), LinearRegression())
    poly.fit(X.to_numpy(), y)
    with pytest.raises(ConfigError, match="permutation"):
        shap_values(poly, X.iloc[:5])
    assert shap_values(poly, X.iloc[:5], kind="permutation").values.shape == (5, len(FEATURES))


def test_bare_linear_is_coef_times_x() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3))
    lin = LinearRegression().fit(X, X @ [1.0, -2.0, 0.0] + 5)
    expl = shap_values(lin, X, feature_names=["a", "b", "c"])
    np.testing.assert_allclose(expl.values.to_numpy(), X * lin.coef_)
    assert expl.base_value == pytest.approx(5.0)


def test_per_asset_means(data, ridge) -> None:
    feats, _ = data
    shifted = feats.assign(**{A: feats[A] + 3.0 * (feats["symbol"] == "S07")})
    out = explain_model(ridge, shifted)
    table = out.per_asset
    assert list(table.index) == sorted(feats["symbol"].unique())
    assert table[A].idxmax() == "S07" and table.loc["S07", A] > 0
    expected = out.explanation.values.groupby(shifted["symbol"].to_numpy()).mean()
    pd.testing.assert_frame_equal(table, expected, check_names=False)


def test_top_features_hand_case() -> None:
    values = pd.DataFrame([[0.1, -0.5, 0.2], [3.0, 0.0, -4.0]], columns=["a", "b", "c"])
    from mi_kernel.explain import Explanation

    expl = Explanation(values, 0.0, ExplainerKind.LINEAR)
    assert top_features(expl, k=2) == ['[["b", -0.5], ["c", 0.2]]', '[["c", -4.0], ["a", 3.0]]']


def test_errors(data, hgb) -> None:
    feats, _ = data
    with pytest.raises(ConfigError, match="unknown explainer kind"):
        shap_values(hgb.estimator, feats[FEATURES], kind="kernel")
    with pytest.raises(ConfigError, match="does not fit"):
        shap_values(hgb.estimator, feats[FEATURES].iloc[:5], kind="linear")
    with pytest.raises(DataError, match="no rows"):
        shap_values(hgb.estimator, feats[FEATURES].iloc[:0])
    with pytest.raises(DataError, match="lack"):
        explain_model(hgb, feats.drop(columns=[A]))
    with pytest.raises(DataError, match="symbols"):
        per_asset(shap_values(hgb.estimator, feats[FEATURES].iloc[:5]), ["S00"])
