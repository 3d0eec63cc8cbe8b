"""The disclosure lint: rules, spans, configuration, the labelled corpus, and the CLI."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest
import yaml

from hardening.cli import main
from hardening.disclosure import RULES, Hit, LintConfig, html_text, lint, lint_html

LAYER = "unvetted-statement"

DATA = Path(__file__).parent / "data" / "disclosure"
CORPUS = DATA / "corpus.yaml"
# Fresh sets written after the corpus rules, to measure generalisation. First scores, each
# taken before any rule was fitted to that file: heldout.yaml precision 1.000, recall 0.431
# (before the attack-path / internal-system / wider residual-weakness rules); heldout2.yaml
# precision 1.000, recall 0.400 (after the heldout.yaml rules); heldout3.yaml precision 0.882,
# recall 0.500 (after the heldout2.yaml rules); heldout4.yaml precision 1.000, recall 0.400
# (after the heldout3.yaml rules); heldout5.yaml precision 0.917, recall 0.367 (after the
# heldout4.yaml rules). Phrase rules did not generalise, so the sentence layer
# (`unvetted-statement`: every sentence of prose must have a known-safe shape and no veto cue)
# was added. heldout6.yaml was written BEFORE that layer was designed: phrase rules alone scored
# it precision 0.950, recall 0.422; the first working layer scored it precision 0.938, recall
# 1.000. Each later set was written after the previous round of changes and scored once before
# being fitted: heldout7.yaml precision 0.789, recall 1.000; heldout8.yaml precision 0.848,
# recall 0.933; heldout9.yaml precision 0.829, recall 0.967; heldout10.yaml precision 0.882,
# recall 1.000. So on fresh wording the layer finds (nearly) every unsafe sentence, and its
# cost is false alarms on safe wording it has no shape for: expect precision around 0.8-0.9
# on unseen text, not the in-sample figure.
# A second author who never saw the rules then wrote six blind sets, scored once with the lint
# of that day (allow_domains examplecu.example, no resource ids): blind1.yaml (credit union
# letter) precision 0.907, recall 0.980; blind2.yaml (US hospital letter) precision 0.865,
# recall 0.938; blind3.yaml (UK retailer email/FAQ) precision 0.885, recall 0.979; three more
# (US SaaS blog/press 0.789/0.938, UK council 0.938/0.957, very short texts 0.933/0.875) are
# kept back by their author; all six together precision 0.883, recall 0.944. blind1-3 and
# heldout10 are fitted since. heldout11.yaml (gym app, university, charity, law firm) was
# written before that round's changes: first score precision 0.921, recall 0.875. It is the
# newest set and is reported, not asserted, so its line stays the nearest thing to an
# out-of-sample estimate (its author had seen its errors, so read it as optimistic). The
# asserted union is a regression floor, not a forecast for unseen text.
# blind4-6.yaml were kept back from the rule authors through that whole round and scored once
# afterwards (2026-11-25): blind4.yaml (US SaaS) precision 0.889, recall 1.000; blind5.yaml
# (UK council) precision 0.979, recall 1.000; blind6.yaml (short texts) precision 1.000,
# recall 0.958; together precision 0.953, recall 0.986 - the honest out-of-sample figure.
# They are reported, never asserted and never fitted: keep it that way.
HELDOUT = tuple(
    DATA / f"{name}.yaml"
    for name in (
        *(f"heldout{n}" for n in ("", "2", "3", "4", "5", "6", "7", "8", "9", "10")),
        "blind1",
        "blind2",
        "blind3",
    )
)
UNFITTED = tuple(DATA / f"{name}.yaml" for name in ("heldout11", "blind4", "blind5", "blind6"))
CONFIG = LintConfig(
    allow_domains=("examplecu.example",), resource_ids=("customer-db", "corp-sso", "web-users")
)


class LintScore(UserWarning):
    """Carries the corpus precision and recall into pytest's warnings summary."""


