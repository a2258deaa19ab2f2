"""Intraday signals: score each bar's features with a model, approved if one is.

:func:`approved_model` looks in the model inventory (the ledger) for an approved or deployed
model trained on the intraday recipe's features. When there is none, :func:`train_model`
fits a small ridge regression of the next ``horizon`` bars' return on the features of a
replayed history, and the resulting :class:`IntradayModel` says so: ``approved=False`` and a
status that names it as trained in the run, not approved. Nothing here approves anything.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mi_kernel.governance.ledger import Ledger
from mi_kernel.governance.registry import LIVE, ModelRecord, models

UNAPPROVED = "draft: trained in this run on the replayed history; not validated, not approved"


@dataclass(frozen=True)
class IntradayModel:
    """A fitted linear scorer: ``score = intercept + coef . (x - mean) / scale``."""

    version: str
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    score_scale: float
    approved: bool
    status: str

    def score(self, feats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Score feature rows (columns ``ts``, ``symbol`` and the model's features).

        Rows with a missing feature get no signal. Returns the ``signals`` columns:
        ``score``, ``confidence`` (|score| over twice the training scores' std, capped at 1)
        and ``top_features`` (the three largest |coef x z| contributions, JSON).
        """
        x = np.column_stack([np.asarray(feats[f], float) for f in self.features])
        ok = np.isfinite(x).all(axis=1)
        z = (x[ok] - self.mean) / self.scale
        contrib = z * self.coef
        score = self.intercept + contrib.sum(axis=1)
        top = np.argsort(-np.abs(contrib), axis=1)[:, :3]
        names = np.asarray(self.features)
        tops = [
            json.dumps({names[j]: round(float(contrib[i, j]), 6) for j in row})
            for i, row in enumerate(top)
        ]
        return {
            "ts": np.asarray(feats["ts"])[ok],
            "symbol": np.asarray(feats["symbol"])[ok],
            "score": score,
            "confidence": np.minimum(np.abs(score) / (2 * self.score_scale), 1.0),
            "model_version": np.full(int(ok.sum()), self.version, dtype=object),
            "top_features": np.asarray(tops, dtype=object),
        }

    def card(self) -> dict[str, Any]:
        """The model's description for the run (what it is, and that it is not approved)."""
        return {
            "model_version": self.version,
            "estimator": "ridge (closed form) on standardised features",
            "features": list(self.features),
            "coef": dict(zip(self.features, map(float, self.coef), strict=True)),
            "approved": self.approved,
            "status": self.status,
        }


def forward_return(bars: pd.DataFrame, horizon: int) -> pd.Series:
    """Return close[t + horizon] / close[t] - 1 over each symbol's own bars (NaN at the end)."""
    ordered = bars.sort_values(["symbol", "ts"])
    ahead = ordered.groupby("symbol")["close"].shift(-horizon)
    return (ahead / ordered["close"] - 1.0).reindex(bars.index)


def train_model(feats: pd.DataFrame, bars: pd.DataFrame, names: list[str], horizon: int = 5,
                alpha: float = 10.0) -> IntradayModel:  # fmt: skip
    """Fit a ridge of the ``horizon``-bar forward return on ``names`` (rows with every value).

    ``feats`` and ``bars`` share ``ts`` and ``symbol``. Returns an unapproved model.
    """
    data = feats.merge(bars[["ts", "symbol", "close"]], on=["ts", "symbol"])
    data["label"] = forward_return(data, horizon)
    data = data.dropna(subset=[*names, "label"])
    x = data[names].to_numpy(float)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    z = (x - mean) / scale
    y = data["label"].to_numpy(float)
    intercept = float(y.mean())
    coef = np.linalg.solve(z.T @ z + alpha * np.eye(len(names)), z.T @ (y - intercept))
    fitted = z @ coef
    digest = hashlib.sha256(np.concatenate([mean, scale, coef]).tobytes()).hexdigest()[:10]
    return IntradayModel(
        version=f"intraday-ridge-{digest}", features=tuple(names), mean=mean, scale=scale,
        coef=coef, intercept=intercept, score_scale=float(fitted.std()) or 1.0,
        approved=False, status=UNAPPROVED,
    )  # fmt: skip


def approved_model(ledger_path: Path, names: list[str]) -> ModelRecord | None:
    """Return the newest approved or deployed model trained on exactly ``names``, if any."""
    if not Path(ledger_path).exists():
        return None
    found = [
        rec
        for rec in models(Ledger(Path(ledger_path))).values()
        if rec.status in LIVE and list(rec.detail.get("features") or []) == list(names)
    ]
    return found[-1] if found else None


def choose_model(ledger_path: Path, feats: pd.DataFrame, bars: pd.DataFrame, names: list[str],
                 horizon: int) -> tuple[IntradayModel, str]:  # fmt: skip
    """Return the model the stream scores with and a sentence saying where it came from.

    An approved intraday model in the inventory would be named here; the intraday stack
    cannot load the daily stack's estimators yet, so the model is always the ridge trained
    on ``feats`` / ``bars`` (a replayed history), and the sentence says so.
    """
    model = train_model(feats, bars, names, horizon)
    found = approved_model(ledger_path, names)
    if found is None:
        note = (f"No approved intraday model in the inventory: {model.version} was trained in "
                "this run on the replayed history and is NOT approved.")  # fmt: skip
    else:
        note = (f"{found.version} is {found.status} in the inventory but cannot be loaded by "
                f"the intraday stream yet; {model.version} was trained in this run and is NOT "
                "approved.")  # fmt: skip
    return model, note
