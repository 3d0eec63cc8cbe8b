"""The public side of the CLI: `hardening summary`, `hardening lint-public`, `hardening comms`.

Every public render is linted (`hardening.disclosure`) before anything is written; hits print
one per line on stderr and the command exits 1 unless each hit's rule is allowed with
`--allow RULE --reason TEXT`, which is then recorded on stderr (and in the JSON summary).
`--approved FILE` lists sentences the organisation has vetted word for word: they need no
known-safe shape (`unvetted-statement`), but every other rule still reads them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hardening.disclosure import RULES, Hit, LintConfig, html_text, lint
from hardening.errors import UsageError
from hardening.model import RunResult
from hardening.public import PublicSummary, build_summary, find_baseline, resource_ids
from hardening.runner import ExitCode
from hardening.store import default_store_path, open_store

__all__ = ["add_parsers"]


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register `summary`, `lint-public` and `comms` on the CLI's subparsers."""
    summary = sub.add_parser(
        "summary", parents=[common], help="customer-safe summary of what has improved"
    )
    summary.add_argument("run", nargs="?", default="latest", help="run id, prefix, or latest")
    summary.add_argument(
        "--public", action="store_true", help="the customer-safe summary (the only kind)"
    )
    summary.add_argument("--format", choices=("html", "md", "json", "txt"), default="txt")
    summary.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to this file")
    _render_options(summary)
    summary.set_defaults(handler=_cmd_summary)

    lint_p = sub.add_parser(
        "lint-public", parents=[common], help="flag attacker-useful detail in public text"
    )
    lint_p.add_argument("file", help="text, Markdown or HTML file, or - for stdin")
    lint_p.add_argument("--html", action="store_true", help="treat the input as HTML")
    _lint_options(lint_p)
    lint_p.set_defaults(handler=_cmd_lint)

    comms = sub.add_parser("comms", parents=[common], help="render the breach communications pack")
    comms.add_argument("incident", type=Path, help="incident facts file (YAML)")
    comms.add_argument("--run", default="latest", help="run id, prefix, or latest")
    comms.add_argument(
        "-o", "--output", type=Path, required=True, metavar="DIR", help="output folder"
    )
    _render_options(comms)
    comms.set_defaults(handler=_cmd_comms)


def _lint_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-domain",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="a public host name of the organisation that may be named (repeatable)",
    )
    p.add_argument(
        "--allow",
        action="append",
        default=[],
        choices=sorted(RULES),
        metavar="RULE",
        help=f"publish despite hits of this rule (needs --reason): {', '.join(sorted(RULES))}",
    )
    p.add_argument("--reason", metavar="TEXT", help="why the --allow'ed rules are acceptable")
    p.add_argument(
        "--approved",
        type=Path,
        metavar="FILE",
        help="sentences your organisation has vetted, one per line (# comments): they need no "
        "known-safe shape, but every other rule still applies",
    )


def _approved(args: argparse.Namespace) -> tuple[str, ...]:
    """The sentences of the --approved file: one per line, blank lines and # comments skipped."""
    path: Path | None = args.approved
    if path is None:
        return ()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise UsageError(f"cannot read: {why}", file=str(path), field="--approved") from None
    return tuple(
        " ".join(line.split())
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    )


def _render_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--baseline", metavar="RUN", help="compare with this run")
    p.add_argument(
        "--mention-ongoing",
        action="store_true",
        help='say "we continue to strengthen X" for areas still failing (default: leave out)',
    )
    p.add_argument("--templates", type=Path, metavar="DIR", help="your templates, tried first")
    p.add_argument(
        "--store", type=Path, metavar="DB", help=f"results store (default: {default_store_path()})"
    )
    _lint_options(p)


def _allowed(args: argparse.Namespace) -> tuple[tuple[str, str], ...]:
    if args.allow and not (args.reason and args.reason.strip()):
        raise UsageError("--allow needs --reason TEXT saying why", field="--allow")
    return tuple((rule, args.reason.strip()) for rule in dict.fromkeys(args.allow))


