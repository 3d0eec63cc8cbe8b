"""Terminal, JSON and Markdown renderings of a `hardening notify` assessment.

Plain functions, not registered run formats: they take an `Assessment`, not a `RunResult`.
Every rendering carries the disclaimer, each obligation's citation and verification mark, and the
decisions left to a human.
"""

from __future__ import annotations

import json
from typing import Any

from hardening.notify import Assessment, Item, Obligation, Regime

_RECIPIENT = {
    "regulator": "Regulator",
    "individuals": "Individuals",
    "media": "Media",
    "credit_bureaus": "Credit bureaus",
    "controller": "Controller",
    "covered_entity": "Covered entity",
    "other_organisations": "Other organisations",
    "record": "Internal record",
}
_STATUS = {
    "required": "REQUIRED",
    "decision": "DECISION",
    "undetermined": "UNDETERMINED",
    "not_required": "not required",
    "not_triggered": "not triggered",
}


def _mark(verification: str) -> str:
    return "UNVERIFIED" if verification == "unverified" else verification


def _due(o: Obligation) -> str:
    if o.due_at is not None:
        text = o.due_at.isoformat(timespec="minutes")
    elif o.due is not None:
        text = o.due.isoformat()
    else:
        return f"no fixed date — {o.standard}"
    if o.outer_limit:
        return f"{text} (outer limit; {o.standard})"
    return f"{text} ({o.standard})"


# ---- JSON ----------------------------------------------------------------------------------


def _item(i: Item) -> dict[str, Any]:
    return {"text": i.text, "citation": i.citation, "verification": i.verification}


def _obligation(o: Obligation) -> dict[str, Any]:
    return {
        "id": o.id,
        "recipient": o.recipient,
        "to": o.to,
        "status": o.status,
        "trigger": o.trigger,
        "facts": o.facts,
        "deadline": {
            "date": o.due.isoformat() if o.due else None,
            "at": o.due_at.isoformat() if o.due_at else None,
            "standard": o.standard,
            "outer_limit": o.outer_limit,
            "note": o.deadline_note,
        },
        "reason": o.reason,
        "citation": o.citation,
        "source_url": o.source_url,
        "verification": o.verification,
    }


def _regime(r: Regime) -> dict[str, Any]:
    sh = r.safe_harbour
    return {
        "id": r.id,
        "revision": r.revision,
        "name": r.name,
        "jurisdiction": r.jurisdiction,
        "affected": r.affected,
        "status": r.status,
        "reason": r.reason,
        "citation": r.citation,
        "source_url": r.source_url,
        "last_verified": r.last_verified.isoformat(),
        "verification": r.verification,
        "safe_harbour": None
        if sh is None
        else {
            "description": sh.description,
            "applied": sh.applied,
            "reason": sh.reason,
            "citation": sh.citation,
            "verification": sh.verification,
        },
        "obligations": [_obligation(o) for o in r.obligations],
        "decisions": [_item(i) for i in r.decisions],
        "notes": [_item(i) for i in r.notes],
    }


def to_dict(a: Assessment) -> dict[str, Any]:
    """The assessment as JSON-ready data."""
    inc = a.incident
    return {
        "disclaimer": a.disclaimer,
        "ruleset": {"version": a.ruleset_version, "files": list(a.rules_files)},
        "incident": {
            "file": inc.file,
            "id": inc.id,
            "title": inc.title,
            "discovered": (inc.discovered_at or inc.discovered).isoformat(),
            "determined": inc.determined.isoformat() if inc.determined else None,
            "individuals_notified": (
                inc.individuals_notified.isoformat() if inc.individuals_notified else None
            ),
            "data_categories": sorted(inc.data_categories)
            if inc.data_categories is not None
            else None,
            "encrypted": inc.encrypted,
            "key_compromised": inc.key_compromised,
            "entity_types": sorted(inc.entity_types) if inc.entity_types is not None else None,
            "risk": inc.risk,
            "affected": dict(inc.affected),
            "affected_stores": list(inc.affected_stores),
            "provenance": list(inc.provenance),
        },
        "timeline": [{"regime": o.regime, **_obligation(o)} for o in a.timeline()],
        "regimes": [_regime(r) for r in a.regimes],
        "not_applicable": [
            {"id": r.id, "name": r.name, "reason": r.reason} for r in a.not_applicable
        ],
        "uncovered_jurisdictions": list(a.uncovered),
    }


def render_json(a: Assessment) -> str:
    return json.dumps(to_dict(a), indent=2, ensure_ascii=False) + "\n"


# ---- terminal ------------------------------------------------------------------------------


def _header(a: Assessment) -> list[str]:
    inc = a.incident
    name = " ".join(x for x in (inc.id, inc.title) if x) or inc.file
    affected = ", ".join(f"{k} {v}" for k, v in inc.affected.items())
    enc = {True: "yes", False: "no", None: "not stated"}
    lines = [
        f"Breach notification: {name}",
        f"Discovered {(inc.discovered_at or inc.discovered).isoformat()}; affected: {affected} "
        f"(total {inc.total})",
        f"Data: {', '.join(sorted(inc.data_categories)) if inc.data_categories else 'not stated'};"
        f" encrypted: {enc[inc.encrypted]}; key compromised: {enc[inc.key_compromised]}",
        f"Rules: {'; '.join(a.rules_files)}",
    ]
    lines += [f"  fact: {p}" for p in inc.provenance]
    return lines


