"""A what-if starts from the cost model its run applied, every field; old runs are read as run."""

from __future__ import annotations

import json
from pathlib import Path

from mi_kernel.backtest import Costs
from mi_kernel.backtest.whatif import applied_costs

OLD_PARAMETER = {"commission_bps": 1.0, "spread_bps": 5.0, "impact_coef": 0.1, "borrow_bps": 3.0}


class _Store:
    def __init__(self, root: Path) -> None:
        self.root = root

    def sealed_dir(self, run_id: str) -> Path:
        return self.root / run_id


def test_the_cost_model_the_portfolio_step_recorded_is_used(tmp_path: Path) -> None:
    recorded = Costs.zero().replace(spread_bps=3.0)
    folder = tmp_path / "new" / "portfolio" / "book"
    folder.mkdir(parents=True)
    (folder / "construction.json").write_text(json.dumps({"costs": recorded.model_dump()}))
    params = {"costs": {"base": "default"}}  # what the step applied wins over the parameter
    assert applied_costs(_Store(tmp_path), "new", params) == recorded


def test_a_run_sealed_before_explicit_costs_is_read_as_it_ran(tmp_path: Path) -> None:
    # its partial mapping was merged with the defaults then: the taxes and minimums at 0
    old = applied_costs(_Store(tmp_path), "old", {"costs": OLD_PARAMETER})
    assert old == Costs.defaults().replace(borrow_bps=3.0)
    assert applied_costs(_Store(tmp_path), "old", {}) == Costs.defaults()
    stated = {"base": "zero", "spread_bps": 2.0}
    assert applied_costs(_Store(tmp_path), "old", {"costs": stated}) == Costs.zero().replace(
        spread_bps=2.0
    )