def _report(hits: Iterable[tuple[str, str, Hit]], allowed: tuple[tuple[str, str], ...]) -> int:
    """Print hits (`source:line:col: rule: message: 'span'`); 1 if any rule is not allowed."""
    allowed_rules = {r for r, _ in allowed}
    blocking = 0
    for source, text, hit in hits:
        line = text.count("\n", 0, hit.start) + 1
        col = hit.start - (text.rfind("\n", 0, hit.start) + 1) + 1
        tag = " (allowed)" if hit.rule in allowed_rules else ""
        print(
            f"{source}:{line}:{col}: {hit.rule}: {hit.message}: {hit.text!r}{tag}", file=sys.stderr
        )
        blocking += hit.rule not in allowed_rules
    for rule, reason in allowed:
        print(f"hardening: disclosure lint: {rule} allowed: {reason}", file=sys.stderr)
    if blocking:
        print(
            f"hardening: {blocking} disclosure hit(s); fix the wording, or use --allow RULE "
            "--reason TEXT",
            file=sys.stderr,
        )
        return ExitCode.FINDINGS
    return ExitCode.OK


def _cmd_lint(args: argparse.Namespace) -> int:
    allowed = _allowed(args)
    if args.file == "-":
        raw, source = sys.stdin.read(), "<stdin>"
    else:
        try:
            raw, source = Path(args.file).read_text(encoding="utf-8"), args.file
        except (OSError, UnicodeDecodeError) as exc:
            why = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise UsageError(f"cannot read: {why}", file=args.file) from None
    is_html = args.html or args.file.endswith((".html", ".htm"))
    text = html_text(raw) if is_html else raw
    config = LintConfig(allow_domains=tuple(args.allow_domain), approved=_approved(args))
    return _report(((source, text, h) for h in lint(text, config)), allowed)


def _load_runs(args: argparse.Namespace, ref: str) -> tuple[RunResult, RunResult | None]:
    with open_store(args.store) as store:
        run = store.load(ref)
        baseline = store.load(args.baseline) if args.baseline else find_baseline(store, run)
    return run, baseline


def _summary_for(args: argparse.Namespace, ref: str) -> tuple[PublicSummary, tuple[str, ...]]:
    run, baseline = _load_runs(args, ref)
    summary = build_summary(run, baseline, mention_ongoing=args.mention_ongoing)
    return summary, resource_ids((run, baseline))


def _override_hits(args: argparse.Namespace, config: LintConfig) -> list[tuple[str, str, Hit]]:
    from hardening.reports.public.environment import lint_overrides

    if args.templates is None:
        return []
    return list(lint_overrides(args.templates, config))


def _cmd_summary(args: argparse.Namespace) -> int:
    from hardening.reports.public import FORMATS
    from hardening.reports.public.environment import public_env

    allowed = _allowed(args)
    summary, ids = _summary_for(args, args.run)
    env = public_env(args.templates)
    render, _ext, is_html = FORMATS[args.format]
    text = render(summary, env, allowed)
    config = LintConfig(
        allow_domains=tuple(args.allow_domain), resource_ids=ids, approved=_approved(args)
    )
    body = html_text(text) if is_html else text
    if args.format == "json":
        from hardening.reports.public.json import lint_text

        body = lint_text(text)
    source = str(args.output) if args.output else f"<summary.{args.format}>"
    hits = [*_override_hits(args, config), *((source, body, h) for h in lint(body, config))]
    code = _report(hits, allowed)
    if code != ExitCode.OK:
        return code
    if args.output is None:
        sys.stdout.write(text)
    else:
        _write(args.output, text)
    return ExitCode.OK


def _cmd_comms(args: argparse.Namespace) -> int:
    from hardening.comms import build_pack, lint_pack, load_facts, render_pack
    from hardening.reports.public.environment import public_env

    allowed = _allowed(args)
    facts = load_facts(args.incident)
    summary, ids = _summary_for(args, args.run)
    env = public_env(args.templates, packs=("comms", "public"))
    files = render_pack(build_pack(facts, summary, env), env)
    domains = (*facts.public_domains, *args.allow_domain)
    config = LintConfig(allow_domains=domains, resource_ids=ids, approved=_approved(args))
    hits = [*_override_hits(args, config)]
    hits += [(name, _lint_body(name, files[name]), h) for name, h in lint_pack(files, config)]
    code = _report(hits, allowed)
    if code != ExitCode.OK:
        print("hardening: nothing written", file=sys.stderr)
        return code
    for name, text in files.items():
        _write(args.output / name, text)
    print(f"wrote {len(files)} files to {args.output}", file=sys.stderr)
    return ExitCode.OK


def _lint_body(name: str, text: str) -> str:
    return html_text(text) if name.endswith(".html") else text


def _write(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        raise UsageError(f"cannot write: {exc.strerror}", file=str(target)) from None
