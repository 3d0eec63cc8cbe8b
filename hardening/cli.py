"""The command line: parse, wire the engine together, print, return the engine's exit code."""

from __future__ import annotations

import argparse
import inspect
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any, TextIO

from hardening import __version__, notify, publiccli, reports
from hardening.collectors.prefetch import default_jobs
from hardening.context import GROUP_ABOVE
from hardening.errors import HardeningError, InputError, UsageError
from hardening.model import RunResult, Severity
from hardening.redact import RedactingFormatter
from hardening.registry import Registry, discover
from hardening.runner import ExitCode, RunOptions, exit_code, load_and_run
from hardening.store import ResultStore, SQLiteStore, default_store_path

log = logging.getLogger("hardening")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with `argv` (default: `sys.argv[1:]`) and return the exit code."""
    args = _parser().parse_args(argv)
    _configure_logging(args.verbose, args.debug)
    try:
        return int(args.handler(args))
    except InputError as exc:
        print(f"hardening: error: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    except HardeningError as exc:
        print(f"hardening: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    except KeyboardInterrupt:
        print("hardening: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `hardening ... | head`: the reader left; say nothing more, like other Unix tools.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the exit flush from raising
        return ExitCode.OK


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hardening", description="Post-breach hardening auditor.")
    p.add_argument("--version", action="version", version=f"hardening {__version__}")
    _common(p, False)
    common = argparse.ArgumentParser(add_help=False)
    _common(common, argparse.SUPPRESS)  # also accepted after the command name
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    scan = sub.add_parser("scan", parents=[common], help="audit an estate file")
    src = scan.add_mutually_exclusive_group(required=True)
    src.add_argument("estate", nargs="?", type=Path, help="estate file (YAML, version 1)")
    src.add_argument("--demo", action="store_true", help="scan the shipped demo estate")
    _output_options(scan)
    scan.add_argument(
        "--fail-on",
        default="high",
        choices=[*Severity, "never"],
        help="lowest failing severity that exits 1 (default: high)",
    )
    scan.add_argument(
        "--check",
        action="append",
        default=[],
        metavar="ID",
        help="run only this check or domain (repeatable)",
    )
    scan.add_argument(
        "--skip-check",
        action="append",
        default=[],
        metavar="ID",
        help="leave out this check or domain (repeatable)",
    )
    scan.add_argument("--probe", action="store_true", help="probe declared endpoints live")
    scan.add_argument("--today", type=_date, help="audit as of this date (YYYY-MM-DD)")
    scan.add_argument(
        "--group-above",
        type=_count,
        default=GROUP_ABOVE,
        metavar="N",
        help="report up to N resources with the same verdict from one check one finding each; "
        f"above N, one group finding listing every resource (default: {GROUP_ABOVE})",
    )
    scan.add_argument(
        "--jobs",
        type=_positive,
        default=default_jobs(),
        metavar="N",
        help="processes to use: large credential and TOTP stores are read in N-1 worker "
        f"processes while the estate loads (default: the cores available, {default_jobs()})",
    )
    scan.add_argument("--no-progress", action="store_true", help="no progress bar")
    _store_options(scan, allow_none=True)
    scan.set_defaults(handler=_cmd_scan)

    checks = sub.add_parser("checks", parents=[common], help="list or explain checks")
    csub = checks.add_subparsers(dest="checks_command", required=True, metavar="ACTION")
    csub.add_parser("list", parents=[common], help="list available checks").set_defaults(
        handler=_cmd_checks_list
    )
    explain = csub.add_parser(
        "explain", parents=[common], help="print what a check does and how to fix it"
    )
    explain.add_argument("check_id", metavar="ID")
    explain.set_defaults(handler=_cmd_checks_explain)

    runs = sub.add_parser("runs", parents=[common], help="list stored runs, newest first")
    runs.add_argument("--limit", type=int, default=20)
    _store_options(runs, allow_none=False)
    runs.set_defaults(handler=_cmd_runs)

    report = sub.add_parser("report", parents=[common], help="render a stored run")
    report.add_argument("run", nargs="?", default="latest", help="run id, prefix, or latest")
    _output_options(report)
    _store_options(report, allow_none=False)
    report.set_defaults(handler=_cmd_report)
    notify.add_parser(sub, common)
    publiccli.add_parsers(sub, common)
    return p


def _common(p: argparse.ArgumentParser, default: Any) -> None:
    p.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="log progress details"
    )
    p.add_argument(
        "--debug", action="store_true", default=default, help="re-raise crashes with a traceback"
    )


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        action="append",
        choices=reports.available(),
        metavar="FORMAT",
        help=f"output format, repeatable: {', '.join(reports.available())}",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="PATH",
        help="write to this file, or into this directory for several formats",
    )


def _store_options(p: argparse.ArgumentParser, *, allow_none: bool) -> None:
    p.add_argument(
        "--store", type=Path, metavar="DB", help=f"results store (default: {default_store_path()})"
    )
    if allow_none:
        p.add_argument("--no-store", action="store_true", help="do not record this run")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"not a whole number of 0 or more: {text!r}")
    return value


def _positive(text: str) -> int:
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of 1 or more: {text!r}")
    return value


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def _configure_logging(verbose: bool, debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("hardening: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)


def _cmd_scan(args: argparse.Namespace) -> int:
    registry = discover()
    if args.demo:
        with as_file(files("hardening.demo")) as demo_dir:
            run = _run(args, registry, Path(demo_dir) / "estate.yaml")
    else:
        run = _run(args, registry, args.estate)
    if not args.no_store:
        with _open_store(args.store) as store:
            store.save(run)
    _emit(run, args.format or ["terminal"], args.output)
    fail_on = None if args.fail_on == "never" else Severity(args.fail_on)
    return exit_code(run, fail_on)


def _run(args: argparse.Namespace, registry: Registry, path: Path) -> RunResult:
    options = RunOptions(
        args.check,
        args.skip_check,
        args.today,
        args.probe,
        args.debug,
        args.group_above,
        args.jobs,
    )
    show = not args.no_progress and sys.stderr.isatty()
    _, run = load_and_run(path, registry, options, _progress if show else None)
    return run


def _progress(done: int, total: int, check_id: str) -> None:
    width = 24
    bar = "#" * (width * done // total)
    end = "\n" if done == total else ""
    sys.stderr.write(f"\r\x1b[2K[{bar:<{width}}] {done}/{total} {check_id}{end}")
    sys.stderr.flush()


def _open_store(path: Path | None) -> ResultStore:
    return SQLiteStore(path or default_store_path())


def _emit(run: RunResult, formats: list[str], output: Path | None) -> None:
    """Print or write each format; several formats need `-o DIR`."""
    if output is None:
        if len([f for f in formats if f != "terminal"]) > 1:
            raise UsageError("several formats need -o DIR", field="--format")
        for name in formats:
            _write(sys.stdout, reports.get(name).render(run, _color(sys.stdout)))
        return
    into_dir = len(formats) > 1 or output.is_dir() or str(output).endswith(os.sep)
    for name in formats:
        fmt = reports.get(name)
        target = output / f"hardening-{run.id}.{fmt.extension}" if into_dir else output
        _atomic_write(target, fmt.render(run, False))
        print(f"wrote {target}", file=sys.stderr)


def _color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def _write(stream: TextIO, text: str) -> None:
    stream.write(text if text.endswith("\n") else text + "\n")


def _atomic_write(target: Path, text: str) -> None:
    # Write beside the target and rename, so a failed write never leaves half a report. A
    # target that exists and is not a regular file (/dev/null, a FIFO, /dev/stdout) is written
    # in place: renaming over it would replace the device with a file.
    try:
        if target.exists() and not target.is_file():
            with target.open("w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        raise UsageError(f"cannot write report: {exc.strerror}", file=str(target)) from None


def _cmd_checks_list(args: argparse.Namespace) -> int:
    registry = discover()
    for cid, spec in registry.specs().items():
        print(f"{cid:<45} {spec.severity.value:<8} {spec.title}")
    for err in registry.load_errors:
        print(f"load error: {err.source}: {err.message}", file=sys.stderr)
    return ExitCode.CHECK_ERROR if registry.load_errors else ExitCode.OK


def _cmd_checks_explain(args: argparse.Namespace) -> int:
    cls = discover().get(args.check_id)
    spec = cls.spec
    lines = [
        f"{spec.id} — {spec.title}",
        f"severity: {spec.severity.value}    domain: {spec.domain}    "
        f"needs: {', '.join(sorted(spec.needs)) or '-'}",
        f"public title: {spec.public_title or '(never shown publicly)'}",
        "",
        inspect.cleandoc(cls.__doc__ or ""),
        "",
        "Rationale:",
        f"  {spec.rationale}",
        "",
        "Remediation:",
        f"  {spec.remediation.text}",
        *(f"  {n}. {step}" for n, step in enumerate(spec.remediation.steps, start=1)),
    ]
    if spec.references:
        lines += ["", "References:", *(f"  - {r}" for r in spec.references)]
    print("\n".join(lines))
    return ExitCode.OK


def _cmd_runs(args: argparse.Namespace) -> int:
    with _open_store(args.store) as store:
        infos = store.list_runs(args.limit)
    if not infos:
        print("no stored runs")
    for info in infos:
        s = info.summary
        print(
            f"{info.id}  {info.started_at:%Y-%m-%d %H:%M}  {info.estate}  "
            f"pass {s['pass']}  fail {s['fail']}  error {s['error']}  skip {s['skip']}"
        )
    return ExitCode.OK


def _cmd_report(args: argparse.Namespace) -> int:
    with _open_store(args.store) as store:
        run = store.load(args.run)
    _emit(run, args.format or ["terminal"], args.output)
    return ExitCode.OK
