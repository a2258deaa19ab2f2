"""What a stakeholder needs from a run, gathered from its artifacts (read-only).

The report notebook renders this; it reads the run's own files, never the code that made them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mi_kernel.errors import RunError
from mi_kernel.governance.publish import instruction_paths

#: Backtest figures shown side by side, in this order.
BACKTEST_KEYS = (
    "sharpe",
    "sortino",
    "max_drawdown",
    "annual_return",
    "annual_volatility",
    "turnover",
    "hit_rate",
    "probabilistic_sharpe",
    "deflated_sharpe",
    "total_costs",
)


@dataclass(frozen=True)
class RunOverview:
    """The parts of a run a report shows (JSON artifacts as dicts, tables as frames)."""

    run_dir: Path
    parameters: dict[str, Any]
    quality: dict[str, Any]
    selection: dict[str, Any]
    card: dict[str, Any]
    backtests: dict[str, dict[str, Any]] = field(default_factory=dict)
    published: list[dict[str, Any]] = field(default_factory=list)
    research: dict[str, Any] = field(default_factory=dict)
    sweep: dict[str, Any] = field(default_factory=dict)
    risk: dict[str, Any] = field(default_factory=dict)
    book: dict[str, Any] = field(default_factory=dict)
    var_backtest: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)  # evidence/evidence.json

    @property
    def model_backtest(self) -> dict[str, Any]:
        """The selected model's backtest report (empty if it was not backtested)."""
        return self.backtests.get(f"model-{self.selection['model_version']}", {})

    def summary(self) -> pd.Series:
        """The headline figures, formatted for people."""
        bt, metrics = self.model_backtest, self.card.get("metrics", {})
        nan = float("nan")
        last = self.published[-1] if self.published else None
        return pd.Series(
            {
                "data": f"{self.parameters.get('source')} — "
                f"{self.quality['rows_clean']:,} clean rows",
                "data quality score": f"{self.quality['score']:.3f} "
                f"({self.quality['rows_quarantined']} rows quarantined)",
                "selected model": self.selection["model_version"],
                "out-of-sample rank IC (mean daily)": f"{metrics.get('ic_mean', nan):.4f}",
                "signal significant (1-day rank IC, Newey-West 5 %)": self._significance(),
                "backtest Sharpe (net of costs)": f"{bt.get('sharpe', nan):.2f}",
                "Sharpe 95 % interval (stationary bootstrap)": self._interval(),
                "deflated Sharpe (probability of skill)": f"{bt.get('deflated_sharpe', nan):.2f}"
                f" ({bt.get('n_trials', 1)} variants tried on these bars, from the ledger)",
                "best strategy of the run better than luck (White / Hansen p)": self._luck(),
                "max drawdown": f"{bt.get('max_drawdown', nan):.1%}",
                "portfolio instruction": f"{last['status']} {last['portfolio_version']} "
                f"({len(last['targets'])} positions; book approved by "
                f"{', '.join(last['approvals']) or 'nobody yet: a draft until approved'})"
                if last
                else "none",
            },
            name="",
        )

    def _interval(self) -> str:
        ci = self.model_backtest.get("bootstrap", {}).get("sharpe")
        return f"[{ci['low']:.2f}, {ci['high']:.2f}]" if ci else "not computed"

    def _luck(self) -> str:
        if not self.sweep:
            return "not tested in this run"
        rc, spa = float(self.sweep["rc_pvalue"]), float(self.sweep["spa_pvalue"])
        verdict = "yes" if max(rc, spa) < 0.05 else "no"
        return f"{verdict} ({self.sweep['best_strategy']}: p = {rc:.2f} / {spa:.2f})"

    def warnings(self) -> list[str]:
        """Every caveat the backtests' markets carried (survivorship, missing actions...)."""
        return sorted({w for r in self.backtests.values() for w in r.get("warnings", [])})

    def scenarios(self) -> pd.DataFrame:
        """The selected model's stress-scenario table (empty when none was run)."""
        rows = self.model_backtest.get("scenarios", [])
        return pd.DataFrame(rows).set_index("scenario") if rows else pd.DataFrame()

    def _significance(self) -> str:
        head = self.research.get("headline")
        if not head:
            return "not researched in this run"
        verdict = "yes" if head.get("significant") else "no"
        return f"{verdict} (p = {float(head['rank_ic_1d_p_value']):.3f})"

    def backtest_table(self) -> pd.DataFrame:
        """One column per backtested strategy, one row per figure."""
        return pd.DataFrame(
            {name: {k: r.get(k) for k in BACKTEST_KEYS} for name, r in self.backtests.items()}
        )

    def var_table(self) -> pd.DataFrame:
        """The book's VaR and ES, one row per method, columns by measure / horizon / level."""
        rows = self.risk.get("var", [])
        if not rows:
            return pd.DataFrame()
        return pd.DataFrame(rows).pivot_table(
            index="method", columns=["horizon", "level"], values=["var", "es"]
        )

    def exposures(self) -> pd.Series:
        """The book's beta, style exposures, concentration and liquidity, one figure a row."""
        r = self.risk
        if not r:
            return pd.Series(dtype=object)
        out: dict[str, Any] = {f"beta to {k}": v for k, v in (r.get("beta") or {}).items()}
        out |= {f"style z-score: {k}": v for k, v in (r.get("style") or {}).items()}
        conc = r.get("concentration", {})
        out |= {k: conc.get(k) for k in ("n_positions", "gross", "effective_n", "top_share")}
        liq = r.get("liquidity", {})
        out["days to liquidate (slowest name)"] = liq.get("max_days")
        out |= {
            f"share liquidatable in {d} days": v for d, v in liq.get("liquidatable", {}).items()
        }
        return pd.Series(out)

    def book_stress(self) -> pd.DataFrame:
        """Today's book held through the replayed scenarios (empty when none was run)."""
        rows = self.risk.get("stress") or {}
        if not rows:
            return pd.DataFrame()
        cols = ["pnl_pct", "max_drawdown", "worst_bar_return", "breaches"]
        table = pd.DataFrame(rows).T
        return table[[c for c in cols if c in table]]

    def policy_events(self) -> pd.DataFrame:
        """Risk-policy triggers in the selected model's backtest."""
        return pd.DataFrame(self.model_backtest.get("policy_events", []))

    def returns(self) -> pd.DataFrame:
        """Daily net returns of every backtest, one column per strategy."""
        curves = {
            name: pd.read_parquet(self.run_dir / "backtests" / name / "returns.parquet").set_index(
                "ts"
            )["returns"]
            for name in self.backtests
        }
        return pd.DataFrame(curves)


