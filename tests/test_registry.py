"""Discovery and validation of check plugins: bad plugins are load errors, never crashes."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

from hardening.check import Check, register
from hardening.context import CheckContext
from hardening.model import CheckSpec, Finding, Remediation, Severity
from hardening.registry import discover, from_modules


def _spec(cid: str, **overrides: object) -> CheckSpec:
    fields: dict[str, object] = {
        "id": cid,
        "title": "a title",
        "severity": Severity.LOW,
        "rationale": "why",
        "remediation": Remediation("fix"),
    }
    fields.update(overrides)
    return CheckSpec(**fields)  # type: ignore[arg-type]


def _make(name: str, spec: CheckSpec | None) -> type[Check]:
    def evaluate(self: Check, ctx: CheckContext) -> Iterator[Finding]:
        return iter(())

    body: dict[str, object] = {"evaluate": evaluate}
    if spec is not None:
        body["spec"] = spec
    return register(type(name, (Check,), body))


def _module(name: str, *classes: type) -> types.ModuleType:
    mod = types.ModuleType(name)
    for cls in classes:
        cls.__module__ = name
        setattr(mod, cls.__name__, cls)
    sys.modules[name] = mod
    return mod


def test_invalid_plugins_become_load_errors_and_valid_ones_load() -> None:
    mod = _module(
        "fake_plugin_pack",
        _make("Good", _spec("auth.fine_check")),
        _make("BadId", _spec("Auth-Bad")),
        _make("NoSpec", None),
        _make("EmptyTitle", _spec("auth.empty_title", title=" ")),
        _make("EmptyFix", _spec("auth.empty_fix", remediation=Remediation(""))),
        _make("Dup", _spec("auth.fine_check")),
        _make("BadNeed", _spec("auth.bad_need", needs=frozenset({"tea"}))),
    )
    registry = from_modules([mod])
    assert list(registry.checks) == ["auth.fine_check"]
    messages = " | ".join(f"{e.source}: {e.message}" for e in registry.load_errors)
    assert "'Auth-Bad' is not of the form" in messages
    assert "NoSpec: has no `spec" in messages
    assert "'title' is missing" in messages
    assert "'remediation' is missing" in messages
    assert "duplicate check id 'auth.fine_check'" in messages
    assert "unknown facet(s) tea" in messages
    assert len(registry.load_errors) == 6


def test_package_with_a_module_that_fails_to_import(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pkg = tmp_path / "brokenpack"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "ok.py").write_text(
        "from hardening import Check, CheckSpec, Remediation, Severity, register\n"
        "@register\n"
        "class Ok(Check):\n"
        "    spec = CheckSpec(id='datastore.ok_check', title='t', severity=Severity.LOW,\n"
        "                     rationale='r', remediation=Remediation('f'))\n"
        "    def evaluate(self, ctx):\n"
        "        return iter(())\n"
    )
    (pkg / "broken.py").write_text("import not_a_module_anywhere\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import brokenpack  # type: ignore[import-not-found]

    registry = from_modules([brokenpack])
    assert list(registry.checks) == ["datastore.ok_check"]
    (err,) = registry.load_errors
    assert err.source == "brokenpack.broken"
    assert "ModuleNotFoundError" in err.message


def test_builtin_pack_loads_cleanly_through_entry_points() -> None:
    registry = discover()
    assert registry.load_errors == ()
    domains = {cid.split(".")[0] for cid in registry.checks}
    assert {"auth", "datastore", "placement"} <= domains
    for domain in ("auth", "datastore", "placement"):
        assert sum(cid.startswith(domain + ".") for cid in registry.checks) >= 3


def test_blocked_entry_point_is_left_out() -> None:
    assert discover(blocked=["builtin"]).checks == {}
