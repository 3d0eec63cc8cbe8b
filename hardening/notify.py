"""Who must be told, and by when: breach-notification obligations from incident facts.

`hardening notify INCIDENT.yaml` reads the incident facts (see `hardening.notifyfile`), the
shipped rules file `hardening/data/notification-rules-v1.yaml` (plus the organisation's own
`--rules FILE`, merged by rule id) and, with `--run`, the encryption verdicts of a stored scan for
the affected stores. For every regime whose jurisdiction holds affected people it reports who must
be told, the deadline as a date, the trigger, the safe harbour considered, the citation and the
verification mark the research notes gave the fact.

Rules are data. Conditions use a small closed vocabulary (see the rules file header) that is
compiled to tuples here and interpreted by `_eval`; nothing is ever `eval`'d. Evaluation is
three-valued: a fact the incident does not give makes a condition *undetermined*, never a silent
"no notice needed". Risk-of-harm exemptions are never applied: they are listed as decisions for a
human. This is decision support, not legal advice.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from hardening.errors import EstateError, InputError
from hardening.estate import _Ctx, _Map, _parse_yaml, _Seq
from hardening.model import RunResult, Status

DISCLAIMER = "This is decision support, not legal advice."

RULES_RESOURCE = "notification-rules-v1.yaml"

DATA_CATEGORIES: tuple[str, ...] = (
    "name",
    "ssn",
    "drivers_license",
    "state_id",
    "passport",
    "military_id",
    "tax_id",
    "other_gov_id",
    "fin_account_number",
    "payment_card_number",
    "fin_access_code",
    "username",
    "email_address",
    "password",
    "security_qa",
    "medical_info",
    "health_insurance_info",
    "health_info",
    "phi",
    "biometric",
    "genetic",
    "alpr_data",
    "dob",
    "personal_data",
    "special_category_data",
)
"""Closed vocabulary of exposed data categories (the research notes' §4.1 list)."""

ENTITY_TYPES: tuple[str, ...] = (
    "hipaa_covered_entity",
    "hipaa_business_associate",
    "phr_vendor",
    "pecr_provider",
    "app_entity",
    "controller",
    "processor",
)
"""Kinds of organisation a regime may be limited to."""

RISK_LEVELS: tuple[str, ...] = ("unlikely", "risk", "high_risk")
"""The incident's recorded risk assessment, lowest first (GDPR/UK GDPR scale)."""

RECIPIENTS: tuple[str, ...] = (
    "regulator",
    "individuals",
    "media",
    "credit_bureaus",
    "controller",
    "covered_entity",
    "other_organisations",
    "record",
)
VERIFICATION: tuple[str, ...] = ("verified", "secondary", "unverified", "proposed")
CLOCKS: tuple[str, ...] = (
    "awareness",
    "discovery",
    "determination",
    "end_of_year",
    "individual_notice",
)
UNITS: tuple[str, ...] = ("hours", "days", "business_days")
OPERATORS: tuple[str, ...] = ("gt", "gte", "lt", "lte")
COUNT_FACTS: tuple[str, ...] = ("affected", "affected_total", "affected_state")

US_STATES: frozenset[str] = frozenset(
    (
        *("AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN"),
        *("IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV"),
        *("NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN"),
        *("TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "PR", "GU", "VI", "AS", "MP"),
    )
)
"""US states, DC and territories (incident codes are `US-XX`)."""

Verdict = bool | None
"""Three-valued truth: None when a needed fact is missing."""

Cond = tuple[Any, ...]
"""A compiled condition: `("always",)`, `("all", (c, ...))`, `("data_any", frozenset)`, ..."""

ObligationStatus = Literal["required", "decision", "not_required", "not_triggered", "undetermined"]
RegimeStatus = Literal["applies", "presumed", "undetermined", "not_applicable"]


# ---- rules ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """A decision for a human, or a note, with its source and verification mark."""

    text: str
    citation: str | None = None
    verification: str = "secondary"


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    standard: str
    amount: int | None = None
    unit: str | None = None
    start: str = "discovery"
    outer_limit: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ObligationRule:
    id: str
    recipient: str
    to: str
    trigger: str
    when: Cond
    status: str
    per_state: bool
    deadline: DeadlineRule
    citation: str
    source_url: str
    verification: str


@dataclass(frozen=True, slots=True)
class SafeHarbourRule:
    kind: str
    lost_if_key_compromised: bool
    covers: tuple[str, ...] | None
    """Obligation ids it removes; None = every obligation of the rule."""
    description: str
    citation: str
    source_url: str | None
    verification: str


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    revision: int
    name: str
    jurisdiction: str
    level: str
    residence: tuple[str, ...]
    effective_from: date | None
    effective_until: date | None
    citation: str
    source_url: str
    last_verified: date
    verification: str
    applies: Cond | None
    personal_info: Cond | None
    safe_harbour: SafeHarbourRule | None
    decisions: tuple[Item, ...]
    notes: tuple[Item, ...]
    obligations: tuple[ObligationRule, ...]
    origin: str
    """`file:line` where the rule is declared."""

    def in_force(self, day: date) -> bool:
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_until is None or day <= self.effective_until


@dataclass(frozen=True, slots=True)
class RuleSet:
    version: str
    published: date | None
    rules: tuple[Rule, ...]
    files: tuple[str, ...]

    def select(self, day: date) -> list[Rule]:
        """One revision per rule id: the one in force on `day` (ids in file order)."""
        chosen: dict[str, Rule] = {}
        for rule in self.rules:
            if rule.in_force(day) and rule.id not in chosen:
                chosen[rule.id] = rule
        return list(chosen.values())


def load_rules(extra: Sequence[Path] = ()) -> RuleSet:
    """The shipped rules, then each `extra` file merged over them by rule id."""
    resource = files("hardening") / "data" / RULES_RESOURCE
    shipped = _compile_rules(resource.read_text(encoding="utf-8"), f"<shipped>/{RULES_RESOURCE}")
    version, published, rules = shipped
    names = [f"{RULES_RESOURCE} {version}"]
    for path in extra:
        text = _read(path, "rules file")
        v, _, more = _compile_rules(text, str(path))
        names.append(f"{path} {v}")
        replaced = {r.id for r in more}
        rules = (*more, *(r for r in rules if r.id not in replaced))
    return RuleSet(version, published, tuple(rules), tuple(names))


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} not found", file=str(path)) from None
    except IsADirectoryError:
        raise InputError(f"expected a {what}, found a directory", file=str(path)) from None
    except UnicodeDecodeError:
        raise InputError(f"{what} is not UTF-8 text", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", file=str(path)) from None


def parse_yaml(text: str, file: str, what: str) -> _Map:
    """YAML with line numbers via the estate loader's walker; errors name `file:line`."""
    if not text.strip():
        raise InputError(f"the {what} is empty", file=file, line=1)
    ctx = _Ctx(file=file, base=Path("."), display_dir=Path("."))
    try:
        return _parse_yaml(text, ctx)
    except EstateError as exc:
        message = exc.message.replace("the estate file", f"the {what}")
        raise InputError(message, file=exc.file, line=exc.line, field=exc.field) from None


class _Node:
    """A mapping inside a rules file, with typed getters that fail with file:line and path."""

    def __init__(self, file: str, m: Mapping[str, Any], path: str, line: int) -> None:
        self.file = file
        self.m = m
        self.path = path
        self.line = m.line if isinstance(m, _Map) else line

    def _line(self, key: str) -> int:
        return self.m.vlines.get(key, self.line) if isinstance(self.m, _Map) else self.line

    def _field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> InputError:
        return InputError(message, file=self.file, line=self._line(key), field=self._field(key))

    def keys(self, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
        allowed = tuple(allowed)
        for key in self.m:
            if key not in allowed:
                line = self.m.klines.get(key, self.line) if isinstance(self.m, _Map) else self.line
                raise InputError(f"unknown key {key!r}", file=self.file, line=line, field=self.path)
        for key in required:
            if self.m.get(key) in (None, ""):
                raise InputError(
                    "required but missing", file=self.file, line=self.line, field=self._field(key)
                )

    def text(self, key: str, default: str | None = None) -> str:
        v = self.m.get(key)
        if v is None:
            if default is None:
                raise self.fail(key, "required but missing")
            return default
        if not isinstance(v, str) or not v.strip():
            raise self.fail(key, "expected a non-empty string")
        return v.strip()

    def opt_str(self, key: str) -> str | None:
        return None if self.m.get(key) is None else self.text(key)

    def enum(self, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        v = self.text(key, default)
        if v not in allowed:
            raise self.fail(key, f"{v!r} is not one of {', '.join(allowed)}")
        return v

    def integer(self, key: str, minimum: int = 0) -> int:
        v = self.m.get(key)
        if type(v) is not int or v < minimum:
            raise self.fail(key, f"expected an integer >= {minimum}")
        return v

    def flag(self, key: str, default: bool) -> bool:
        v = self.m.get(key)
        if v is None:
            return default
        if type(v) is not bool:
            raise self.fail(key, "expected true or false")
        return v

    def day(self, key: str) -> date | None:
        v = self.m.get(key)
        if v is None:
            return None
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
        if isinstance(v, str):
            try:
                return date.fromisoformat(v)
            except ValueError:
                pass
        raise self.fail(key, "expected a date (YYYY-MM-DD)")

    def child(self, key: str) -> _Node:
        v = self.m.get(key)
        if not isinstance(v, dict):
            raise self.fail(key, "expected a mapping")
        return _Node(self.file, v, self._field(key), self._line(key))

    def seq(self, key: str) -> list[Any]:
        v = self.m.get(key)
        if v is None:
            return []
        if not isinstance(v, list):
            raise self.fail(key, "expected a list")
        return v

    def items(self, key: str) -> list[_Node]:
        out = []
        seq = self.seq(key)
        for i, item in enumerate(seq):
            line = seq.lines[i] if isinstance(seq, _Seq) else self._line(key)
            path = f"{self._field(key)}[{i}]"
            if not isinstance(item, dict):
                raise InputError("expected a mapping", file=self.file, line=line, field=path)
            out.append(_Node(self.file, item, path, line))
        return out

    def str_list(self, key: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        seq = self.seq(key)
        for i, item in enumerate(seq):
            if not isinstance(item, str) or (allowed is not None and item not in allowed):
                line = seq.lines[i] if isinstance(seq, _Seq) else self._line(key)
                what = "a string" if allowed is None else f"one of {', '.join(allowed)}"
                raise InputError(
                    f"expected {what}, got {item!r}",
                    file=self.file,
                    line=line,
                    field=f"{self._field(key)}[{i}]",
                )
        return tuple(seq)


def _compile_rules(text: str, file: str) -> tuple[str, date | None, tuple[Rule, ...]]:
    root = _Node(file, parse_yaml(text, file, "rules file"), "", 1)
    root.keys(("schema_version", "ruleset", "definitions", "rules"), ("schema_version", "rules"))
    if root.m.get("schema_version") != 1:
        raise root.fail("schema_version", "unsupported schema version (expected 1)")
    version, published = "unversioned", None
    if root.m.get("ruleset") is not None:
        rs = root.child("ruleset")
        rs.keys(("id", "version", "published", "disclaimer"))
        version = str(rs.m.get("version") or "unversioned")
        published = rs.day("published")
    raw_defs: dict[str, tuple[_Node, Any]] = {}
    if root.m.get("definitions") is not None:
        defs = root.child("definitions")
        for name in defs.m:
            raw_defs[name] = (defs, defs.m[name])
    compiler = _CondCompiler(file, raw_defs)
    for name, (defs_node, _) in raw_defs.items():
        compiler.ref(defs_node, name)  # validate every definition, used or not
    rules = tuple(_rule(n, compiler) for n in root.items("rules"))
    seen: dict[tuple[str, int], str] = {}
    for r in rules:
        first = seen.setdefault((r.id, r.revision), r.origin)
        if first != r.origin:
            line = int(r.origin.rsplit(":", 1)[1])
            raise InputError(
                f"duplicate rule {r.id!r} revision {r.revision} (first at {first})",
                file=file,
                line=line,
                field="rules",
            )
    return version, published, rules


_RULE_KEYS = (
    "id",
    "revision",
    "name",
    "jurisdiction",
    "effective_from",
    "effective_until",
    "citation",
    "source_url",
    "last_verified",
    "verification",
    "applies",
    "personal_info",
    "safe_harbour",
    "decisions",
    "notes",
    "obligations",
)
_OBLIGATION_KEYS = (
    "id",
    "recipient",
    "to",
    "trigger",
    "when",
    "status",
    "per_state",
    "deadline",
    "citation",
    "source_url",
    "verification",
)


def _rule(n: _Node, compiler: _CondCompiler) -> Rule:
    n.keys(
        _RULE_KEYS,
        ("id", "name", "jurisdiction", "citation", "source_url", "last_verified", "verification"),
    )
    verification = n.enum("verification", VERIFICATION)
    source_url = n.text("source_url")
    j = n.child("jurisdiction")
    j.keys(("code", "level", "residence"), ("code", "level", "residence"))
    residence = j.str_list("residence")
    if not residence:
        raise j.fail("residence", "must list at least one jurisdiction code")
    last_verified = n.day("last_verified")
    assert last_verified is not None
    sh = None
    if n.m.get("safe_harbour") is not None:
        s = n.child("safe_harbour")
        s.keys(
            (
                "kind",
                "lost_if_key_compromised",
                "covers",
                "description",
                "citation",
                "source_url",
                "verification",
            ),
            ("kind", "covers", "description", "citation"),
        )
        covers_raw = s.m.get("covers")
        covers = None if covers_raw == "all" else s.str_list("covers")
        sh = SafeHarbourRule(
            kind=s.enum("kind", ("encryption",)),
            lost_if_key_compromised=s.flag("lost_if_key_compromised", True),
            covers=covers,
            description=s.text("description"),
            citation=s.text("citation"),
            source_url=s.opt_str("source_url"),
            verification=s.enum("verification", VERIFICATION, verification),
        )
    obligations = []
    for o in n.items("obligations"):
        o.keys(_OBLIGATION_KEYS, ("id", "recipient", "to", "trigger", "deadline", "citation"))
        d = o.child("deadline")
        d.keys(("standard", "within", "from", "outer_limit", "note"), ("standard",))
        amount = unit = None
        if d.m.get("within") is not None:
            w = d.child("within")
            if len(w.m) != 1:
                raise d.fail("within", "expected exactly one of hours, days, business_days")
            w.keys(UNITS)
            unit = next(iter(w.m))
            amount = w.integer(unit)
        per_state = o.flag("per_state", False)
        when = compiler.compile(o, "when") if o.m.get("when") is not None else ("always",)
        if not per_state and _uses(when, "affected_state"):
            raise o.fail("when", "affected_state needs per_state: true")
        obligations.append(
            ObligationRule(
                id=o.text("id"),
                recipient=o.enum("recipient", RECIPIENTS),
                to=o.text("to"),
                trigger=o.text("trigger"),
                when=when,
                status=o.enum("status", ("required", "decision"), "required"),
                per_state=per_state,
                deadline=DeadlineRule(
                    standard=d.text("standard"),
                    amount=amount,
                    unit=unit,
                    start=d.enum("from", CLOCKS, "discovery"),
                    outer_limit=d.flag("outer_limit", False),
                    note=d.opt_str("note"),
                ),
                citation=o.text("citation"),
                source_url=o.text("source_url", source_url),
                verification=o.enum("verification", VERIFICATION, verification),
            )
        )
    if not obligations:
        raise n.fail("obligations", "a rule needs at least one obligation")
    ids = [o.id for o in obligations]
    if sh is not None and sh.covers is not None:
        for c in sh.covers:
            if c not in ids:
                raise n.child("safe_harbour").fail("covers", f"no obligation {c!r} in this rule")
    revision = n.integer("revision", 1) if n.m.get("revision") is not None else 1
    return Rule(
        id=n.text("id"),
        revision=revision,
        name=n.text("name"),
        jurisdiction=j.text("code"),
        level=j.text("level"),
        residence=residence,
        effective_from=n.day("effective_from"),
        effective_until=n.day("effective_until"),
        citation=n.text("citation"),
        source_url=source_url,
        last_verified=last_verified,
        verification=verification,
        applies=compiler.compile(n, "applies") if n.m.get("applies") is not None else None,
        personal_info=(
            compiler.compile(n, "personal_info") if n.m.get("personal_info") is not None else None
        ),
        safe_harbour=sh,
        decisions=tuple(_item(i, verification) for i in n.items("decisions")),
        notes=tuple(_item(i, verification) for i in n.items("notes")),
        obligations=tuple(obligations),
        origin=f"{n.file}:{n.line}",
    )


def _item(n: _Node, default: str) -> Item:
    n.keys(("text", "citation", "verification"), ("text",))
    return Item(
        n.text("text"), n.opt_str("citation"), n.enum("verification", VERIFICATION, default)
    )


def _uses(cond: Cond, kind: str) -> bool:
    if cond[0] == kind:
        return True
    if cond[0] in ("all", "any"):
        return any(_uses(c, kind) for c in cond[1])
    if cond[0] == "not":
        return _uses(cond[1], kind)
    return False


class _CondCompiler:
    """Compile the declarative condition forms into tuples; resolve `ref`s, refuse cycles."""

    def __init__(self, file: str, defs: dict[str, tuple[_Node, Any]]) -> None:
        self.file = file
        self.defs = defs
        self.done: dict[str, Cond] = {}
        self.active: set[str] = set()

    def compile(self, parent: _Node, key: str) -> Cond:
        return self._cond(parent.m[key], parent._field(key), parent._line(key))

    def _cond(self, v: Any, path: str, line: int) -> Cond:
        if isinstance(v, _Map):
            line = v.line

        def err(message: str) -> InputError:
            return InputError(message, file=self.file, line=line, field=path)

        if not isinstance(v, dict):
            raise err("expected a condition mapping")
        if not v:
            return ("always",)
        if len(v) != 1:
            raise err("a condition has exactly one key (combine with all/any)")
        ((op, arg),) = v.items()
        node = _Node(self.file, v, path, line)
        if op in ("all", "any"):
            if not isinstance(arg, list) or not arg:
                raise node.fail(op, "expected a non-empty list of conditions")
            subs = []
            for i, sub in enumerate(arg):
                sline = arg.lines[i] if isinstance(arg, _Seq) else line
                subs.append(self._cond(sub, f"{path}.{op}[{i}]", sline))
            return (op, tuple(subs))
        if op == "not":
            return ("not", self._cond(arg, f"{path}.not", node._line("not")))
        if op in ("data_any", "data_all"):
            return (op, frozenset(node.str_list(op, DATA_CATEGORIES)))
        if op == "entity_any":
            return (op, frozenset(node.str_list(op, ENTITY_TYPES)))
        if op in COUNT_FACTS:
            cmp = node.child(op)
            if len(cmp.m) != 1:
                raise node.fail(op, f"expected exactly one of {', '.join(OPERATORS)}")
            cmp.keys(OPERATORS)
            (name,) = cmp.m
            return (op, name, cmp.integer(name))
        if op == "risk_at_least":
            return (op, node.enum(op, RISK_LEVELS))
        if op == "ref":
            return self.ref(node, node.text("ref"))
        raise err(f"unknown condition {op!r}")

    def ref(self, node: _Node, name: str) -> Cond:
        if name in self.done:
            return self.done[name]
        if name not in self.defs:
            raise node.fail("ref", f"no definition {name!r}")
        if name in self.active:
            raise node.fail("ref", f"definition {name!r} refers to itself")
        self.active.add(name)
        parent, raw = self.defs[name]
        cond = self._cond(raw, parent._field(name), parent._line(name))
        self.active.discard(name)
        self.done[name] = cond
        return cond


# ---- incident facts ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Incident:
    """The facts of one incident, as the incident file (and optionally a scan) give them."""

    file: str
    discovered: date
    discovered_at: datetime | None = None
    """When awareness happened, if the file gives a time (for hour-based limits)."""
    id: str | None = None
    title: str | None = None
    determined: date | None = None
    individuals_notified: date | None = None
    data_categories: frozenset[str] | None = None
    encrypted: bool | None = None
    key_compromised: bool | None = None
    entity_types: frozenset[str] | None = None
    risk: str | None = None
    affected: Mapping[str, int] = field(default_factory=dict)
    affected_stores: tuple[str, ...] = ()
    provenance: tuple[str, ...] = ()
    """Where filled-in facts came from (e.g. a run's finding), one sentence each."""

    @property
    def total(self) -> int:
        return sum(self.affected.values())


def fill_from_run(incident: Incident, run: RunResult) -> Incident:
    """Fill `encrypted` from the run's `datastore.unencrypted_at_rest` verdicts.

    FAIL on any affected store means not encrypted; PASS on all means encrypted; anything else
    leaves the fact unknown. A conflict with the incident file resolves to "not encrypted" (the
    conservative reading). `key_compromised` always stays as the incident file says.
    """
    if not incident.affected_stores:
        return replace(
            incident,
            provenance=(
                *incident.provenance,
                f"--run {run.id}: the incident names no affected_stores, so no scan facts used",
            ),
        )
    verdicts: dict[str, Status] = {}
    for f in run.findings:
        if (
            f.check_id == "datastore.unencrypted_at_rest"
            and f.resource.id in incident.affected_stores
        ):
            verdicts[f.resource.id] = f.status
    notes = list(incident.provenance)
    for store in incident.affected_stores:
        st = verdicts.get(store)
        if st is None:
            notes.append(f"run {run.id}: no at-rest encryption finding for store {store!r}")
        else:
            meaning = {
                Status.FAIL: "not encrypted at rest",
                Status.PASS: "encrypted at rest",
            }.get(st, "encryption not known")
            notes.append(
                f"run {run.id}: datastore.unencrypted_at_rest {st.value.upper()} on "
                f"{store!r} ({meaning})"
            )
    from_run: bool | None
    if any(v is Status.FAIL for v in verdicts.values()):
        from_run = False
    elif len(verdicts) == len(incident.affected_stores) and all(
        v is Status.PASS for v in verdicts.values()
    ):
        from_run = True
    else:
        from_run = None
    encrypted = incident.encrypted
    if from_run is not None:
        if encrypted is not None and encrypted != from_run:
            notes.append(
                f"incident file says encrypted: {str(encrypted).lower()} but the scan says "
                f"{str(from_run).lower()}; using false (conservative) — check which is right"
            )
            encrypted = False
        else:
            encrypted = from_run
    return replace(incident, encrypted=encrypted, provenance=tuple(notes))


# ---- results -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Obligation:
    """One notice owed (or considered) under one regime."""

    regime: str
    id: str
    recipient: str
    to: str
    status: ObligationStatus
    trigger: str
    facts: str
    """The facts the trigger was judged on, e.g. "600 affected in US-TX"."""
    standard: str
    due: date | None
    due_at: datetime | None
    deadline_note: str | None
    outer_limit: bool
    citation: str
    source_url: str
    verification: str
    reason: str | None = None
    """Why not required / undetermined / a decision."""


@dataclass(frozen=True, slots=True)
class SafeHarbour:
    description: str
    applied: bool
    reason: str
    citation: str
    verification: str


@dataclass(frozen=True, slots=True)
class Regime:
    """One rule (regime) as it applies to the incident."""

    id: str
    revision: int
    name: str
    jurisdiction: str
    affected: int
    status: RegimeStatus
    reason: str | None
    citation: str
    source_url: str
    last_verified: date
    verification: str
    safe_harbour: SafeHarbour | None
    obligations: tuple[Obligation, ...]
    decisions: tuple[Item, ...]
    notes: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything `hardening notify` reports."""

    incident: Incident
    ruleset_version: str
    rules_files: tuple[str, ...]
    regimes: tuple[Regime, ...]
    """Regimes that apply, are presumed or undetermined."""
    not_applicable: tuple[Regime, ...]
    uncovered: tuple[str, ...]
    """Affected jurisdictions for which no rule is encoded."""
    disclaimer: str = DISCLAIMER

    def timeline(self) -> list[Obligation]:
        """Open obligations (required, decision, undetermined), earliest deadline first."""
        open_ = [
            o
            for r in self.regimes
            for o in r.obligations
            if o.status in ("required", "decision", "undetermined")
        ]
        return sorted(open_, key=lambda o: (o.due is None, o.due or date.max, o.regime))

    def decisions(self) -> list[tuple[str, Item]]:
        return [(r.id, d) for r in self.regimes for d in r.decisions]


# ---- evaluation ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Facts:
    data: frozenset[str] | None
    entities: frozenset[str] | None
    risk: str | None
    affected: int
    total: int
    state: int | None = None
    missing: set[str] = field(default_factory=set)


def _compare(op: str, value: int, bound: int) -> bool:
    if op == "gt":
        return value > bound
    if op == "gte":
        return value >= bound
    if op == "lt":
        return value < bound
    return value <= bound


def _eval(c: Cond, f: _Facts) -> Verdict:
    kind: str = c[0]
    if kind == "always":
        return True
    if kind in ("all", "any"):
        results = [_eval(sub, f) for sub in c[1]]
        decisive = kind == "any"
        if decisive in results:
            return decisive
        return None if None in results else not decisive
    if kind == "not":
        r = _eval(c[1], f)
        return None if r is None else not r
    if kind in ("data_any", "data_all"):
        if f.data is None:
            f.missing.add("data_categories")
            return None
        wanted: frozenset[str] = c[1]
        return bool(wanted & f.data) if kind == "data_any" else wanted <= f.data
    if kind == "entity_any":
        if f.entities is None:
            f.missing.add("entity_types")
            return None
        entities: frozenset[str] = c[1]
        return bool(entities & f.entities)
    if kind in COUNT_FACTS:
        value = {"affected": f.affected, "affected_total": f.total}.get(kind, f.state)
        if value is None:
            return None
        op: str = c[1]
        bound: int = c[2]
        return _compare(op, value, bound)
    if kind == "risk_at_least":
        if f.risk is None:
            f.missing.add("risk")
            return None
        return RISK_LEVELS.index(f.risk) >= RISK_LEVELS.index(c[1])
    raise AssertionError(f"unknown compiled condition {kind!r}")


def _describe(c: Cond) -> str:
    kind = c[0]
    if kind == "always":
        return "always"
    if kind in ("all", "any"):
        joiner = " and " if kind == "all" else " or "
        return "(" + joiner.join(_describe(s) for s in c[1]) + ")"
    if kind == "not":
        return f"not {_describe(c[1])}"
    if kind in COUNT_FACTS:
        sym = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[c[1]]
        what = {"affected": "affected here", "affected_total": "affected in total"}.get(
            kind, "affected in the state"
        )
        return f"{what} {sym} {c[2]}"
    if kind == "risk_at_least":
        return f"risk at least {c[1]}"
    names = ", ".join(sorted(c[1]))
    if kind == "entity_any":
        return f"entity type is one of {names}"
    if kind == "data_any":
        return f"data include any of {names}"
    return f"data include all of {names}"


def _matches(rule: Rule, code: str) -> bool:
    return code in rule.residence or ("US" in rule.residence and code.startswith("US-"))


def _add_business_days(start: date, n: int) -> date:
    day = start
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


@dataclass(frozen=True, slots=True)
class _Due:
    due: date | None
    at: datetime | None
    note: str | None


def _deadline(inc: Incident, d: DeadlineRule, individuals_due: date | None) -> _Due:
    notes: list[str] = []
    base_at: datetime | None = None
    if d.start in ("awareness", "discovery"):
        base = inc.discovered
        base_at = inc.discovered_at
    elif d.start == "determination":
        base = inc.determined or inc.discovered
        if inc.determined is None and d.amount is not None:
            notes.append("determination date not given: counted from discovery")
    elif d.start == "end_of_year":
        base = date(inc.discovered.year, 12, 31)
    elif inc.individuals_notified is not None:
        base = inc.individuals_notified
    elif individuals_due is not None:
        base = individuals_due
        notes.append(
            f"individuals not yet notified: counted from the latest permitted individual "
            f"notice ({individuals_due.isoformat()}); notifying earlier moves this earlier"
        )
    else:
        return _Due(None, None, "runs from notice to individuals (date not given)")
    if d.amount is None or d.unit is None:
        return _Due(None, None, "; ".join(notes) or None)
    if d.unit == "hours":
        if base_at is not None:
            at = base_at + timedelta(hours=d.amount)
            return _Due(at.date(), at, "; ".join(notes) or None)
        notes.append(
            f"{d.amount} hours from the time of day you became aware on "
            f"{base.isoformat()} (give `discovered` with a time for the exact hour)"
        )
        return _Due(base + timedelta(hours=d.amount), None, "; ".join(notes))
    if d.unit == "business_days":
        notes.append("business days counted Monday-Friday; public holidays not excluded")
        return _Due(_add_business_days(base, d.amount), None, "; ".join(notes))
    return _Due(base + timedelta(days=d.amount), None, "; ".join(notes) or None)


def _safe_harbour(rule: Rule, inc: Incident) -> tuple[SafeHarbour | None, list[Item]]:
    sh = rule.safe_harbour
    if sh is None:
        return None, []
    decisions: list[Item] = []
    applied = False
    if inc.encrypted is None:
        reason = "not applied: the incident does not say whether the data were encrypted"
        decisions.append(
            Item(
                "Encryption of the affected data is not stated: if it was encrypted and the key "
                f"was not compromised, this safe harbour may apply ({sh.citation}).",
                sh.citation,
                sh.verification,
            )
        )
    elif not inc.encrypted:
        reason = "not applied: the data were not encrypted"
    elif inc.key_compromised and sh.lost_if_key_compromised:
        reason = "not applied: the data were encrypted but the key was compromised"
    elif inc.key_compromised is None and sh.lost_if_key_compromised:
        reason = "not applied: encrypted, but the incident does not say whether the key was safe"
        decisions.append(
            Item(
                "Confirm the encryption key was not compromised; if it was safe, this safe "
                f"harbour removes the covered notices ({sh.citation}).",
                sh.citation,
                sh.verification,
            )
        )
    else:
        applied = True
        reason = "applied: the data were encrypted and the key was not compromised"
    return SafeHarbour(sh.description, applied, reason, sh.citation, sh.verification), decisions


def assess(incident: Incident, rules: RuleSet) -> Assessment:
    """Evaluate every rule in force on the discovery date against the incident."""
    regimes: list[Regime] = []
    not_applicable: list[Regime] = []
    selected = rules.select(incident.discovered)
    covered: set[str] = set()
    for rule in selected:
        codes = [c for c in incident.affected if _matches(rule, c)]
        affected = sum(incident.affected[c] for c in codes)
        if not codes or affected == 0:
            continue
        if rule.level != "us_federal":
            covered.update(codes)
        regime = _assess_rule(rule, incident, codes, affected)
        (regimes if regime.status != "not_applicable" else not_applicable).append(regime)
    uncovered = tuple(c for c in incident.affected if c not in covered and incident.affected[c])
    return Assessment(
        incident=incident,
        ruleset_version=rules.version,
        rules_files=rules.files,
        regimes=tuple(regimes),
        not_applicable=tuple(not_applicable),
        uncovered=uncovered,
    )


def _assess_rule(rule: Rule, inc: Incident, codes: list[str], affected: int) -> Regime:
    facts = _Facts(inc.data_categories, inc.entity_types, inc.risk, affected, inc.total)
    decisions: list[Item] = []
    status: RegimeStatus = "applies"
    reason: str | None = None
    if rule.personal_info is not None:
        pi = _eval(rule.personal_info, facts)
        if pi is None:
            status, reason = "undetermined", "data_categories not given"
        elif not pi:
            with_name = _Facts(
                (inc.data_categories or frozenset()) | {"name"},
                inc.entity_types,
                inc.risk,
                affected,
                inc.total,
            )
            if _eval(rule.personal_info, with_name):
                status = "presumed"
                reason = "the definition needs the person's name and `name` is not listed"
                decisions.append(
                    Item(
                        "The exposed data meet this law's definition only together with the "
                        "person's name, which the incident does not list. Notices are shown as "
                        "presumed: confirm whether names were exposed or linkable.",
                        rule.citation,
                        rule.verification,
                    )
                )
            else:
                status = "not_applicable"
                reason = "the exposed data categories do not meet this law's definition"
    if status != "not_applicable" and rule.applies is not None:
        ap = _eval(rule.applies, facts)
        if ap is False:
            status = "not_applicable"
            reason = f"applies only when {_describe(rule.applies)}"
        elif ap is None:
            status = "undetermined"
            reason = f"applies only when {_describe(rule.applies)}; entity_types not given"
    if status == "not_applicable":
        return _regime(rule, affected, status=status, reason=reason)
    harbour, sh_decisions = _safe_harbour(rule, inc)
    decisions.extend(sh_decisions)
    obligations: list[Obligation] = []
    individuals_due: date | None = None
    for ob in rule.obligations:
        scopes: list[tuple[str, int | None]]
        if ob.per_state:
            scopes = [(c, inc.affected[c]) for c in codes if c.startswith("US-")]
        else:
            scopes = [(", ".join(codes), None)]
        for where, state_count in scopes:
            facts.state = state_count
            ob_status, why = _judge(
                rule, ob, facts, harbour, regime_status=status, regime_reason=reason
            )
            due = _deadline(inc, ob.deadline, individuals_due)
            if ob.id == "individuals" and due.due is not None and not ob.per_state:
                individuals_due = due.due
            if ob_status in ("not_triggered", "not_required"):
                due = _Due(None, None, None)
            count = state_count if state_count is not None else affected
            obligations.append(
                Obligation(
                    regime=rule.id,
                    id=ob.id if not ob.per_state else f"{ob.id}:{where}",
                    recipient=ob.recipient,
                    to=ob.to if not ob.per_state else f"{ob.to} ({where})",
                    status=ob_status,
                    trigger=ob.trigger,
                    facts=f"{count} affected in {where}"
                    + ("" if ob.per_state else f"; {inc.total} in total"),
                    standard=ob.deadline.standard,
                    due=due.due,
                    due_at=due.at,
                    deadline_note=due.note,
                    outer_limit=ob.deadline.outer_limit,
                    citation=ob.citation,
                    source_url=ob.source_url,
                    verification=ob.verification,
                    reason=why,
                )
            )
    decisions.extend(rule.decisions)
    return _regime(
        rule,
        affected,
        status=status,
        reason=reason,
        harbour=harbour,
        obligations=obligations,
        decisions=decisions,
        notes=rule.notes,
    )


def _judge(
    rule: Rule,
    ob: ObligationRule,
    facts: _Facts,
    harbour: SafeHarbour | None,
    *,
    regime_status: RegimeStatus,
    regime_reason: str | None,
) -> tuple[ObligationStatus, str | None]:
    """Status of one obligation, and why, from its trigger, the safe harbour and the regime."""
    facts.missing = set()
    verdict = _eval(ob.when, facts)
    status: ObligationStatus
    why: str | None = None
    if verdict is None:
        status = "undetermined"
        why = f"needs {', '.join(sorted(facts.missing)) or 'more facts'}"
    elif not verdict:
        status = "not_triggered"
        why = f"trigger not met: {_describe(ob.when)}"
    elif ob.status == "decision":
        status = "decision"
        why = "required only if a human decides the harm threshold is met"
    else:
        status = "required"
    covers = rule.safe_harbour.covers if rule.safe_harbour is not None else None
    if (
        harbour is not None
        and harbour.applied
        and status in ("required", "decision", "undetermined")
        and (covers is None or ob.id in covers)
    ):
        return "not_required", f"safe harbour: {harbour.reason}"
    if regime_status == "undetermined" and status in ("required", "decision"):
        return "undetermined", f"regime undetermined: {regime_reason}"
    return status, why


def _regime(
    rule: Rule,
    affected: int,
    *,
    status: RegimeStatus,
    reason: str | None,
    harbour: SafeHarbour | None = None,
    obligations: Iterable[Obligation] = (),
    decisions: Iterable[Item] = (),
    notes: Iterable[Item] = (),
) -> Regime:
    return Regime(
        id=rule.id,
        revision=rule.revision,
        name=rule.name,
        jurisdiction=rule.jurisdiction,
        affected=affected,
        status=status,
        reason=reason,
        citation=rule.citation,
        source_url=rule.source_url,
        last_verified=rule.last_verified,
        verification=rule.verification,
        safe_harbour=harbour,
        obligations=tuple(obligations),
        decisions=tuple(decisions),
        notes=tuple(notes),
    )


# ---- CLI -----------------------------------------------------------------------------------


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register `hardening notify` on the CLI's subparsers."""
    p = sub.add_parser(
        "notify",
        parents=[common],
        help="who must be told about a breach, and by when (decision support)",
    )
    p.add_argument("incident", type=Path, help="incident facts file (YAML)")
    p.add_argument("--run", metavar="RUN", help="fill encryption facts from this stored run")
    p.add_argument(
        "--format",
        choices=("terminal", "json", "markdown"),
        default="terminal",
        help="output format (default: terminal)",
    )
    p.add_argument(
        "--rules",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="your own rules file, merged over the shipped rules by id (repeatable)",
    )
    p.add_argument("--store", type=Path, metavar="DB", help="results store for --run")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`hardening notify`: print the obligations; 0 on success (errors raise InputError)."""
    from hardening.notifyfile import load_incident
    from hardening.reports import notify_report

    incident = load_incident(args.incident)
    rules = load_rules(args.rules)
    if args.run:
        from hardening.store import SQLiteStore, default_store_path

        with SQLiteStore(args.store or default_store_path()) as store:
            incident = fill_from_run(incident, store.load(args.run))
    assessment = assess(incident, rules)
    render = {
        "terminal": notify_report.render_terminal,
        "json": notify_report.render_json,
        "markdown": notify_report.render_markdown,
    }[args.format]
    text = render(assessment)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
