"""The control plane's commands (added to ``mi`` by :func:`add_commands`).

mi whoami                                   identity, roles, environment, runs root
mi keys init                                create this identity's ed25519 signing key
mi models list | show V                     the model inventory
mi models validate V --ticket T             validation run + signed 'validated' (validator)
mi models approve|deploy|retire V --ticket T
mi models rollback V --ticket T             retire V, redeploy the previous approved version
mi models promote V --to stage --ticket T   copy an approved model to the next environment
mi books approve RUN --ticket T             e-sign the book definition RUN was built with
mi publish RUN                              publish RUN's targets through the gate (new run)
mi ledger checkpoint                        sign the ledger head, copy it to the witness
mi runs fsck [--repair]                     what crashes left behind (repair: admin)
mi records list | hold | release | purge    retention timers, legal holds, purge
mi surveil RUN [--windows F.csv]            post-trade surveillance; opens exceptions
mi exceptions list | advance ID --note N    review and close exceptions (signed)
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def _store(args: argparse.Namespace) -> Any:
    from mi_kernel.runstore import RunStore

    return RunStore(args.runs_root)


def cmd_whoami(args: argparse.Namespace) -> int:
    from mi_kernel.governance import roles, signing

    who = roles.current_identity()
    book = roles.load_roles()
    store = _store(args)
    held = sorted(r.value for r in book.roles_of(who)) or ["none"]
    print(f"identity     {who}\nroles        {', '.join(held)}  ({book.path})")
    print(f"environment  {store.environment}\nruns root    {store.root}")
    print(
        f"keys         {signing.keys_dir()}\n"
        f"witness      {store.witness or 'none (MI_WITNESS_DIR)'}"
    )
    return 0


def cmd_keys_init(args: argparse.Namespace) -> int:
    from mi_kernel.governance import roles, signing

    who = roles.current_identity()
    print(f"{who}: ed25519 public key {signing.create_key(who)}")
    return 0


def _version(args: argparse.Namespace) -> str:
    """A version as given; 'selected' = the model the latest book run was built from."""
    if args.version == "selected":
        from mi_kernel.governance.publish import selected_model

        return selected_model(_store(args))
    return str(args.version)


def cmd_models_list(args: argparse.Namespace) -> int:
    from mi_kernel.governance.registry import inventory

    table = inventory(_store(args).ledger)
    if table.empty:
        print("no registered models (a model is registered when its training run seals)")
        return 0
    cols = ["model_version", "status", "maker", "approved_by", "review_due", "review_overdue"]
    print(table[cols].to_string(index=False))
    return 0


def cmd_models_show(args: argparse.Namespace) -> int:
    from mi_kernel.governance.registry import model

    rec = model(_store(args).ledger, _version(args))
    print(json.dumps({"status": rec.status, **rec.detail}, indent=2, default=str))
    for e in rec.history:
        print(
            f"  {e.ts:%Y-%m-%d %H:%M} {e.detail['status']:<10} by {e.actor:<10} "
            f"ticket {e.detail['ticket']}"
        )
    return 0


def cmd_models_validate(args: argparse.Namespace) -> int:
    from mi_kernel.governance.validation import validate_model

    run_id, entry = validate_model(_store(args), _version(args), args.ticket)
    print(f"{entry.subject} validated by {entry.actor} (report: run {run_id})")
    for line in entry.detail.get("findings", []):
        print(f"  - {line}")
    return 0


def cmd_models_move(args: argparse.Namespace) -> int:
    from mi_kernel.governance.registry import model, set_status

    status = {"approve": "approved", "deploy": "deployed", "retire": "retired"}[args.models_command]
    ledger = _store(args).ledger
    e = set_status(ledger, _version(args), status, args.ticket, reason=args.reason)
    print(f"{e.subject} {status} by {e.actor} (ticket {args.ticket}, ledger seq {e.seq}, signed)")
    validated = model(ledger, e.subject).last("validated")
    for line in validated.detail.get("findings", []) if validated else []:
        print(f"  validation finding on record: {line}")
    return 0


def cmd_models_rollback(args: argparse.Namespace) -> int:
    from mi_kernel.governance.registry import rollback

    out, back = rollback(_store(args).ledger, args.version, args.ticket)
    print(f"retired {out.subject}; redeployed {back.subject} (ticket {args.ticket})")
    return 0


def cmd_models_promote(args: argparse.Namespace) -> int:
    from mi_kernel.governance.promotion import promote
    from mi_kernel.runstore import RunStore

    src = _store(args)
    dst = RunStore(args.to_root, environment=args.to)
    run_id, e = promote(src, dst, _version(args), args.ticket)
    print(
        f"{e.subject} promoted {src.environment} -> {dst.environment} by {e.actor} "
        f"(run {run_id} in {dst.root}, approval signed)"
    )
    return 0


def cmd_books_approve(args: argparse.Namespace) -> int:
    from mi_kernel.governance.publish import approve_run_book

    e = approve_run_book(_store(args), args.run_id, args.ticket, args.note)
    print(f"book {e.subject} ({e.detail['book_hash'][:12]}) approved by {e.actor}, signed")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from mi_kernel.governance.publish import instruction_path, publish_run

    store = _store(args)
    run_id, version = publish_run(store, args.run_id)
    instr = json.loads(instruction_path(store.sealed_dir(run_id), version).read_text())
    approvals = ", ".join(instr["approvals"]) or "none"
    print(f"{instr['status']} {version} in run {run_id} (book approved by: {approvals})")
    return 0


def cmd_checkpoint(args: argparse.Namespace) -> int:
    from mi_kernel.governance.anchor import checkpoint
    from mi_kernel.governance.roles import Action, require

    require(Action.CHECKPOINT)
    store = _store(args)
    cp = checkpoint(store.ledger, store.witness)
    if cp is None:
        print("the ledger is empty: nothing to checkpoint")
        return 0
    print(f"checkpoint at seq {cp.seq} ({cp.head_hash[:16]}), witness: {store.witness or 'none'}")
    return 0


def cmd_fsck(args: argparse.Namespace) -> int:
    from mi_kernel.runstore.fsck import fsck

    found = fsck(_store(args), repair=args.repair)
    for f in found:
        print(f"{'repaired' if f.repaired else 'found':<9} {f.kind:<15} {f.subject}: {f.detail}")
    open_ = [f for f in found if not f.repaired and f.kind != "in-progress"]
    print(
        f"{len(found)} finding(s), {len(open_)} left"
        + ("" if args.repair or not open_ else " — repair with `mi runs fsck --repair` (admin)")
    )
    return 1 if open_ else 0


def cmd_records(args: argparse.Namespace) -> int:
    from mi_kernel.governance import retention

    store = _store(args)
    what = args.records_command
    if what == "list":
        table = retention.retention_table(store)
        print(table.drop(columns=["sealed"]).to_string(index=False) if len(table) else "no runs")
    elif what == "hold":
        e = retention.hold(store.ledger, args.subject, args.reason, args.ticket)
        print(f"legal hold on {e.subject} by {e.actor} (ticket {args.ticket}), signed")
    elif what == "release":
        e = retention.release(store.ledger, args.subject, args.reason)
        print(f"hold on {e.subject} released by {e.actor}, signed")
    else:
        ids = retention.purge(store, args.run_ids or None, dry_run=args.dry_run)
        verb = "would purge" if args.dry_run else "purged (tombstones in the ledger)"
        print(f"{verb}: {', '.join(ids) if ids else 'nothing expired and unheld'}")
    return 0


def _records_parser(sub: Any) -> None:
    rec = sub.add_parser("records", help="retention timers, legal holds, purge")
    rsub = rec.add_subparsers(dest="records_command", required=True)
    rsub.add_parser("list").set_defaults(func=cmd_records)
    for name in ("hold", "release"):
        p = rsub.add_parser(name)
        p.add_argument("subject", help="a run id, or class:<runs|signals|decisions|approvals>")
        p.add_argument("--reason", required=True)
        if name == "hold":
            p.add_argument("--ticket", required=True)
        p.set_defaults(func=cmd_records)
    pg = rsub.add_parser("purge")
    pg.add_argument("run_ids", nargs="*")
    pg.add_argument("--dry-run", action="store_true")
    pg.set_defaults(func=cmd_records)


def cmd_surveil(args: argparse.Namespace) -> int:
    import pandas as pd

    from mi_kernel import compliance
    from mi_kernel.governance.exceptions import surveil_run

    windows = None
    if args.windows:
        windows = compliance.RestrictionList.from_frame(pd.read_csv(args.windows))
    found, new = surveil_run(_store(args), args.run_id, windows)
    counts = found["rule"].value_counts().to_dict() if len(found) else {}
    print(f"{len(found)} finding(s) {counts}; {len(new)} new exception(s) opened")
    return 0


def cmd_exceptions(args: argparse.Namespace) -> int:
    from mi_kernel.governance.exceptions import advance, exceptions_table

    store = _store(args)
    if args.exceptions_command == "list":
        table = exceptions_table(store.ledger)
        cols = ["exception_id", "state", "rule", "severity", "symbol", "ts", "by"]
        print(table[cols].to_string(index=False) if len(table) else "no exceptions")
        return 0
    e = advance(store.ledger, args.exception_id, args.note)
    print(f"exception {e.subject} {e.detail['state']} by {e.actor}, signed")
    return 0


def _models_parser(sub: Any) -> None:
    models = sub.add_parser("models", help="the model inventory and its approvals")
    msub = models.add_subparsers(dest="models_command", required=True)
    msub.add_parser("list").set_defaults(func=cmd_models_list)
    show = msub.add_parser("show")
    show.add_argument("version")
    show.set_defaults(func=cmd_models_show)
    val = msub.add_parser("validate")
    val.add_argument("version", help="a version, 'latest' (registered) or 'selected' (published)")
    val.add_argument("--ticket", required=True)
    val.set_defaults(func=cmd_models_validate)
    for name in ("approve", "deploy", "retire"):
        p = msub.add_parser(name)
        p.add_argument("version")
        p.add_argument("--ticket", required=True)
        p.add_argument("--reason", default="")
        p.set_defaults(func=cmd_models_move)
    pr = msub.add_parser("promote")
    pr.add_argument("version")
    pr.add_argument("--to", required=True, choices=["stage", "prod"])
    pr.add_argument("--to-root", default=None, help="target runs root (default: runs-<env>)")
    pr.add_argument("--ticket", required=True)
    pr.set_defaults(func=cmd_models_promote)
    rb = msub.add_parser("rollback")
    rb.add_argument("version")
    rb.add_argument("--ticket", required=True)
    rb.set_defaults(func=cmd_models_rollback)


def add_commands(sub: Any, runs_sub: Any) -> None:
    """Add the control plane's commands to the ``mi`` parser (``runs_sub``: ``mi runs``)."""
    sub.add_parser("whoami", help="identity, roles, environment").set_defaults(func=cmd_whoami)
    keys = sub.add_parser("keys", help="signing keys")
    keys.add_subparsers(dest="keys_command", required=True).add_parser("init").set_defaults(
        func=cmd_keys_init
    )
    _models_parser(sub)
    _records_parser(sub)
    sv = sub.add_parser("surveil", help="post-trade surveillance of a run's backtests")
    sv.add_argument("run_id")
    sv.add_argument("--windows", help="CSV of restriction windows (symbol,start,end,kind,reason)")
    sv.set_defaults(func=cmd_surveil)
    ex = sub.add_parser("exceptions", help="compliance exceptions: list, review, close")
    esub = ex.add_subparsers(dest="exceptions_command", required=True)
    esub.add_parser("list").set_defaults(func=cmd_exceptions)
    adv = esub.add_parser("advance", help="open -> reviewed -> closed, with a signed note")
    adv.add_argument("exception_id")
    adv.add_argument("--note", required=True)
    adv.set_defaults(func=cmd_exceptions)
    books = sub.add_parser("books", help="book approvals")
    bsub = books.add_subparsers(dest="books_command", required=True)
    ap = bsub.add_parser("approve")
    ap.add_argument("run_id", help="the run whose book definition is approved, or 'latest'")
    ap.add_argument("--ticket", required=True)
    ap.add_argument("--note", default="")
    ap.set_defaults(func=cmd_books_approve)
    pub = sub.add_parser("publish", help="publish a run's targets through the gate")
    pub.add_argument("run_id", help="a sealed run with a book, or 'latest'")
    pub.set_defaults(func=cmd_publish)
    ledger = sub.add_parser("ledger", help="ledger anchoring")
    ledger.add_subparsers(dest="ledger_command", required=True).add_parser(
        "checkpoint"
    ).set_defaults(func=cmd_checkpoint)
    fs = runs_sub.add_parser("fsck", help="find (and repair) what crashes left")
    fs.add_argument("--repair", action="store_true")
    fs.set_defaults(func=cmd_fsck)


__all__ = ["add_commands"]
