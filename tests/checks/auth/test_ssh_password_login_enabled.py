"""auth.ssh_password_login_enabled on real sshd_config files (parsed by the collector)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hardening.check import CheckContext
from hardening.checks.auth.ssh_password_login_enabled import SshPasswordLoginEnabled
from hardening.collectors.sshd import read_sshd_config
from hardening.estate import Estate, Host, Location, Organisation
from hardening.model import Finding, Severity, Status

TODAY = date(2026, 11, 25)

HARDENED = """\
# managed by config management
Include /etc/ssh/sshd_config.d/*.conf
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM yes
X11Forwarding no
Subsystem sftp /usr/lib/openssh/sftp-server
"""


def _judge(tmp_path: Path, text: str, **drop_ins: str) -> Finding:
    root = tmp_path / "bastion"
    config = root / "etc" / "ssh" / "sshd_config"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text, encoding="utf-8")
    for name, body in drop_ins.items():
        path = root / "etc" / "ssh" / "sshd_config.d" / f"{name}.conf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    host = Host(id="bastion", location=Location("estate.yaml", 40), sshd_config=config)
    estate = Estate(path=Path("estate.yaml"), organisation=Organisation("Org"), hosts=(host,))
    ctx = CheckContext(estate=estate, today=TODAY, sshd=(read_sshd_config(host),))
    findings = list(SshPasswordLoginEnabled().evaluate(ctx))
    assert len(findings) == 1
    finding = findings[0]
    assert finding.resource.kind == "host" and finding.resource.id == "bastion"
    assert (finding.resource.file, finding.resource.line) == ("estate.yaml", 40)
    return finding


def test_stock_config_fails_because_of_the_default(tmp_path: Path) -> None:
    finding = _judge(tmp_path, "UsePAM yes\n")
    assert finding.status is Status.FAIL and finding.severity is Severity.HIGH
    assert "PasswordAuthentication yes (sshd default, not set in the file)" in finding.detail
    assert "KbdInteractiveAuthentication yes (sshd default" in finding.detail
    assert finding.evidence["passwordauthentication"] == "yes"
    assert finding.evidence["passwordauthentication_line"] == 0
    remediation = finding.remediation or ""
    assert "`PasswordAuthentication no`" in remediation
    assert "`KbdInteractiveAuthentication no`" in remediation
    assert "sshd -t && systemctl reload ssh" in remediation


def test_hardened_config_passes(tmp_path: Path) -> None:
    finding = _judge(tmp_path, HARDENED)
    assert finding.status is Status.PASS
    assert "PasswordAuthentication no (line 3)" in finding.detail
    assert finding.evidence["permitrootlogin"] == "prohibit-password"
    assert finding.evidence["permitrootlogin_line"] == 5


def test_cloud_init_drop_in_wins_over_the_main_file(tmp_path: Path) -> None:
    finding = _judge(tmp_path, HARDENED, **{"50-cloud-init": "PasswordAuthentication yes\n"})
    assert finding.status is Status.FAIL
    assert "PasswordAuthentication yes (line 1)" in finding.detail
    assert "00-hardening.conf" in (finding.remediation or "")


def test_root_password_login_is_critical(tmp_path: Path) -> None:
    finding = _judge(tmp_path, "PasswordAuthentication yes\nPermitRootLogin yes\nUsePAM yes\n")
    assert finding.status is Status.FAIL and finding.severity is Severity.CRITICAL
    assert "PermitRootLogin yes (line 2) lets root sign in with a password" in finding.detail
    assert "`PermitRootLogin no`" in (finding.remediation or "")


def test_root_login_with_keys_only_is_medium(tmp_path: Path) -> None:
    text = "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin yes\n"
    finding = _judge(tmp_path, text)
    assert finding.status is Status.FAIL and finding.severity is Severity.MEDIUM
    assert "key-only today" in finding.detail


def test_without_password_is_fine(tmp_path: Path) -> None:
    text = "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin without-password\n"
    assert _judge(tmp_path, text).status is Status.PASS


def test_empty_passwords_are_critical(tmp_path: Path) -> None:
    finding = _judge(tmp_path, "PermitEmptyPasswords yes\nUsePAM yes\n")
    assert finding.status is Status.FAIL and finding.severity is Severity.CRITICAL
    assert (
        "PermitEmptyPasswords yes (line 1) accepts accounts with empty passwords" in finding.detail
    )


def test_match_block_that_re_enables_passwords_fails(tmp_path: Path) -> None:
    text = HARDENED + "Match User deploy Address 203.0.113.0/24\n    PasswordAuthentication yes\n"
    finding = _judge(tmp_path, text)
    assert finding.status is Status.FAIL and finding.severity is Severity.HIGH
    assert (
        "Match User deploy Address 203.0.113.0/24 (line 10) enables password login: "
        "PasswordAuthentication yes" in finding.detail
    )
    assert finding.evidence["match_blocks"] == 1
    assert "line(s) 10" in (finding.remediation or "")
    # the globals are fine, so no global lines are demanded
    assert "`PasswordAuthentication no`" not in (finding.remediation or "")


def test_match_block_root_login(tmp_path: Path) -> None:
    text = (
        HARDENED + "Match Address 10.0.0.0/8\n  PasswordAuthentication yes\n  PermitRootLogin yes\n"
    )
    finding = _judge(tmp_path, text)
    assert finding.severity is Severity.CRITICAL
    assert "Match Address 10.0.0.0/8 (line 11): PermitRootLogin yes" in finding.detail


def test_match_block_that_disables_passwords_does_not_fix_the_global(tmp_path: Path) -> None:
    finding = _judge(
        tmp_path,
        "UsePAM no\nKbdInteractiveAuthentication no\nMatch User *\n  PasswordAuthentication no\n",
    )
    assert finding.status is Status.FAIL
    assert "PasswordAuthentication yes (sshd default" in finding.detail


def test_authentication_methods_requiring_a_key_pass(tmp_path: Path) -> None:
    for methods in ("publickey", "publickey,password publickey,keyboard-interactive"):
        finding = _judge(tmp_path, f"UsePAM yes\nAuthenticationMethods {methods}\n")
        assert finding.status is Status.PASS, methods
        assert "AuthenticationMethods" in finding.detail
    finding = _judge(tmp_path, "UsePAM yes\nAuthenticationMethods publickey password\n")
    assert finding.status is Status.FAIL


def test_keyboard_interactive_without_pam_is_medium(tmp_path: Path) -> None:
    finding = _judge(tmp_path, "PasswordAuthentication no\nChallengeResponseAuthentication yes\n")
    assert finding.status is Status.FAIL and finding.severity is Severity.MEDIUM
    assert "UsePAM no" in finding.detail
    finding = _judge(tmp_path, "PasswordAuthentication no\nUsePAM yes\n")
    assert finding.status is Status.FAIL and finding.severity is Severity.HIGH
    assert "lets PAM prompt for the password" in finding.detail
