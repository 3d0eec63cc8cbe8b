"""The breach communications pack: incident facts + the public summary → six customer pieces.

The incident-facts file holds only what the organisation has decided to say:

```yaml
version: 1
organisation: Example Credit Union        # optional; default: the run's organisation
period: 2026-10                           # approximate month of the incident (YYYY-MM)
data_affected: [names, postal addresses, dates of birth]
actions_taken:                            # what the organisation has done
  - We secured our systems and brought in independent security specialists.
customer_actions:                         # what customers should do
  - Be wary of unexpected calls, emails or texts that ask for your security details.
contact:                                  # at least one of phone, email, website
  phone: 0800 123 4567
  email: help@examplecu.example
  website: https://www.examplecu.example/security-update   # where the FAQ is published
  hours: 8am to 8pm, Monday to Saturday
  post: Freepost EXAMPLE CU
apology: We are deeply sorry that this happened.
card_reissue: true                        # optional, default false
credit_monitoring: {months: 12, how_to_enrol: Use the code in your letter at our website.}
public_domains: [examplecu.example]       # domains the pieces may name and link to
signatory: {name: Alex Morgan, role: Chief Executive}   # optional, signs the letter and email
```

Every piece is linted with the run's resource ids and the file's `public_domains`; the
organisation's own wording trips the lint like ours does. Errors are one line naming
`file:line` and the field, through the estate loader's YAML walker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import Environment

from hardening.disclosure import Hit, LintConfig, html_text, lint
from hardening.errors import EstateError, InputError
from hardening.estate import _Ctx, _parse_yaml, _Scope
from hardening.public import PublicSummary, month_label
from hardening.reports.public.environment import statement

__all__ = ["PIECES", "CommsPack", "IncidentFacts", "lint_pack", "load_facts", "render_pack"]

#: Output file → (template, title on the index page).
PIECES: dict[str, tuple[str, str]] = {
    "banner.html": ("banner.html.j2", "Homepage banner"),
    "social-post.txt": ("social-post.txt.j2", "Social-media post"),
    "faq.html": ("faq.html.j2", "Questions and answers page"),
    "call-centre-brief.html": ("call-centre-brief.html.j2", "Call-centre brief"),
    "email.txt": ("email.txt.j2", "Customer email"),
    "letter.html": ("letter.html.j2", "Postal letter"),
}
INDEX = "index.html"

_KEYS = (
    "version",
    "organisation",
    "period",
    "data_affected",
    "actions_taken",
    "customer_actions",
    "contact",
    "apology",
    "card_reissue",
    "credit_monitoring",
    "public_domains",
    "signatory",
)
_CONTACT_KEYS = ("phone", "email", "website", "hours", "post")
_MONITORING_KEYS = ("months", "how_to_enrol")
_SIGNATORY_KEYS = ("name", "role")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class Contact:
    """How customers reach the organisation."""

    phone: str | None = None
    """Helpline number."""
    email: str | None = None
    """Support address."""
    website: str | None = None
    """Public address of the FAQ page."""
    hours: str | None = None
    """Opening hours of the helpline, in words."""
    post: str | None = None
    """Postal address for letters."""


@dataclass(frozen=True, slots=True)
class CreditMonitoring:
    """The free credit-monitoring offer."""

    months: int
    """Length of the offer."""
    how_to_enrol: str | None = None
    """How to sign up, in words."""


@dataclass(frozen=True, slots=True)
class Signatory:
    """Who signs the letter and email."""

    name: str
    """Full name."""
    role: str | None = None
    """Job title."""


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What the organisation has decided to tell customers."""

    file: str
    """The facts file, for messages."""
    organisation: str | None
    """Organisation name; None means the run's."""
    period: str
    """Approximate month of the incident, e.g. "October 2026"."""
    data_affected: tuple[str, ...]
    """Kinds of data affected, in plain words."""
    actions_taken: tuple[str, ...]
    """What the organisation has done."""
    customer_actions: tuple[str, ...]
    """What customers should do."""
    contact: Contact
    """Contact channels."""
    apology: str
    """The apology, in the organisation's words."""
    card_reissue: bool = False
    """Whether cards are being replaced."""
    credit_monitoring: CreditMonitoring | None = None
    """The credit-monitoring offer, if any."""
    public_domains: tuple[str, ...] = ()
    """Domains the pieces may name and link to."""
    signatory: Signatory | None = None
    """Who signs the letter and email."""


@dataclass(frozen=True, slots=True)
class CommsPack:
    """The view-model every communications template receives: facts plus the public summary."""

    organisation: str
    """Organisation name."""
    facts: IncidentFacts
    """The incident facts."""
    summary: PublicSummary
    """The customer-safe summary."""
    improvements: tuple[str, ...]
    """One sentence per public area, from the summary's wording."""