def rules(text: str, config: LintConfig = CONFIG) -> set[str]:
    return {h.rule for h in lint(text, config)}


def _score(safe: list[str], unsafe: list[str]) -> tuple[float, float, list[str], list[str]]:
    false_pos = [s for s in safe if lint(s, CONFIG)]
    missed = [s for s in unsafe if not lint(s, CONFIG)]
    tp = len(unsafe) - len(missed)
    precision = tp / (tp + len(false_pos)) if tp + len(false_pos) else 1.0
    return precision, tp / len(unsafe), false_pos, missed


def test_corpus_precision_and_recall() -> None:
    corpus = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    assert len(corpus["safe"]) >= 100 and len(corpus["unsafe"]) >= 100
    safe: list[str] = []
    unsafe: list[str] = []
    lines = []
    for path in (CORPUS, *HELDOUT):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert len(data["safe"]) >= 30 and len(data["unsafe"]) >= 30, path.name
        p, r, _, _ = _score(data["safe"], data["unsafe"])
        lines.append(
            f"{path.name}: {len(data['safe'])} safe + {len(data['unsafe'])} unsafe, "
            f"precision {p:.3f}, recall {r:.3f}"
        )
        safe += data["safe"]
        unsafe += data["unsafe"]
    assert len(safe) + len(unsafe) >= 200
    precision, recall, false_pos, missed = _score(safe, unsafe)
    unfitted = []
    for path in UNFITTED:
        fresh = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert len(fresh["safe"]) >= 30 and len(fresh["unsafe"]) >= 30, path.name
        fresh_p, fresh_r, _, _ = _score(fresh["safe"], fresh["unsafe"])
        unfitted.append(f"{path.name} precision {fresh_p:.3f}, recall {fresh_r:.3f}")
    score = (
        f"disclosure lint on {len(safe)} safe + {len(unsafe)} unsafe sentences: "
        f"precision {precision:.3f}, recall {recall:.3f} ({'; '.join(lines)}); "
        f"unfitted (reported, not asserted): {'; '.join(unfitted)}"
    )
    warnings.warn(score, LintScore, stacklevel=1)
    print(score)
    assert recall >= 0.95 and precision >= 0.9, f"{score}; missed {missed}; false {false_pos}"


