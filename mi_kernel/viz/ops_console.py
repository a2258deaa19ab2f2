"""The Ops / Compliance console: approvals, inventory, audit trail, retention, exceptions.

Served by ``dashboards/ops_console.py`` (Panel, Bokeh loaded inline: it works offline). The
console acts as the identity of the process that serves it (``MI_IDENTITY``): every button
calls the same governance function as the CLI, so roles, maker/checker and e-signatures are
enforced exactly as there, and a refusal is shown, not hidden. (Per-user sign-in in front of
a shared console — OAuth via ``panel serve --oauth-provider`` — is the production set-up.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from mi_kernel.errors import MIError
from mi_kernel.runstore import RunStore

TABS = ("Approval queue", "Model inventory", "Audit trail", "Retention", "Exceptions")


def approval_queue(store: RunStore) -> pd.DataFrame:
    """What awaits a decision: models not yet approved, books with a draft publication."""
    from mi_kernel.governance.registry import book_approvals, inventory

    inv = inventory(store.ledger)
    models = inv[inv["status"].isin(["draft", "validated"])]
    rows = [
        {
            "kind": "model",
            "subject": r.model_version,
            "state": r.status,
            "maker": r.maker,
            "next": "validate" if r.status == "draft" else "approve",
            "ref": r.run_id,
        }
        for r in models.itertuples()
    ]
    seen = set()
    for e in store.ledger.entries():
        d = e.detail
        if e.kind != "publication" or d.get("status") != "draft" or d["book"] in seen:
            continue
        if not book_approvals(store.ledger, d["book"], d["book_hash"]):
            seen.add(d["book"])
            rows.append(
                {
                    "kind": "book",
                    "subject": d["book"],
                    "state": "draft",
                    "maker": e.actor,
                    "next": "approve",
                    "ref": d["run_id"],
                }
            )
    return pd.DataFrame(rows, columns=["kind", "subject", "state", "maker", "next", "ref"])


def audit_status(store: RunStore) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Verification of the ledger, its anchors and every run; and the latest checkpoint."""
    from mi_kernel.governance.anchor import anchors_summary
    from mi_kernel.runstore import verify_all

    rows = [
        {
            "subject": r.run_id,
            "verified": "ok" if r.ok else "BAD",
            "problems": "; ".join(r.problems),
            "note": r.note,
        }
        for r in verify_all(store)
    ]
    return pd.DataFrame(rows), anchors_summary(store.ledger, store.witness)


@dataclass(frozen=True)
class _Row:
    kind: str
    subject: str
    state: str
    maker: str
    next: str
    ref: str