def load_facts(path: Path) -> IncidentFacts:
    """Read and validate an incident-facts file; `InputError` naming file:line and field."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("incident facts file not found", file=file) from None
    except IsADirectoryError:
        raise InputError("expected an incident facts file, found a directory", file=file) from None
    except UnicodeDecodeError:
        raise InputError("incident facts file is not UTF-8 text", file=file) from None
    except OSError as exc:
        raise InputError(f"cannot read incident facts file: {exc.strerror}", file=file) from None
    if not text.strip():
        raise InputError("the incident facts file is empty", file=file, line=1)
    ctx = _Ctx(file=file, base=path.parent, display_dir=path.parent)
    try:
        return _facts(_Scope(ctx, _parse_yaml(text, ctx), None, 1), file)
    except EstateError as exc:
        message = exc.message.replace("the estate file", "the incident facts file")
        raise InputError(message, file=exc.file, line=exc.line, field=exc.field) from None


def _facts(s: _Scope, file: str) -> IncidentFacts:
    s.check_keys(_KEYS)
    version = s.m.get("version")
    if version != 1:
        if version is None:
            s.missing("version", "required but missing (this hardening reads version 1)")
        s.fail("version", f"unsupported incident facts version {version!r} (expected 1)")
    contact_scope = s.child("contact")
    if contact_scope is None:
        s.missing("contact")
    contact_scope.check_keys(_CONTACT_KEYS)
    contact = Contact(*(contact_scope.opt_str(k) for k in _CONTACT_KEYS))
    if not (contact.phone or contact.email or contact.website):
        contact_scope.missing("phone", "give at least one of phone, email or website")
    monitoring = None
    m = s.child("credit_monitoring")
    if m is not None:
        m.check_keys(_MONITORING_KEYS)
        months = m.opt_int("months", 1)
        if months is None:
            m.missing("months")
        monitoring = CreditMonitoring(months, m.opt_str("how_to_enrol"))
    signatory = None
    g = s.child("signatory")
    if g is not None:
        g.check_keys(_SIGNATORY_KEYS)
        signatory = Signatory(g.req_str("name"), g.opt_str("role"))
    return IncidentFacts(
        file=file,
        organisation=s.opt_str("organisation"),
        period=_period(s),
        data_affected=_req_list(s, "data_affected"),
        actions_taken=_req_list(s, "actions_taken"),
        customer_actions=_req_list(s, "customer_actions"),
        contact=contact,
        apology=s.req_str("apology"),
        card_reissue=bool(s.opt_bool("card_reissue")),
        credit_monitoring=monitoring,
        public_domains=tuple(d.lower().strip(".") for d in s.opt_str_list("public_domains") or ()),
        signatory=signatory,
    )


def _req_list(s: _Scope, key: str) -> tuple[str, ...]:
    items = s.opt_str_list(key)
    if not items:
        s.missing(key, "required: a list of at least one sentence")
    return items


def _period(s: _Scope) -> str:
    v = s.m.get("period")
    if v is None or v == "":
        s.missing("period", "required but missing (the month, as YYYY-MM)")
    if type(v) is date:
        s.fail("period", "give the month only (YYYY-MM): a full date reveals too much")
    match = _MONTH.match(v) if isinstance(v, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12:
        s.fail("period", f"expected a month as YYYY-MM, got {v!r}")
    return month_label(date(int(match.group(1)), int(match.group(2)), 1))


def build_pack(facts: IncidentFacts, summary: PublicSummary, env: Environment) -> CommsPack:
    """The view-model of the pack."""
    return CommsPack(
        organisation=facts.organisation or summary.organisation,
        facts=facts,
        summary=summary,
        improvements=tuple(statement(env, summary, a) for a in summary.areas),
    )


def render_pack(pack: CommsPack, env: Environment) -> dict[str, str]:
    """Every piece and the index, by output file name."""
    out = {
        name: env.get_template(template).render(pack=pack, facts=pack.facts, pieces=PIECES)
        for name, (template, _title) in PIECES.items()
    }
    out[INDEX] = env.get_template("index.html.j2").render(
        pack=pack, facts=pack.facts, pieces=PIECES
    )
    return out


def lint_pack(files: dict[str, str], config: LintConfig) -> Iterator[tuple[str, Hit]]:
    """Hits in every rendered file (the visible text and links of HTML ones)."""
    for name, text in files.items():
        body = html_text(text) if name.endswith(".html") else text
        for hit in lint(body, config):
            yield name, hit