@pytest.mark.parametrize(
    ("text", "rule", "span"),
    [
        ("Traffic came from 203.0.113.45 overnight.", "ip-address", "203.0.113.45"),
        ("The host 2001:db8::17 was rebuilt.", "ip-address", "2001:db8::17"),
        ("We retired fs01.corp last month.", "internal-domain", "fs01.corp"),
        ("Mail went through relay.examplecu.local.", "internal-domain", "relay.examplecu.local"),
        ("See status.vendor.com for details.", "hostname", "status.vendor.com"),
        ("We rebuilt db-prod-01.", "hostname", "db-prod-01"),
        ("Read https://evil.example.net/x today.", "url", "https://evil.example.net/x"),
        ("It ran PostgreSQL 15.4 then.", "product-version", "PostgreSQL 15.4"),
        ("It ran OpenSSH 9.2p1 then.", "product-version", "OpenSSH 9.2p1"),
        ("Headers said nginx/1.24 then.", "product-version", "nginx/1.24"),
        ("They used CVE-2023-4966.", "cve", "CVE-2023-4966"),
        ("It listened on port 5432.", "port", "port 5432"),
        ("It answered on db:6379.", "port", ":6379"),
        ("4,213 accounts were affected.", "count", "4,213"),
        ("The attack began on 3 October 2026.", "exposure-date", "3 October 2026"),
        ("Data was copied at 02:14 on that night.", "exposure-date", "02:14"),
        ("They read /etc/shadow.", "file-path", "/etc/shadow"),
        ("Saved to C:\\exports\\members.csv.", "file-path", "C:\\exports\\members.csv"),
        ("The store customer-db was moved.", "resource-id", "customer-db"),
        ("MFA is still not enforced for staff.", "residual-weakness", "still not"),
        ("The remaining servers will follow.", "residual-weakness", "remaining"),
        ("We are unable to encrypt the archive.", "residual-weakness", "are unable to"),
        ("Key AKIAIOSFODNN7EXAMPLE leaked.", "identifier", "AKIAIOSFODNN7EXAMPLE"),
        ("Our payroll system was breached.", "internal-system", "Our payroll system"),
        (
            "They reached the system we use to print statements.",
            "internal-system",
            "the system we use to",
        ),
        ("They got in through a supplier's remote access tool.", "attack-path", "got in through"),
        ("A staff member opened an attachment.", "attack-path", "staff member opened"),
        (
            "Some older systems have not been fully upgraded.",
            "residual-weakness",
            "Some older systems",
        ),
        (
            "The database was reachable from the internet.",
            "residual-weakness",
            "reachable from the internet",
        ),
        ("The breach lasted about three weeks.", "exposure-date", "lasted about three weeks"),
        ("The attackers were inside from 2am to 4am.", "exposure-date", "2am"),
        ("Staff can still use the old system.", "residual-weakness", "Staff can still use"),
        ("Payroll system affected.", "internal-system", "Payroll system"),
        (
            "Data came from the appointment-booking system.",
            "internal-system",
            "the appointment-booking system",
        ),
        ("Our admins could see everything.", "technical-detail", "admins"),
    ],
)
def test_rule_and_span(text: str, rule: str, span: str) -> None:
    hits = [h for h in lint(text, CONFIG) if h.rule == rule]
    assert hits, f"no {rule} hit in {text!r}: {lint(text, CONFIG)}"
    assert any(text[h.start : h.end] == h.text == span for h in hits), hits
    assert all(h.rule in RULES and h.message for h in lint(text, CONFIG))


@pytest.mark.parametrize(
    "text",
    [
        "We have strengthened two-factor authentication for all staff since October 2026.",
        "Call us on our usual number.",
        "In 2026 we reviewed how we protect your information.",
        "Call us on 0800 123 4567 between 8am and 8pm.",
        "We are offering 12 months of free credit monitoring.",
        "If you are a vulnerable customer, we have extra support.",
        "Visit https://www.examplecu.example/help or email help@examplecu.example.",
        "We are here 24/7.",
        "We continue to strengthen our backups.",
        "Two-factor authentication is now required for all staff.",
        "Names, addresses and dates of birth may have been affected.",
        "If you clicked a link in a message you were not expecting, call us.",
        "Do not use the same password for more than one account.",
        "We have replaced our older laptops.",
        "The incident is being investigated by the police.",
        # Opening hours are not exposure times; PO boxes, street numbers, ages and prices are
        # not counts; what did not change and what the reader can still do are no weakness.
        "Our helpline is on 0800 555 0100, 8am to 10pm, seven days a week.",
        "Lines are open Monday through Friday, 9am to 6pm Eastern Time.",
        "Write to us at PO Box 1200, Springfield.",
        "Write to us at 221 Baker Street, London.",
        "Patients under 18 will be offered a separate service.",
        "Customers aged 65 and over can ask for a call back.",
        "Every affected customer will get a 20% discount and a 15 pounds voucher.",
        "Your medical records have not been altered.",
        "Your account and your savings remain fully available.",
        "Your appointments remain scheduled.",
        "You can still use your card as usual.",
        "Still have questions? Visit www.examplecu.example/help.",
        "We've replaced older equipment.",
        "Admins can review recent sign-in activity in their account settings.",
    ],
)
def test_tricky_safe_sentences(text: str) -> None:
    assert lint(text, CONFIG) == []


