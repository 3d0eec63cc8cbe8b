"""auth.ssh_password_login_enabled: sshd accepts passwords, empty passwords or root logins."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from hardening.check import Check, CheckContext, ref, register
from hardening.collectors.sshd import DEFAULTS
from hardening.facets import SshdConfig, SshdSetting
from hardening.model import CheckSpec, Finding, Remediation, ResourceRef, Scalar, Severity

_PASSWORD_METHODS: Final = frozenset({"password", "keyboard-interactive"})
_WATCHED: Final = (
    "passwordauthentication",
    "kbdinteractiveauthentication",
    "permitrootlogin",
    "permitemptypasswords",
    "usepam",
    "authenticationmethods",
)
#: How the keywords are spelled in sshd_config, for messages and remediation lines.
_SPELLING: Final = {
    "passwordauthentication": "PasswordAuthentication",
    "kbdinteractiveauthentication": "KbdInteractiveAuthentication",
    "permitrootlogin": "PermitRootLogin",
    "permitemptypasswords": "PermitEmptyPasswords",
    "usepam": "UsePAM",
    "authenticationmethods": "AuthenticationMethods",
}
_FIX_LINES: Final = {
    "passwordauthentication": "PasswordAuthentication no",
    "kbdinteractiveauthentication": "KbdInteractiveAuthentication no",
    "permitrootlogin": "PermitRootLogin no",
    "permitemptypasswords": "PermitEmptyPasswords no",
}


@dataclass(frozen=True)
class _Issue:
    severity: Severity
    text: str
    keyword: str
    match_line: int | None = None


@register
class SshPasswordLoginEnabled(Check):
    """What it does
    Reads each host's sshd_config as sshd does (first value wins, `Include` followed, built-in
    defaults applied when a keyword is absent) and fails the host when a password can open a
    session: `PasswordAuthentication yes`, or `KbdInteractiveAuthentication yes` (the PAM
    password prompt; its old name is `ChallengeResponseAuthentication`). It is critical when
    `PermitRootLogin yes` lets root sign in with a password or `PermitEmptyPasswords yes`
    accepts empty ones. `PermitRootLogin prohibit-password` (alias `without-password`) is
    fine. A `Match` block that turns any of these back on fails with its criteria and line.
    `AuthenticationMethods` is honoured: a password that is only ever a second factor after
    `publickey` does not fail. sshd's defaults count: an absent `PasswordAuthentication` is
    "yes" and the finding says it comes from the default.

    Why is this bad
    Passwords leaked or cracked in the incident work against every host that accepts them,
    and internet-facing sshd is brute-forced around the clock. Keys (or certificates) cannot
    be guessed and are not reused across services; root password logins also leave no
    trace of which person used them.

    Example
    Failing: an sshd_config with no PasswordAuthentication line (default yes) and
    `PermitRootLogin yes`, or `Match User deploy` followed by `PasswordAuthentication yes`.
    Fixed: `PasswordAuthentication no`, `KbdInteractiveAuthentication no`,
    `PermitRootLogin no` above any Include and Match line, the Match override removed, then
    `sshd -t && systemctl reload ssh`.
    """

    spec = CheckSpec(
        id="auth.ssh_password_login_enabled",
        title="sshd accepts password logins (or root or empty-password logins)",
        severity=Severity.HIGH,
        rationale=(
            "Credentials exposed in the incident, and any weak password, can be used or "
            "brute-forced against sshd; key-only authentication removes that path."
        ),
        remediation=Remediation(
            "Allow only key (or certificate) authentication and no direct root password "
            "login; make sure those lines are the first ones sshd reads.",
            steps=(
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin no (as CIS asks; prohibit-password only where automation must "
                "log in as root with a key)",
                "PermitEmptyPasswords no",
                "Where sshd_config starts with `Include /etc/ssh/sshd_config.d/*.conf` "
                "(Debian, Ubuntu), put them in /etc/ssh/sshd_config.d/00-hardening.conf, which "
                "is read first; drop-ins such as 50-cloud-init.conf may set "
                "PasswordAuthentication yes.",
                "Remove password re-enabling lines from Match blocks.",
                "Confirm key login works in a second session, then "
                "`sshd -t && systemctl reload ssh` (the unit is `sshd` on RHEL/Fedora).",
                "Verify the effective values: `sshd -T | grep -Ei "
                "'^(passwordauthentication|kbdinteractiveauthentication|permitrootlogin|"
                "permitemptypasswords)'`.",
            ),
        ),
        references=(
            "CIS Benchmarks for Linux: 'Ensure sshd PermitRootLogin is disabled' (e.g. CIS "
            "Debian Linux 11 v2.0.0 5.1.20) and 'Ensure sshd PermitEmptyPasswords is disabled'",
            "CIS Controls v8 5.4 (restrict administrator privileges to dedicated accounts)",
            "PCI DSS 4.0 8.2.2 (shared and generic accounts)",
            "ISO/IEC 27001:2022 A.8.5 (secure authentication)",
        ),
        public_title="Access controls",
        needs=frozenset({"sshd"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        hosts = {h.id: h for h in ctx.hosts}
        for config in ctx.sshd or ():
            host = hosts.get(config.host_id)
            resource = ref(host) if host else ResourceRef("host", config.host_id)
            yield self._judge(config, resource)

    def _judge(self, config: SshdConfig, resource: ResourceRef) -> Finding:
        settings = config.settings
        issues = _global_issues(settings)
        issues += _match_issues(config, settings)

        evidence: dict[str, Scalar] = {}
        for keyword in _WATCHED:
            setting = _get(settings, keyword)
            evidence[keyword] = setting.value
            evidence[f"{keyword}_line"] = setting.line
        evidence["match_blocks"] = len(_blocks(config))

        if not issues:
            shown = ["passwordauthentication", "kbdinteractiveauthentication", "permitrootlogin"]
            if _method_lists(_get(settings, "authenticationmethods").value) is not None:
                shown.append("authenticationmethods")
            return self.passed(
                resource,
                "No login with a password alone: "
                + ", ".join(_where(settings, k) for k in shown)
                + ".",
                evidence=evidence,
            )
        severity = max((i.severity for i in issues), key=lambda s: s.rank)
        match_texts = [i.text for i in issues if i.match_line is not None]
        if match_texts:
            evidence["match_issues"] = "; ".join(match_texts)
        return self.failed(
            resource,
            "; ".join(i.text for i in issues) + ".",
            severity=severity,
            evidence=evidence,
            remediation=_remediation(issues),
        )


def _get(settings: Mapping[str, SshdSetting], keyword: str) -> SshdSetting:
    return settings.get(keyword) or SshdSetting(DEFAULTS[keyword], 0)


def _norm(value: str) -> str:
    return value.strip().strip('"').lower()


def _where(settings: Mapping[str, SshdSetting], keyword: str) -> str:
    setting = _get(settings, keyword)
    place = f"line {setting.line}" if setting.line else "sshd default, not set in the file"
    return f"{_SPELLING[keyword]} {setting.value} ({place})"


def _method_lists(value: str) -> list[set[str]] | None:
    """AuthenticationMethods as sets of method names; None for `any` (any single method)."""
    if _norm(value) == "any":
        return None
    return [
        {method.split(":", 1)[0] for method in group.split(",") if method}
        for group in _norm(value).split()
    ]


def _password_alone(methods: list[set[str]] | None, method: str) -> bool:
    """Whether `method` can open a session without a key or other non-password factor."""
    if methods is None:
        return True
    return any(method in group and group <= _PASSWORD_METHODS for group in methods)


def _enabled(
    settings: Mapping[str, SshdSetting], overrides: Mapping[str, SshdSetting] | None = None
) -> tuple[bool, bool]:
    """(password alone possible via PasswordAuthentication, via keyboard-interactive)."""
    merged = {**settings, **(overrides or {})}
    methods = _method_lists(_get(merged, "authenticationmethods").value)
    password = _norm(_get(merged, "passwordauthentication").value) == "yes"
    kbd = _norm(_get(merged, "kbdinteractiveauthentication").value) == "yes"
    return (
        password and _password_alone(methods, "password"),
        kbd and _password_alone(methods, "keyboard-interactive"),
    )


def _global_issues(settings: Mapping[str, SshdSetting]) -> list[_Issue]:
    issues = []
    password, kbd = _enabled(settings)
    pam = _norm(_get(settings, "usepam").value) == "yes"
    if password:
        issues.append(
            _Issue(
                Severity.HIGH,
                _where(settings, "passwordauthentication"),
                "passwordauthentication",
            )
        )
    if kbd and pam:
        issues.append(
            _Issue(
                Severity.HIGH,
                f"{_where(settings, 'kbdinteractiveauthentication')} with UsePAM yes lets PAM "
                "prompt for the password",
                "kbdinteractiveauthentication",
            )
        )
    elif kbd:
        issues.append(
            _Issue(
                Severity.MEDIUM,
                f"{_where(settings, 'kbdinteractiveauthentication')}: with UsePAM no it "
                "prompts for passwords only through BSD auth, but leave it off",
                "kbdinteractiveauthentication",
            )
        )
    passwords = password or (kbd and pam)
    root = _get(settings, "permitrootlogin")
    if _norm(root.value) == "yes":
        issues.append(_root_issue(_where(settings, "permitrootlogin"), passwords, None))
    empty = _get(settings, "permitemptypasswords")
    if _norm(empty.value) == "yes":
        issues.append(_empty_issue(_where(settings, "permitemptypasswords"), passwords, None))
    return issues


def _root_issue(text: str, passwords: bool, line: int | None) -> _Issue:
    if passwords:
        return _Issue(
            Severity.CRITICAL, f"{text} lets root sign in with a password", "permitrootlogin", line
        )
    return _Issue(
        Severity.MEDIUM,
        f"{text} (key-only today, but root gets password login as soon as password "
        "authentication is enabled)",
        "permitrootlogin",
        line,
    )


def _empty_issue(text: str, passwords: bool, line: int | None) -> _Issue:
    severity = Severity.CRITICAL if passwords else Severity.MEDIUM
    return _Issue(
        severity, f"{text} accepts accounts with empty passwords", "permitemptypasswords", line
    )


def _blocks(config: SshdConfig) -> list[tuple[str, dict[str, SshdSetting]]]:
    """Match blocks in order: (criteria, first value of each keyword in the block)."""
    blocks: list[tuple[str, dict[str, SshdSetting]]] = []
    last_line = 0
    for criteria, keyword, value, line in config.match_overrides:
        # A new block starts when the criteria change or the line numbering goes back
        # (a later block with the same criteria, or a block in an included file).
        if not blocks or blocks[-1][0] != criteria or line < last_line:
            blocks.append((criteria, {}))
        blocks[-1][1].setdefault(keyword, SshdSetting(value, line))
        last_line = line
    return blocks


def _match_issues(config: SshdConfig, settings: Mapping[str, SshdSetting]) -> list[_Issue]:
    """Issues a Match block creates by setting a keyword itself (globals are judged apart)."""
    issues = []
    pam = _norm(_get(settings, "usepam").value) == "yes"
    for criteria, block in _blocks(config):
        password, kbd = _enabled(settings, block)
        passwords = password or (kbd and pam)
        for keyword, on in (
            ("passwordauthentication", password),
            ("kbdinteractiveauthentication", kbd and pam),
        ):
            # The block turns this path on by setting it, or by relaxing AuthenticationMethods.
            setting = block.get(keyword) or block.get("authenticationmethods")
            if not on or setting is None:
                continue
            named = keyword if keyword in block else "authenticationmethods"
            issues.append(
                _Issue(
                    Severity.HIGH,
                    f"Match {criteria} (line {setting.line}) enables password login: "
                    f"{_SPELLING[named]} {setting.value}",
                    keyword,
                    setting.line,
                )
            )
        root = block.get("permitrootlogin")
        if root is not None and _norm(root.value) == "yes":
            text = f"Match {criteria} (line {root.line}): PermitRootLogin {root.value}"
            issues.append(_root_issue(text, passwords, root.line))
        empty = block.get("permitemptypasswords")
        if empty is not None and _norm(empty.value) == "yes":
            text = f"Match {criteria} (line {empty.line}): PermitEmptyPasswords {empty.value}"
            issues.append(_empty_issue(text, passwords, empty.line))
    return issues


def _remediation(issues: list[_Issue]) -> str:
    lines = []
    for keyword in _FIX_LINES:
        if any(i.keyword == keyword and i.match_line is None for i in issues):
            lines.append(_FIX_LINES[keyword])
    parts = []
    if lines:
        parts.append(
            "Set, where sshd reads them first (top of sshd_config, or "
            "/etc/ssh/sshd_config.d/00-hardening.conf when sshd_config starts with that "
            "Include): " + "; ".join(f"`{line}`" for line in lines) + "."
        )
        if _FIX_LINES["permitrootlogin"] in lines:
            parts.append("(`PermitRootLogin prohibit-password` if root must log in with a key.)")
    match_lines = sorted({i.match_line for i in issues if i.match_line})
    if match_lines:
        parts.append(
            "Remove the password/root re-enabling settings from the Match blocks at line(s) "
            + ", ".join(str(n) for n in match_lines)
            + "."
        )
    parts.append(
        "Confirm key login in a second session, then run `sshd -t && systemctl reload ssh` "
        "(`sshd` on RHEL/Fedora) and check `sshd -T`."
    )
    return " ".join(parts)
