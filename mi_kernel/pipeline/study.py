"""Optuna studies for ``mi sweep --trials N``: which variants a sweep runs, chosen as it goes.

    mi sweep demo --trials 12 -p embargo=int:3..10 -p estimators=[ridge],[lgbm]

is a sweep whose variants a seeded TPE sampler suggests (:class:`StudyPlan`) instead of a
grid listing them: the first trial runs alone and fills the step cache, then trials are asked
in batches of the cluster's worker count (ask/tell; the sampler's constant liar keeps a
batch's trials apart), each run as a grid variant is run and told its objective, the column
:data:`OBJECTIVE` of the sweep's table (the selected model's backtest Sharpe, net of costs:
the value the comparison ranks by). A failed trial, or one without a backtest, is told as
failed. The same seed, axes and worker count suggest the same trials.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from mi_kernel.errors import ConfigError
from mi_kernel.pipeline.axes import Range, RangeKind

#: The column of a sweep's table a study maximises.
OBJECTIVE = "sharpe"
#: Trials the TPE sampler draws at random before it models the results (Optuna's default).
STARTUP_TRIALS = 10


def distributions(space: Mapping[str, list[str] | Range]) -> dict[str, Any]:
    """Optuna distributions of the axes: categorical for listed values, else int/float/log."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    out: dict[str, Any] = {}
    for key, axis in space.items():
        if not isinstance(axis, Range):
            out[key] = CategoricalDistribution(axis)
        elif axis.kind is RangeKind.INT:
            out[key] = IntDistribution(int(axis.low), int(axis.high))
        else:
            out[key] = FloatDistribution(axis.low, axis.high, log=axis.kind is RangeKind.LOG)
    return out


def _spec(axis: list[str] | Range) -> list[str] | dict[str, Any]:
    if isinstance(axis, Range):
        low, high = (float(v) for v in axis.ends())
        if axis.kind is RangeKind.INT:
            return {"kind": str(axis.kind), "low": int(low), "high": int(high)}
        return {"kind": str(axis.kind), "low": low, "high": high}
    return list(axis)


class StudyPlan:
    """The variants of a study: ``trials`` suggested by a seeded TPE sampler over ``space``.

    Parameters
    ----------
    space : mapping
        Each axis's listed values (categorical) or :class:`~mi_kernel.pipeline.axes.Range`,
        as :func:`~mi_kernel.pipeline.axes.space` parses ``-p`` axes.
    trials : int
        How many variants to run (>= 1).
    seed : int, default 0
        The sampler's seed: the same seed suggests the same trials.
    """

    adaptive = True  # the next variants depend on the results so far

    def __init__(self, space: Mapping[str, list[str] | Range], trials: int, seed: int = 0) -> None:
        import optuna

        from mi_kernel.model_selection.search import quiet_optuna

        if trials < 1:
            raise ConfigError(
                f"--trials {trials}: a study runs at least one trial; give --trials N with N >= 1"
            )
        if not space:
            raise ConfigError("a study needs at least one axis: -p key=int:3..10 or -p key=a,b")
        self.space = dict(space)
        self.trials = trials
        self.seed = seed
        self._distributions = distributions(self.space)
        self._sampler = optuna.samplers.TPESampler(n_startup_trials=STARTUP_TRIALS, seed=seed)
        with quiet_optuna():
            self._study = optuna.create_study(direction="maximize", sampler=self._sampler)
        self._asked: list[Any] = []
        self._told = 0

    @property
    def remaining(self) -> int:
        """Trials not asked yet."""
        return self.trials - len(self._asked)

    def describe(self, name: str) -> str:
        """One line saying what the sweep runs."""
        return (
            f"study of {name!r}: {self.trials} trials (TPE, seed {self.seed}) maximising "
            f"{OBJECTIVE} over {', '.join(self.space)}"
        )

    def checks(self) -> list[dict[str, str]]:
        """Variants to validate before any run: each axis's values (a range's two ends), the
        other axes at their first value."""
        first = {k: (a.ends() if isinstance(a, Range) else a)[0] for k, a in self.space.items()}
        out: list[dict[str, str]] = []
        for key, axis in self.space.items():
            for value in axis.ends() if isinstance(axis, Range) else axis:
                if (variant := first | {key: value}) not in out:
                    out.append(variant)
        return out

    def next(self, room: int) -> list[dict[str, str]]:
        """Ask up to ``room`` trials (none once ``trials`` were asked); their variants."""
        batch = []
        for _ in range(min(room, self.remaining)):
            trial = self._study.ask(self._distributions)
            self._asked.append(trial)
            batch.append(self._variant(trial.params))
        return batch

    def _variant(self, params: Mapping[str, Any]) -> dict[str, str]:
        return {
            k: a.show(params[k]) if isinstance(a, Range) else str(params[k])
            for k, a in self.space.items()
        }

    def tell(self, row: Mapping[str, Any]) -> None:
        """Tell the oldest untold trial its table row (its :data:`OBJECTIVE`, else failed)."""
        from optuna.trial import TrialState

        from mi_kernel.model_selection.search import quiet_optuna

        trial = self._asked[self._told]
        self._told += 1
        value = row.get(OBJECTIVE)
        with quiet_optuna():
            if isinstance(value, int | float) and math.isfinite(value):
                self._study.tell(trial, float(value))
            else:
                self._study.tell(trial, state=TrialState.FAIL)

    def record(self, run_ids: Sequence[str]) -> dict[str, Any]:
        """The study as JSON: sampler, seed, space, every trial (its run) and the best."""
        trials: list[dict[str, Any]] = [
            {
                "number": t.number,
                "run_id": run_id,
                "params": self._variant(t.params),
                "value": t.value,
                "state": t.state.name.lower(),
            }
            for t, run_id in zip(self._study.trials, run_ids, strict=True)
        ]
        done = [t for t in trials if t["state"] == "complete"]
        best = max(done, key=lambda t: t["value"]) if done else None
        return {
            "sampler": type(self._sampler).__name__,
            "seed": self.seed,
            "n_startup_trials": STARTUP_TRIALS,
            "direction": "maximize",
            "objective": OBJECTIVE,
            "space": {k: _spec(a) for k, a in self.space.items()},
            "n_trials": self.trials,
            "trials": trials,
            "best": best,
        }


__all__ = ["OBJECTIVE", "STARTUP_TRIALS", "StudyPlan", "distributions"]