def test_allow_domains_and_allow_rules() -> None:
    text = "Visit https://www.examplecu.example/help or https://other.example.org."
    assert [h.text for h in lint(text, CONFIG)] == ["https://other.example.org"]
    # A subdomain is not public unless listed: vpn.examplecu.example may be an internal host.
    assert rules(
        "Traffic went through vpn.examplecu.example.", LintConfig(("examplecu.example",))
    ) & {
        "hostname",
        "internal-domain",
    }
    listed = LintConfig(allow_domains=("examplecu.example", "vpn.examplecu.example"))
    assert rules("Use vpn.examplecu.example.", listed) == set()
    assert lint("See other.example.org.", LintConfig(allow_domains=("other.example.org",))) == []
    assert rules("See other.example.org.", LintConfig(allow_domains=("example.org",))) == {
        "hostname"
    }
    assert lint("It ran PostgreSQL 15.4.", LintConfig(allow_rules=("product-version",))) == []


def test_count_threshold_and_years() -> None:
    assert rules("We wrote to 9 members.") == set()
    assert rules("We wrote to 11 members.") == {"count"}
    assert rules("We wrote to 11 members.", LintConfig(count_threshold=20)) == set()
    assert rules("Since 2026 we have improved.") == set()
    assert rules("2048 customers were affected.") == {"count"}


def test_month_year_is_fine_but_a_past_full_date_is_not() -> None:
    assert rules("We contained the incident in October 2026.") == set()
    assert rules("We contained the incident on 5 October 2026.") == {"exposure-date"}
    assert rules("The offer is open until 31 January 2027.") == set()


def test_html_lint_reads_text_and_absolute_links_only() -> None:
    page = (
        '<p>Read <a href="faq.html">our answers</a> or '
        '<a href="https://intranet.corp/x">this</a>.</p><style>p{margin:10px}</style>'
    )
    assert "faq.html" not in html_text(page)
    hits = lint_html(page, CONFIG)
    assert {h.rule for h in hits} == {"url"}


def test_fast_paths_change_no_hit() -> None:
    """The date gate passes every sentence a date pattern matches; folded patterns on the
    lower-cased text find the same spans; text that lower-casing would resize is still read."""
    from hardening import disclosure as d

    pairs = [
        (d._PHRASE, d._PHRASE_FOLDED),
        (d._NETWORK, d._NETWORK_FOLDED),
        (d._TECHNICAL_IDS, d._TECHNICAL_FOLDED),
        (d._DATES, d._DATES_FOLDED),
    ]
    extra = [
        "Key AKIAIOSFODNN7EXAMPLE and CVE-2023-4966 at https://Evil.Example.NET:8443/x.",
        "Mail admin@Corp.Example.ORG, ticket INC-2026-00417, port 5432, 2026-10-03T02:14Z.",
    ]
    for path in sorted(DATA.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for text in (*data["safe"], *data["unsafe"], *extra):
            if any(p.search(text) for p in d._DATES[:3]):
                assert d._DATE_GATE.search(text), text
            for plain, folded in pairs:
                for a, b in zip(plain, folded, strict=True):
                    spans = [m.span() for m in b.finditer(text.lower())]
                    assert [m.span() for m in a.finditer(text)] == spans, (text, a.pattern[:40])
    resized = "\u0130stanbul office: they used CVE-2023-4966 on 3 October 2026."
    assert len(resized.lower()) != len(resized)
    hits = lint(resized, CONFIG)
    assert {"cve", "exposure-date"} <= {h.rule for h in hits}
    assert all(resized[h.start : h.end] == h.text for h in hits)


def test_hit_describe() -> None:
    hit = Hit("cve", 4, 17, "CVE-2023-4966", "vulnerability identifier")
    assert hit.describe("a.txt") == "a.txt:4-17: cve: vulnerability identifier: 'CVE-2023-4966'"


def test_cli_lint_public(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = tmp_path / "clean.txt"
    clean.write_text("We are sorry.\nVisit www.examplecu.example for help.\n")
    assert main(["lint-public", str(clean), "--allow-domain", "examplecu.example"]) == 0
    assert main(["lint-public", str(clean)]) == 1
    err = capsys.readouterr().err
    assert f"{clean}:2:7: url:" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("We have closed port 22.\n"))
    assert main(["lint-public", "-"]) == 1
    assert "<stdin>:1:16: port:" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("We have closed port 22.\n"))
    assert main(["lint-public", "-", "--allow", "port", "--reason", "the public SSH service"]) == 0
    assert "port allowed: the public SSH service" in capsys.readouterr().err
    page = tmp_path / "p.html"
    page.write_text("<p>Host <b>10.0.0.1</b></p>")
    assert main(["lint-public", str(page)]) == 1
    assert main(["lint-public", str(tmp_path / "missing.txt")]) == 2