def _json(path: Path) -> Any:
    if not path.exists():
        raise RunError(f"{path} is missing: the step that writes it has not run in this run")
    return json.loads(path.read_text())


def run_overview(run_dir: str | Path) -> RunOverview:
    """Gather the report's inputs from a run folder (staging or sealed)."""
    d = Path(run_dir)
    selection = _json(d / "training/selection.json")
    backtests = {p.parent.name: _json(p) for p in sorted(d.glob("backtests/*/report.json"))}
    published = [_json(p) for p in instruction_paths(d)]
    return RunOverview(
        run_dir=d,
        parameters=_json(d / "_meta/run.json").get("parameters", {}),
        quality=_json(d / "quality/report.json"),
        selection=selection,
        card=_json(d / f"models/{selection['model_version']}/model_card.json"),
        backtests=backtests,
        published=published,
        research=_json(d / "research/summary.json")
        if (d / "research/summary.json").exists()
        else {},
        sweep=_optional(d / "backtests/sweep.json"),
        risk=_optional(d / "portfolio/risk.json"),
        book=_optional(d / "portfolio/book/construction.json"),
        var_backtest=_optional(d / "backtests/var_backtest.json"),
        evidence=_optional(d / "evidence/evidence.json"),
    )


def _optional(path: Path) -> dict[str, Any]:
    return _json(path) if path.exists() else {}
