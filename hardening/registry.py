"""Discovery of checks through the `hardening.checks` entry-point group.

Each entry point names a module or package. Discovery imports it (and, for a package, every
module below it), collects the classes marked with `@register`, and validates their specs. A
module that fails to import and a check whose spec is invalid become `LoadError`s that every
report shows; they never crash the run and are never silently dropped.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType

from hardening.check import Check, is_registered
from hardening.context import FACETS
from hardening.errors import UsageError
from hardening.model import CHECK_ID_RE, CheckSpec, LoadError, Severity

GROUP = "hardening.checks"


@dataclass(frozen=True)
class Registry:
    """The checks that loaded, by id in a stable order, and what failed to load."""

    checks: dict[str, type[Check]] = field(default_factory=dict)
    """Valid checks by id, sorted by id."""
    load_errors: tuple[LoadError, ...] = ()
    """Modules and checks that could not be loaded or validated."""

    def specs(self) -> dict[str, CheckSpec]:
        """Specs by id."""
        return {cid: cls.spec for cid, cls in self.checks.items()}

    def select(self, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[str]:
        """Ids selected by `--check` and `--skip-check` patterns.

        A pattern is a full check id or a domain (`auth`, also written `auth.`). A pattern that
        matches no loaded check is a usage error, with a suggestion when one is close.
        """
        chosen = [cid for cid in self.checks if not include or _matches_any(cid, include)]
        for pattern in (*include, *exclude):
            self._require_match(pattern)
        return [cid for cid in chosen if not _matches_any(cid, exclude)]

    def get(self, check_id: str) -> type[Check]:
        """The check registered as `check_id`; a usage error with a suggestion otherwise."""
        cls = self.checks.get(check_id)
        if cls is None:
            hint = _suggest(check_id, list(self.checks))
            raise UsageError(f"no check {check_id!r}{hint}", field="explain")
        return cls

    def _require_match(self, pattern: str) -> None:
        if any(_matches(cid, pattern) for cid in self.checks):
            return
        domains = sorted({cid.split(".", 1)[0] for cid in self.checks})
        hint = _suggest(pattern, [*self.checks, *domains])
        raise UsageError(f"no check or domain matches {pattern!r}{hint}", field="--check")


def _suggest(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _matches(check_id: str, pattern: str) -> bool:
    pattern = pattern.rstrip(".")
    return check_id == pattern or check_id.startswith(pattern + ".")


def _matches_any(check_id: str, patterns: Sequence[str]) -> bool:
    return any(_matches(check_id, p) for p in patterns)


def discover(blocked: Iterable[str] = ()) -> Registry:
    """Load every check registered in the `hardening.checks` entry-point group.

    `blocked` names entry points to leave out (a plugin that misbehaves can be switched off).
    """
    modules: list[ModuleType] = []
    errors: list[LoadError] = []
    skip = set(blocked)
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        if ep.name in skip:
            continue
        try:
            loaded = ep.load()
        except Exception as exc:  # a broken plugin is data, not a crash
            errors.append(LoadError(f"entry point {ep.name!r} ({ep.value})", _describe(exc)))
            continue
        if not isinstance(loaded, ModuleType):
            errors.append(LoadError(f"entry point {ep.name!r}", "must name a module or package"))
            continue
        modules.append(loaded)
    return from_modules(modules, errors)


def from_modules(modules: Iterable[ModuleType], errors: Iterable[LoadError] = ()) -> Registry:
    """Build a registry from modules (packages are walked), validating every marked check."""
    load_errors = list(errors)
    found: dict[str, type[Check]] = {}
    for module in modules:
        for mod in _walk(module, load_errors):
            for _, obj in inspect.getmembers(mod, is_registered):
                if obj.__module__ != mod.__name__:
                    continue  # imported into this module from elsewhere
                problem = _validate(obj)
                if problem is not None:
                    load_errors.append(LoadError(f"{mod.__name__}.{obj.__name__}", problem))
                    continue
                cid = obj.spec.id
                if cid in found:
                    first = found[cid]
                    load_errors.append(
                        LoadError(
                            f"{mod.__name__}.{obj.__name__}",
                            f"duplicate check id {cid!r} (already defined by "
                            f"{first.__module__}.{first.__name__})",
                        )
                    )
                    continue
                found[cid] = obj
    return Registry(dict(sorted(found.items())), tuple(load_errors))


def _walk(module: ModuleType, errors: list[LoadError]) -> Iterable[ModuleType]:
    yield module
    path = getattr(module, "__path__", None)
    if path is None:
        return
    for info in sorted(pkgutil.walk_packages(path, module.__name__ + "."), key=lambda i: i.name):
        try:
            yield importlib.import_module(info.name)
        except Exception as exc:
            errors.append(LoadError(info.name, _describe(exc)))


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _validate(cls: type) -> str | None:
    if not issubclass(cls, Check):
        return "@register is for subclasses of hardening.Check"
    if inspect.isabstract(cls):
        return "does not implement evaluate(ctx)"
    spec = getattr(cls, "spec", None)
    if not isinstance(spec, CheckSpec):
        return "has no `spec = CheckSpec(...)`"
    if not CHECK_ID_RE.match(spec.id):
        return f"check id {spec.id!r} is not of the form <domain>.<condition> ([a-z0-9_])"
    for name in ("title", "rationale"):
        if not isinstance(getattr(spec, name), str) or not getattr(spec, name).strip():
            return f"{spec.id}: spec field {name!r} is missing or empty"
    if not spec.remediation.text.strip():
        return f"{spec.id}: spec field 'remediation' is missing or empty"
    if not isinstance(spec.severity, Severity):
        return f"{spec.id}: severity must be a hardening.Severity"
    unknown = sorted((set(spec.needs) | set(spec.uses)) - set(FACETS))
    if unknown:
        return f"{spec.id}: needs unknown facet(s) {', '.join(unknown)}"
    return None
