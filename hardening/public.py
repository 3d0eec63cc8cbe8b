"""The customer-safe summary: an allowlist view-model built from a run and its baseline.

`build_summary` copies exactly four kinds of fact out of a `RunResult`: the organisation's name,
a month ("October 2026"), the customer-safe area titles (`CheckSpec.public_title`) and one band
per area. Nothing else crosses: no finding, resource, detail, evidence, count, date or error.
Public templates receive a `PublicSummary` and nothing more, so there is no path from a
`Finding` to public text.

An area rolls up every check with that `public_title`. A check *passes* when it completed with
at least one passing finding and no failing or errored one; it *fails* on any failing finding
(waived or not: a waiver accepts a risk, it does not remove it); it is *unknown* when it errored,
was skipped or produced errors; it is *not applicable* when it examined nothing. An area is in
place only when every contributing check passes or does not apply (and at least one passes);
an area with an unknown check is left out, since nothing may be claimed about it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hardening.model import OutcomeState, RunResult, Status
from hardening.store import ResultStore

__all__ = [
    "AREA_ORDER",
    "Band",
    "PublicArea",
    "PublicSummary",
    "build_summary",
    "find_baseline",
    "month_label",
    "resource_ids",
]

#: Areas in the order customers read them; other titles follow alphabetically.
AREA_ORDER = (
    "Two-factor authentication",
    "Password protection",
    "Access controls",
    "Data encryption",
    "Backups",
    "Data placement",
    "Network exposure",
)
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


class Band(StrEnum):
    """How a public area is described."""

    IMPROVED = "improved"
    """Failing in the baseline, passing now: "improved since the incident"."""
    IN_PLACE = "in_place"
    """Passing now, and not failing in the baseline (or there is no baseline)."""
    STRENGTHENING = "strengthening"
    """Still failing; shown only when the organisation opts in."""


@dataclass(frozen=True, slots=True)
class PublicArea:
    """One customer-safe area and its band."""

    title: str
    """The area label from `CheckSpec.public_title`, e.g. "Two-factor authentication"."""
    band: Band
    """Improved, in place, or being strengthened."""

    @property
    def key(self) -> str:
        """The title as a lower-case slug (`two-factor-authentication`) for template lookups."""
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class PublicSummary:
    """Everything public output may say, and nothing else."""

    organisation: str
    """The organisation's name."""
    since: str | None
    """The month the comparison starts, e.g. "October 2026"; None without incident or baseline."""
    areas: tuple[PublicArea, ...]
    """Areas to mention, in reading order."""
    has_baseline: bool
    """Whether a baseline run was compared (so "improved" bands are possible)."""

    def by_band(self, band: Band | str) -> tuple[PublicArea, ...]:
        """The areas in `band`."""
        return tuple(a for a in self.areas if a.band == band)

    def to_dict(self) -> dict[str, object]:
        """The allowlisted fields as plain data (statements are added by the renderer)."""
        return {
            "organisation": self.organisation,
            "since": self.since,
            "areas": [{"area": a.title, "band": a.band.value} for a in self.areas],
        }


def month_label(day: date) -> str:
    """ "October 2026": the only precision a public date may have."""
    return f"{_MONTH_NAMES[day.month - 1]} {day.year}"


_PASS, _FAIL, _UNKNOWN, _NA = "pass", "fail", "unknown", "n/a"


def _check_states(run: RunResult) -> dict[str, str]:
    seen: dict[str, set[Status]] = {cid: set() for cid in run.checks}
    for f in run.findings:
        seen.setdefault(f.check_id, set()).add(f.status)
    states: dict[str, str] = {}
    for cid, statuses in seen.items():
        outcome = run.outcomes.get(cid)
        if Status.FAIL in statuses:
            states[cid] = _FAIL
        elif (
            outcome is not None and outcome.state is not OutcomeState.COMPLETED
        ) or Status.ERROR in statuses:
            states[cid] = _UNKNOWN
        elif Status.PASS in statuses:
            states[cid] = _PASS
        else:
            states[cid] = _NA
    return states


def _area_states(run: RunResult) -> dict[str, str]:
    states = _check_states(run)
    grouped: dict[str, list[str]] = {}
    for cid, spec in run.checks.items():
        title = (spec.public_title or "").strip()
        if title:
            grouped.setdefault(title, []).append(states.get(cid, _UNKNOWN))
    out: dict[str, str] = {}
    for title, found in grouped.items():
        if _FAIL in found:
            out[title] = _FAIL
        elif _UNKNOWN in found:
            out[title] = _UNKNOWN
        elif _PASS in found:
            out[title] = _PASS
        else:
            out[title] = _NA
    return out


def _order(title: str) -> tuple[int, str]:
    return (AREA_ORDER.index(title) if title in AREA_ORDER else len(AREA_ORDER), title.lower())


def build_summary(
    run: RunResult,
    baseline: RunResult | None = None,
    *,
    mention_ongoing: bool = False,
) -> PublicSummary:
    """The public view of `run`, compared with `baseline` when given.

    Still-failing areas appear (as "being strengthened") only with `mention_ongoing`; otherwise
    they are left out, as are areas nothing can be said about.
    """
    now = _area_states(run)
    before = _area_states(baseline) if baseline is not None else {}
    areas: list[PublicArea] = []
    for title in sorted(now, key=_order):
        state = now[title]
        if state == _PASS:
            band = Band.IMPROVED if before.get(title) == _FAIL else Band.IN_PLACE
        elif state == _FAIL and mention_ongoing:
            band = Band.STRENGTHENING
        else:
            continue
        areas.append(PublicArea(title, band))
    since: date | None = run.estate.incident_contained
    if since is None and baseline is not None:
        since = baseline.started_at.date()
    return PublicSummary(
        organisation=run.estate.name,
        since=month_label(since) if since is not None else None,
        areas=tuple(areas),
        has_baseline=baseline is not None,
    )


def find_baseline(store: ResultStore, run: RunResult) -> RunResult | None:
    """The stored run of the same organisation nearest before its incident's `contained` date.

    None when the incident is not declared or no earlier run of that organisation is stored.
    """
    contained = run.estate.incident_contained
    if contained is None:
        return None
    best = None
    for info in store.list_runs():
        if info.id == run.id or info.estate != run.estate.name:
            continue
        if info.started_at.date() > contained:
            continue
        if best is None or info.started_at > best.started_at:
            best = info
    return store.load(best.id) if best is not None else None


def resource_ids(runs: Iterable[RunResult | None]) -> tuple[str, ...]:
    """Every resource id named in `runs`, for the disclosure lint."""
    ids: set[str] = set()
    for run in runs:
        if run is not None:
            ids.update(f.resource.id for f in run.findings)
    return tuple(sorted(ids))