# The sentence layer: prose must have a known-safe shape; narration, partial or unfinished
# work, delays and durations are flagged even when no phrase rule knows the wording.
@pytest.mark.parametrize(
    "text",
    [
        "A link in a text message led a colleague to a fake sign-in page.",
        "The data sat on a public web page for about a week.",
        "The people behind the attack spent weeks studying how our staff worked.",
        "The hacker group has claimed responsibility.",
        "We paid the criminals to get our files back.",
        "They got in.",
        "We have strengthened sign-in checks, although a few smaller sites will take longer.",
        "Most of our branches are now protected.",
        "Two-factor authentication is now required for some teams.",
        "Members' passwords were protected with a method that is now considered weak.",
        "Our security team is small and was stretched at the time.",
        "It took our team nine days to realise what had happened.",
        "We were first alerted by a customer eleven days after the data was taken.",
        # Occasions and ordinals, how it was found out, where data came from and who can reach
        # it, scope cut short, unfinished work in a clause after a semicolon, short answers.
        "This is the second time this year that our systems have been accessed.",
        "The systems were accessed on three separate occasions.",
        "We learned of the incident from a reporter who had been sent some of the data.",
        "Information was copied from the room-booking tool.",
        "Contractors can open any customer file without approval.",
        "Two of our sites have their own IT arrangements and were not covered by the review.",
        "Our IT is run by a single outside company with limited out-of-hours cover.",
        "Only card data is encrypted; contact details are not.",
        "Sign-in checks are in place for managers, and other staff will be added over the "
        "coming months.",
    ],
)
def test_sentence_layer_flags_narrative_partiality_and_delay(text: str) -> None:
    hits = [h for h in lint(text, CONFIG) if h.rule == LAYER]
    assert hits, f"no {LAYER} hit in {text!r}"
    hit = hits[0]
    assert (hit.start, hit.end) == (0, len(text)) and hit.text == text
    assert "known-safe shape" in hit.message and "apology" in hit.message


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Q: Is it fixed everywhere?", "A: For most sites; the rest by June."),
        ("Q: How did you find out?", "A: A customer told us."),
    ],
)
def test_sentence_layer_reads_short_answers_for_every_veto(question: str, answer: str) -> None:
    hits = [h for h in lint(f"{question} {answer}", CONFIG) if h.rule == LAYER]
    assert [h.text for h in hits] == [answer]