def render_terminal(a: Assessment) -> str:
    lines = [a.disclaimer, "", *_header(a), ""]
    timeline = a.timeline()
    lines.append("Who must be told, earliest deadline first:")
    if not timeline:
        lines.append("  (no open obligations)")
    for o in timeline:
        lines.append(
            f"  {_STATUS[o.status]:<12} {_due(o)}\n"
            f"               {_RECIPIENT[o.recipient]}: {o.to} [{o.regime}; "
            f"{_mark(o.verification)}]"
        )
    for r in a.regimes:
        lines += ["", f"== {r.name} ({r.jurisdiction}; {r.affected} affected) — {r.status}"]
        if r.reason:
            lines.append(f"   {r.reason}")
        lines.append(
            f"   {r.citation}; {_mark(r.verification)}; last verified {r.last_verified.isoformat()}"
        )
        lines.append(f"   source: {r.source_url}")
        if r.safe_harbour is not None:
            sh = r.safe_harbour
            lines.append(
                f"   safe harbour considered ({sh.citation}; {_mark(sh.verification)}): {sh.reason}"
            )
        for o in r.obligations:
            lines.append(f"   - {_STATUS[o.status]}: {_RECIPIENT[o.recipient]} — {o.to}")
            lines.append(f"       trigger: {o.trigger} ({o.facts})")
            if o.status in ("required", "decision", "undetermined"):
                lines.append(f"       deadline: {_due(o)}")
                if o.deadline_note:
                    lines.append(f"       note: {o.deadline_note}")
            if o.reason:
                lines.append(f"       why: {o.reason}")
            lines.append(f"       cite: {o.citation}; {_mark(o.verification)}")
        for n in r.notes:
            lines.append(f"   note: {n.text} ({n.citation}; {_mark(n.verification)})")
    decisions = a.decisions()
    if decisions:
        lines += ["", "Needs a human decision:"]
        for rid, d in decisions:
            lines.append(f"  - [{rid}] {d.text} ({d.citation}; {_mark(d.verification)})")
    if a.not_applicable:
        lines += ["", "Considered, not applicable:"]
        lines += [f"  - {r.name}: {r.reason}" for r in a.not_applicable]
    if a.uncovered:
        lines += [
            "",
            "No rule encoded for: " + ", ".join(a.uncovered) + " — check these jurisdictions' "
            "laws yourself (most US states require notice without unreasonable delay).",
        ]
    lines += ["", a.disclaimer]
    return "\n".join(lines) + "\n"


# ---- Markdown ------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(a: Assessment) -> str:
    lines = ["# Breach notification obligations", "", f"> **{a.disclaimer}**", ""]
    lines += [f"- {_cell(line)}" for line in _header(a)]
    lines += [
        "",
        "## Who must be told",
        "",
        "| Status | Deadline | Recipient | Regime | Citation | Verification |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for o in a.timeline():
        lines.append(
            f"| {_STATUS[o.status]} | {_cell(_due(o))} | {_RECIPIENT[o.recipient]}: "
            f"{_cell(o.to)} | {o.regime} | {_cell(o.citation)} | {_mark(o.verification)} |"
        )
    for r in a.regimes:
        lines += [
            "",
            f"## {_cell(r.name)} ({r.jurisdiction}) — {r.status}",
            "",
            f"{r.affected} affected. {_cell(r.citation)} — {_mark(r.verification)}, last "
            f"verified {r.last_verified.isoformat()}, [source]({r.source_url}).",
        ]
        if r.reason:
            lines += ["", f"_{_cell(r.reason)}_"]
        if r.safe_harbour is not None:
            sh = r.safe_harbour
            lines += [
                "",
                f"Safe harbour considered ({_cell(sh.citation)}, {_mark(sh.verification)}): "
                f"{sh.reason}.",
            ]
        lines.append("")
        for o in r.obligations:
            deadline = f"; deadline {_due(o)}" if o.due or o.status != "not_triggered" else ""
            why = f" — {o.reason}" if o.reason else ""
            lines.append(
                f"- **{_STATUS[o.status]}** {_RECIPIENT[o.recipient]}: {_cell(o.to)}. Trigger: "
                f"{_cell(o.trigger)} ({o.facts}){_cell(deadline)}{_cell(why)}. "
                f"_{_cell(o.citation)}; {_mark(o.verification)}_"
            )
        for n in r.notes:
            lines.append(
                f"- Note: {_cell(n.text)} ({_cell(n.citation or '')}; {_mark(n.verification)})"
            )
    decisions = a.decisions()
    if decisions:
        lines += ["", "## Needs a human decision", ""]
        lines += [
            f"- [{rid}] {_cell(d.text)} ({_cell(d.citation or '')}; {_mark(d.verification)})"
            for rid, d in decisions
        ]
    if a.not_applicable:
        lines += ["", "## Considered, not applicable", ""]
        lines += [f"- {_cell(r.name)}: {_cell(r.reason or '')}" for r in a.not_applicable]
    if a.uncovered:
        lines += ["", f"**No rule encoded for:** {', '.join(a.uncovered)}."]
    lines += ["", f"_{a.disclaimer}_"]
    return "\n".join(lines) + "\n"
