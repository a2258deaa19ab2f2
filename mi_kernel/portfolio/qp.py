"""Mean-variance problems as conic programs, solved by Clarabel directly (no modelling layer).

Variables ``x = [w, a, t, κ]``: weights ``w`` (n); for long/short books ``a ≥ |w|`` (n) so
gross and group caps stay linear; for turnover caps or costs ``t ≥ |w − w_prev|`` (n); for
maximum Sharpe the homogenising scale ``κ`` (Cornuéjols & Tütüncü: ``y = κ w`` with
``(μ − r_f)ᵀy − cᵀt = 1``, every right-hand side multiplied by ``κ``).

Objectives (Clarabel minimises ``½xᵀPx + qᵀx``; ``c`` = cost per unit traded divided by the
holding periods, charged on ``t``):

=================  ==============================================================
min_variance       ``wᵀΣw + cᵀt``
mean_variance      ``λ wᵀΣw − μᵀw + cᵀt`` (λ = risk aversion; skfolio's utility)
max_sharpe         ``yᵀΣy`` with the normalisation above
target_return      ``wᵀΣw + cᵀt`` with ``μᵀw − cᵀt ≥ r``
target_volatility  ``−μᵀw + cᵀt`` with ``‖Lᵀw‖ ≤ σ`` (``Σ = LLᵀ``)
max_return         ``−μᵀw + cᵀt``
=================  ==============================================================

Constraints are kept as named groups; when Clarabel reports the problem infeasible,
:func:`diagnose` adds the groups one at a time to a feasibility problem and names the first
that cannot hold together with those before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import clarabel
import numpy as np
import scipy.sparse as sp

from mi_kernel.errors import ConfigError
from mi_kernel.portfolio.constraints import Constraints


class Objective(StrEnum):
    """Mean-variance objectives."""

    MIN_VARIANCE = "min_variance"
    MEAN_VARIANCE = "mean_variance"
    MAX_SHARPE = "max_sharpe"
    TARGET_RETURN = "target_return"
    TARGET_VOLATILITY = "target_volatility"
    MAX_RETURN = "max_return"


class InfeasibleError(ConfigError):
    """The constraints (or the objective's target) cannot all hold."""


@dataclass(frozen=True)
class Layout:
    """Where each variable block sits in ``x``."""

    n: int
    has_abs: bool
    has_trade: bool
    has_kappa: bool

    @property
    def size(self) -> int:
        """Total number of variables."""
        return self.n * (1 + self.has_abs + self.has_trade) + self.has_kappa

    def block(self, which: str) -> slice:
        """Return the slice of block ``which`` ("w", "a" or "t")."""
        start = {"w": 0, "a": self.n, "t": self.n * (1 + self.has_abs)}[which]
        return slice(start, start + self.n)


@dataclass
class Group:
    """A named set of linear rows ``A x (= or <=) b``."""

    name: str
    a: sp.csr_matrix
    b: np.ndarray
    equality: bool = False


@dataclass
class Problem:
    """A mean-variance problem ready for Clarabel."""

    layout: Layout
    p: sp.csc_matrix
    q: np.ndarray
    groups: list[Group] = field(default_factory=list)
    soc: tuple[sp.csr_matrix, np.ndarray] | None = None


def _rows(layout: Layout, coef: dict[str, np.ndarray | sp.spmatrix]) -> sp.csr_matrix:
    """Build rows from coefficient blocks (each (m, n), dense or sparse) placed at their blocks."""
    m = next(iter(coef.values())).shape[0]
    rows, cols, data = [], [], []
    for key, values in coef.items():
        block = sp.coo_matrix(values)
        rows.append(block.row)
        cols.append(block.col + layout.block(key).start)
        data.append(block.data)
    return sp.csr_matrix(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
        shape=(m, layout.size),
    )


def _one_row(layout: Layout, key: str, values: np.ndarray) -> sp.csr_matrix:
    v = np.asarray(values, dtype="float64").ravel()
    nz = np.flatnonzero(v)
    cols = layout.block(key).start + nz
    return sp.csr_matrix((v[nz], (np.zeros(len(nz), dtype=np.int64), cols)), shape=(1, layout.size))


def _group_masks(symbols: list[str], mapping: dict[str, str], caps: dict[str, float]):
    labels = np.array([mapping.get(s, "Unknown") for s in symbols], dtype=object)
    for group, cap in sorted(caps.items()):
        mask = labels == group
        if mask.any():
            yield group, cap, mask.astype("float64")


def constraint_groups(
    layout: Layout,
    cons: Constraints,
    symbols: list[str],
    betas: np.ndarray | None,
    previous: np.ndarray,
    zero: np.ndarray | None = None,
) -> list[Group]:
    """Translate ``cons`` into named groups of rows over the variables of ``layout``."""
    n, ones, eye = layout.n, np.ones(layout.n), sp.identity(layout.n, format="csr")
    gross_key = "a" if layout.has_abs else "w"
    groups: list[Group] = []
    if cons.budget is not None:
        groups.append(
            Group(
                f"budget Σw = {cons.budget:g}",
                _one_row(layout, "w", ones),
                np.array([cons.budget]),
                equality=True,
            )
        )
    if cons.max_net is not None:
        groups.append(
            Group(
                f"max_net {cons.max_net:g}", _one_row(layout, "w", ones), np.array([cons.max_net])
            )
        )
    if cons.min_net is not None:
        groups.append(
            Group(
                f"min_net {cons.min_net:g}", _one_row(layout, "w", -ones), np.array([-cons.min_net])
            )
        )
    hi = np.full(n, cons.max_position)
    lo = np.zeros(n) if cons.long_only else -hi
    groups.append(Group(f"max_position {cons.max_position:g}", _rows(layout, {"w": eye}), hi))
    groups.append(
        Group(
            "long_only w ≥ 0"
            if cons.long_only
            else f"max_position {cons.max_position:g} (short side)",
            _rows(layout, {"w": -eye}),
            -lo,
        )
    )
    if layout.has_abs:  # a ≥ w and a ≥ −w
        groups.append(Group("gross definition", _rows(layout, {"w": eye, "a": -eye}), np.zeros(n)))
        groups.append(Group("gross definition", _rows(layout, {"w": -eye, "a": -eye}), np.zeros(n)))
    restricted = np.array([s in set(cons.restricted) for s in symbols])
    if zero is not None:
        restricted = restricted | zero
    if restricted.any():
        groups.append(
            Group(
                "restricted names (weight 0)",
                _rows(layout, {"w": eye[restricted]}),
                np.zeros(int(restricted.sum())),
                equality=True,
            )
        )
    if cons.max_gross is not None:
        groups.append(
            Group(
                f"max_gross {cons.max_gross:g}",
                _one_row(layout, gross_key, ones),
                np.array([cons.max_gross]),
            )
        )
    for kind in ("sector", "country"):
        mapping, caps = cons.group_caps(kind)
        for name, cap, mask in _group_masks(symbols, mapping, caps):
            groups.append(
                Group(
                    f"{kind} {name!r} gross ≤ {cap:g}",
                    _one_row(layout, gross_key, mask),
                    np.array([cap]),
                )
            )
    if cons.beta_band is not None:
        if betas is None:
            raise ConfigError("beta_band needs the assets' betas: pass betas= to fit")
        low, high = cons.beta_band
        groups.append(Group(f"beta ≤ {high:g}", _one_row(layout, "w", betas), np.array([high])))
        groups.append(Group(f"beta ≥ {low:g}", _one_row(layout, "w", -betas), np.array([-low])))
    if layout.has_trade:  # t ≥ w − w_prev and t ≥ w_prev − w
        groups.append(
            Group("turnover definition", _rows(layout, {"w": eye, "t": -eye}), previous.copy())
        )
        groups.append(
            Group("turnover definition", _rows(layout, {"w": -eye, "t": -eye}), -previous)
        )
        if cons.max_turnover is not None:
            groups.append(
                Group(
                    f"max_turnover {cons.max_turnover:g}",
                    _one_row(layout, "t", ones),
                    np.array([cons.max_turnover]),
                )
            )
    return groups


_SETTINGS = {"verbose": False, "tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}


def stack(groups: list[Group]) -> tuple[sp.csr_matrix, np.ndarray, sp.csr_matrix, np.ndarray]:
    """Return ``(A_eq, b_eq, A_ineq, b_ineq)``, the groups' rows stacked by kind."""
    width = groups[0].a.shape[1] if groups else 0

    def _kind(equality: bool) -> tuple[sp.csr_matrix, np.ndarray]:
        chosen = [g for g in groups if g.equality == equality]
        if not chosen:
            return sp.csr_matrix((0, width)), np.zeros(0)
        return sp.vstack([g.a for g in chosen], format="csr"), np.concatenate([g.b for g in chosen])

    return (*_kind(True), *_kind(False))


def homogenise(groups: list[Group]) -> list[Group]:
    """Move every right-hand side into the κ column (the last variable): ``A y ≤ b κ``.

    Returns at most two groups (the equalities and the inequalities, stacked).
    """
    a_eq, b_eq, a_in, b_in = stack(groups)
    out = []
    for a, b, equality, name in ((a_eq, b_eq, True, "equalities"), (a_in, b_in, False, "limits")):
        if len(b):
            a = a.tolil()
            a[:, -1] = a[:, -1].toarray() - b.reshape(-1, 1)
            out.append(Group(f"homogenised {name}", a.tocsr(), np.zeros_like(b), equality))
    return out


def solve(problem: Problem) -> tuple[np.ndarray, str]:
    """Solve ``problem`` with Clarabel; return ``(x, status)``."""
    groups = problem.groups
    eq = [g for g in groups if g.equality]
    ineq = [g for g in groups if not g.equality]
    blocks, rhs, cones = [], [], []
    if eq:
        blocks += [g.a for g in eq]
        rhs += [g.b for g in eq]
        cones.append(clarabel.ZeroConeT(sum(len(g.b) for g in eq)))
    if ineq:
        blocks += [g.a for g in ineq]
        rhs += [g.b for g in ineq]
        cones.append(clarabel.NonnegativeConeT(sum(len(g.b) for g in ineq)))
    if problem.soc is not None:
        blocks.append(problem.soc[0])
        rhs.append(problem.soc[1])
        cones.append(clarabel.SecondOrderConeT(len(problem.soc[1])))
    a = sp.vstack(blocks, format="csc")
    settings = clarabel.DefaultSettings()
    for key, value in _SETTINGS.items():
        setattr(settings, key, value)
    solver = clarabel.DefaultSolver(
        sp.triu(problem.p, format="csc"), problem.q, a, np.concatenate(rhs), cones, settings
    )
    sol = solver.solve()
    return np.asarray(sol.x, dtype="float64"), str(sol.status)


def solved(status: str) -> bool:
    """Whether a Clarabel status is a usable solution."""
    return status in ("Solved", "AlmostSolved")


def diagnose(problem: Problem, extra: list[Group] | None = None) -> str | None:
    """Return the name of the first constraint group that makes the problem infeasible.

    The groups are added in order to a feasibility problem (zero objective) over the same
    variables; the first whose addition leaves no feasible point is the culprit.
    """
    layout = problem.layout
    zero_p = sp.csc_matrix((layout.size, layout.size))
    groups = [*problem.groups, *(extra or [])]
    for k in range(1, len(groups) + 1):
        trial = Problem(layout, zero_p, np.zeros(layout.size), groups[:k], None)
        _, status = solve(trial)
        if status == "PrimalInfeasible":
            earlier = sorted({g.name for g in groups[: k - 1]} - {groups[k - 1].name})
            return f"{groups[k - 1].name!r} (together with {', '.join(earlier) or 'nothing'})"
    return None