@pytest.mark.parametrize(
    "text",
    [
        "We are very sorry this has happened.",
        "The details involved were your name, address and the last four digits of your card.",
        "Your full card number was not involved.",
        "Please be alert to calls, texts or emails that mention this incident.",
        "If you see a payment you do not recognise, call us straight away.",
        "We will never ask you for your password by email.",
        "Our helpline is open 8am to 8pm on weekdays.",
        "We are offering two years of free credit monitoring.",
        "We have told the regulator and the police.",
        "We have strengthened how staff sign in to our systems.",
        "Customer records are now encrypted.",
        "We found out about the incident in September 2026.",
        "In October 2026 someone without permission got into some of our systems.",
        "Your old card will keep working until your new one arrives.",
        "Today we are sharing an update on a security incident affecting some customer accounts.",
        "We also recommend turning on two-factor authentication for your account.",
        "Two-factor authentication is now on for all staff.",
        "It happened earlier this year.",
        "The information involved includes names and account numbers.",
        "Councillors have been briefed and will receive regular updates.",
        "We notified the U.S. Department of Health and Human Services.",
        "Genuine emails from us only come from examplecu.example addresses.",
        "Example Credit Union: we are sorry.",
        "Service alert: our website is back online.",
        "We're here 8am-8pm, Mon-Sat.",
        "Payment information is handled by our payment provider and is not stored on our systems.",
        "Q: Do I need a new card? A: No.",
    ],
)
def test_sentence_layer_passes_safe_shapes(text: str) -> None:
    assert lint(text, CONFIG) == []


@pytest.mark.parametrize(
    "text",
    [
        "What happened?",
        "How did they get in?",
        "Yours sincerely,",
        "Alex Morgan",
        "Chief Executive, Example Credit Union",
        "What we have done",
        "Two-factor authentication.",
        "Contact us",
        "Questions and answers page",
        "Sign up now",
    ],
)
def test_sentence_layer_ignores_headings_questions_and_fragments(text: str) -> None:
    assert lint(text, CONFIG) == []


def test_sentence_layer_spans_each_sentence_in_a_page() -> None:
    text = "We are sorry.\nWhat happened?\nThe data sat on a public web page. Call us today.\n"
    hits = [h for h in lint(text, CONFIG) if h.rule == LAYER]
    assert [h.text for h in hits] == ["The data sat on a public web page."]
    assert text[hits[0].start : hits[0].end] == hits[0].text
    assert LAYER in RULES
    assert lint(text, LintConfig(allow_rules=(LAYER,))) == []


def test_approved_sentences_waive_only_the_sentence_layer() -> None:
    text = "We are sorry.\nOur volunteers  staff the phones on the first Saturday of each month.\n"
    assert rules(text) == {LAYER}
    approved = LintConfig(
        allow_domains=("examplecu.example",),
        approved=("Our volunteers staff the phones on the first Saturday of each month.",),
    )
    assert lint(text, approved) == []
    # Exact sentences only: a different sentence, or the phrase rules, still flag.
    assert rules("Our volunteers staff the phones most weekends.", approved) == {LAYER}
    leaky = LintConfig(approved=("Our volunteers use 10.0.0.7 for this.",))
    assert rules("Our volunteers use 10.0.0.7 for this.", leaky) == {"ip-address"}


def test_cli_lint_public_approved_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.txt"
    page.write_text("We are sorry.\nOur volunteers staff the phones every other Saturday.\n")
    assert main(["lint-public", str(page)]) == 1
    assert "unvetted-statement" in capsys.readouterr().err
    approved = tmp_path / "approved.txt"
    approved.write_text(
        "# vetted 2026-11-20\nOur volunteers staff the phones every other Saturday.\n"
    )
    assert main(["lint-public", str(page), "--approved", str(approved)]) == 0
    assert main(["lint-public", str(page), "--approved", str(tmp_path / "nope.txt")]) == 2


def test_sentence_layer_reads_html_blocks_separately() -> None:
    page = (
        "<nav><a href='faq.html'>Questions</a> <a href='help.html'>Get help</a></nav>"
        "<h1>Important information for our customers</h1>"
        "<h2>What should I do if I see suspicious activity?</h2>"
        "<ul><li>Payments or sign-ins you do not recognise.</li><li>Contact us</li></ul>"
        "<table><tr><th>Area</th><td>Backups</td></tr></table><button>Sign up</button>"
        "<p>We are sorry. Our backup copies had not been tested for years.</p>"
    )
    hits = lint_html(page, CONFIG)
    assert [h.text for h in hits if h.rule == LAYER] == [
        "Our backup copies had not been tested for years."
    ]
