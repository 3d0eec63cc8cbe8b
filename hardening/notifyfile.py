"""The incident-facts file read by `hardening notify`.

```yaml
version: 1
id: INC-2026-014                    # optional
title: Customer DB exfiltration     # optional
discovered: 2026-11-20T09:30:00Z    # required: date, or timestamp for hour-based limits
determined: 2026-11-22              # optional: date the breach was determined (TX, CO, ...)
individuals_notified: 2026-12-01    # optional: when individuals were (or will be) notified
data_categories: [name, ssn]        # closed vocabulary, see hardening.notify.DATA_CATEGORIES
encrypted: false                    # optional; --run fills it from the scan
key_compromised: false              # optional; never taken from a scan
entity_types: [hipaa_covered_entity]  # optional; see hardening.notify.ENTITY_TYPES
risk: high_risk                     # optional: unlikely | risk | high_risk (your assessment)
affected:                           # required: people per jurisdiction of residence
  US-TX: 600                        #   US states as US-XX, countries as ISO codes (UK, CA, AU,
  DE: 20                            #   DE, FR, ...), or EU
affected_stores: [customers-db]     # optional: estate ids of the breached data stores
```

Errors are one line naming `file:line` and the field, through the estate loader's YAML walker.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from hardening.errors import EstateError, InputError
from hardening.estate import _Ctx, _Scope
from hardening.notify import (
    DATA_CATEGORIES,
    ENTITY_TYPES,
    RISK_LEVELS,
    US_STATES,
    Incident,
    _read,
    parse_yaml,
)

_KEYS = (
    "version",
    "id",
    "title",
    "discovered",
    "determined",
    "individuals_notified",
    "data_categories",
    "encrypted",
    "key_compromised",
    "entity_types",
    "risk",
    "affected",
    "affected_stores",
)
_CODE = re.compile(r"^(?:US-[A-Z]{2}|[A-Z]{2}|EU)$")


def load_incident(path: Path) -> Incident:
    """Read and validate an incident file; `InputError` (file:line, field) when it is bad."""
    file = str(path)
    root = parse_yaml(_read(path, "incident file"), file, "incident file")
    ctx = _Ctx(file=file, base=path.parent, display_dir=path.parent)
    s = _Scope(ctx, root, None, 1)
    try:
        return _incident(s, file)
    except EstateError as exc:
        raise InputError(exc.message, file=exc.file, line=exc.line, field=exc.field) from None


def _incident(s: _Scope, file: str) -> Incident:
    s.check_keys(_KEYS)
    version = s.opt_int("version", 1)
    if version not in (None, 1):
        s.fail("version", f"unsupported incident file version {version} (expected 1)")
    discovered, discovered_at = _when(s)
    affected = _affected(s)
    data = s.opt_str_list("data_categories", DATA_CATEGORIES)
    entities = s.opt_str_list("entity_types", ENTITY_TYPES)
    determined = s.opt_date("determined")
    if determined is not None and determined < discovered:
        s.fail("determined", "is before the discovery date")
    return Incident(
        file=file,
        discovered=discovered,
        discovered_at=discovered_at,
        id=_text(s, "id"),
        title=s.opt_str("title"),
        determined=determined,
        individuals_notified=s.opt_date("individuals_notified"),
        data_categories=None if data is None else frozenset(data),
        encrypted=s.opt_bool("encrypted"),
        key_compromised=s.opt_bool("key_compromised"),
        entity_types=None if entities is None else frozenset(entities),
        risk=s.opt_enum("risk", RISK_LEVELS),
        affected=affected,
        affected_stores=s.opt_str_list("affected_stores") or (),
    )


def _text(s: _Scope, key: str) -> str | None:
    v = s.m.get(key)
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return s.opt_str(key)


def _when(s: _Scope) -> tuple[date, datetime | None]:
    v = s.m.get("discovered")
    if v is None or v == "":
        s.missing("discovered")
    if isinstance(v, datetime):
        at = v if v.tzinfo is not None else v.replace(tzinfo=UTC)
        return at.date(), at
    if isinstance(v, str) and "T" in v:
        try:
            at = datetime.fromisoformat(v)
        except ValueError:
            s.fail("discovered", f"{v!r} is not a valid date or timestamp")
        at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        return at.date(), at
    day = s.opt_date("discovered")
    assert day is not None
    return day, None


def _affected(s: _Scope) -> dict[str, int]:
    child = s.child("affected")
    if child is None:
        s.missing("affected", "required: people affected per jurisdiction, e.g. {US-TX: 600}")
    if not child.m:
        s.fail("affected", "must name at least one jurisdiction")
    out: dict[str, int] = {}
    for code in child.m:
        if not _CODE.match(code):
            child.fail(
                code,
                f"{code!r} is not a jurisdiction code (US states as US-XX, countries as "
                "two capital letters, or EU)",
            )
        if code.startswith("US-") and code[3:] not in US_STATES:
            child.fail(code, f"{code!r} is not a US state or territory code")
        count = child.opt_int(code, 0)
        if count is None:
            child.missing(code, "expected the number of affected people")
        out[code] = count
    return out