class OpsConsole:
    """The console's state and actions over one runs root."""

    def __init__(self, store: RunStore) -> None:
        import panel as pn

        self.store = store
        self.message = pn.pane.Alert("", alert_type="light", visible=False)
        self.body = pn.Column()

    def button(self, name: str, kind: str, what: str, fn: Any, *args: Any, **kw: Any) -> Any:
        """A button that runs ``fn(*args, **kw)``; widget arguments are read at click time."""
        import panel as pn

        b = pn.widgets.Button(label=name, button_type=kind)
        b.on_click(lambda _event: self.act(what, fn, *args, **kw))
        return b

    def act(self, what: str, fn: Any, *args: Any, **kw: Any) -> None:
        """Run a governance action; show what happened or why it was refused; refresh."""
        import panel as pn

        args = tuple(a.value if isinstance(a, pn.widgets.Widget) else a for a in args)
        what = what.format(*args)
        kind: Any
        try:
            out = fn(*args, **kw)
            signer = getattr(out, "actor", "-")
            text, kind = f"{what}: done, signed by {signer}", "success"
        except (MIError, ValueError) as exc:
            text, kind = f"{what} refused: {exc}", "danger"
        self.message.object, self.message.alert_type, self.message.visible = text, kind, True
        self.refresh()

    # -- tabs ------------------------------------------------------------------------------
    def _queue(self) -> Any:
        import panel as pn

        from mi_kernel.governance import registry
        from mi_kernel.governance.publish import approve_run_book

        queue = approval_queue(self.store)
        ticket = pn.widgets.TextInput(label="Change ticket", value="", placeholder="CHG-1234")
        items: list[Any] = [ticket, pn.widgets.Tabulator(queue, disabled=True, show_index=False)]
        led = self.store.ledger
        for rec in queue.to_dict("records"):
            r = _Row(**{str(k): str(v) for k, v in rec.items()})
            label = f"{r.next.title()} {r.kind} {r.subject}"
            if r.kind == "model" and r.next == "validate":
                ok = self.button(
                    label, "primary", "validate {1}", _validate, self.store, r.subject, ticket
                )
            elif r.kind == "model":
                ok = self.button(
                    label,
                    "primary",
                    "approve {1}",
                    registry.set_status,
                    led,
                    r.subject,
                    "approved",
                    ticket,
                )
            else:
                ok = self.button(
                    label,
                    "primary",
                    "approve book of {1}",
                    approve_run_book,
                    self.store,
                    r.ref,
                    ticket,
                )
            row = [ok]
            if r.kind == "model":
                row.append(
                    self.button(
                        f"Reject {r.subject}",
                        "danger",
                        "reject {1}",
                        registry.set_status,
                        led,
                        r.subject,
                        "retired",
                        ticket,
                        reason="rejected in review",
                    )
                )
            items.append(pn.Row(*row))
        if queue.empty:
            items.append("Nothing awaits a decision.")
        return pn.Column(*items)

    def _inventory(self) -> Any:
        import panel as pn

        from mi_kernel.governance.registry import inventory

        table = inventory(self.store.ledger)
        overdue = int(table["review_overdue"].sum())
        head = f"**{len(table)} model versions**, {overdue} annual review(s) overdue."
        return pn.Column(head, pn.widgets.Tabulator(table, disabled=True, show_index=False))

    def _audit(self) -> Any:
        import panel as pn

        from mi_kernel.governance.views import ledger_table

        table, anchor = audit_status(self.store)
        bad = int((table["verified"] == "BAD").sum())
        badge = "✅ every run and the ledger verify" if bad == 0 else f"❌ {bad} with problems"
        head = (
            f"### {badge}\nLatest checkpoint: seq {anchor['latest_seq']} at "
            f"{anchor['latest_ts']} · witness: {anchor['witness'] or 'none configured'} · "
            f"witnessed: {anchor['witnessed']}"
        )
        trail = ledger_table(self.store).drop(columns=["prev_hash"], errors="ignore")
        return pn.Column(
            head,
            pn.widgets.Tabulator(table, disabled=True, show_index=False),
            "### Ledger",
            pn.widgets.Tabulator(
                trail.astype(str),
                disabled=True,
                show_index=False,
                pagination="remote",
                page_size=20,
            ),
        )

    def _retention(self) -> Any:
        import panel as pn

        from mi_kernel.governance import retention

        table = retention.retention_table(self.store)
        subjects = list(table["run_id"]) + [f"class:{c}" for c in retention.CLASSES]
        subject = pn.widgets.Select(label="Run or class", options=subjects)
        reason = pn.widgets.TextInput(label="Reason", placeholder="SEC inquiry 2026-14")
        ticket = pn.widgets.TextInput(label="Matter / ticket", placeholder="MATTER-7")
        led = self.store.ledger
        hold = self.button(
            "Place legal hold", "warning", "hold {1}", retention.hold, led, subject, reason, ticket
        )
        free = self.button(
            "Release hold", "default", "release {1}", retention.release, led, subject, reason
        )
        return pn.Column(
            pn.widgets.Tabulator(table, disabled=True, show_index=False),
            pn.Row(subject, reason, ticket),
            pn.Row(hold, free),
        )

    def _exceptions(self) -> Any:
        import panel as pn

        from mi_kernel.governance.exceptions import advance, exceptions_table

        table = exceptions_table(self.store.ledger)
        pending = table[table["state"] != "closed"]
        choice = pn.widgets.Select(label="Exception", options=list(pending["exception_id"]))
        note = pn.widgets.TextInput(label="Note", placeholder="what was found and done")
        step = self.button(
            "Review / close", "primary", "exception {1}", advance, self.store.ledger, choice, note
        )
        return pn.Column(
            f"**{len(pending)} open or under review**, {len(table) - len(pending)} closed.",
            pn.widgets.Tabulator(table, disabled=True, show_index=False),
            pn.Row(choice, note, step),
        )

    def refresh(self) -> None:
        import panel as pn

        parts = (self._queue, self._inventory, self._audit, self._retention, self._exceptions)
        self.body.objects = [
            pn.Tabs(*[(name, part()) for name, part in zip(TABS, parts, strict=True)])
        ]


def _validate(store: RunStore, version: str, ticket: str) -> Any:
    from mi_kernel.governance.validation import validate_model

    return validate_model(store, version, ticket)[1]


def build_ops_console(store: RunStore) -> Any:
    """Return the console layout (a Panel template) for ``store``."""
    import panel as pn

    from mi_kernel.governance.roles import current_identity, load_roles
    from mi_kernel.viz.layout import console_page

    pn.extension("tabulator", inline=True)
    console = OpsConsole(store)
    console.refresh()
    who = current_identity()
    roles = ", ".join(sorted(r.value for r in load_roles().roles_of(who))) or "no role"
    side = [
        "## Ops & compliance",
        f"**Acting as** `{who}` ({roles})",
        f"**Environment** `{store.environment}`",
        f"**Runs root** `{store.root}`",
    ]
    body = pn.Column(console.message, console.body, sizing_mode="stretch_width")
    return console_page("ops_console", side, body)


__all__ = ["OpsConsole", "approval_queue", "audit_status", "build_ops_console"]
