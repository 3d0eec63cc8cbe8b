"""sshd_config parsing: defaults, first value wins, Match blocks, Include."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardening.collectors.sshd import SshdConfigError, read_sshd_config
from hardening.estate import Host, Location
from hardening.facets import SshdSetting


def _host(path: Path, host_id: str = "bastion") -> Host:
    return Host(id=host_id, location=Location("estate.yaml", 30), sshd_config=path)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_fill_absent_keywords_with_line_zero(tmp_path: Path) -> None:
    cfg = read_sshd_config(_host(_write(tmp_path / "sshd_config", "# only comments\n\n")))
    assert cfg.host_id == "bastion"
    assert cfg.settings["passwordauthentication"] == SshdSetting("yes", 0)
    assert cfg.settings["permitrootlogin"] == SshdSetting("prohibit-password", 0)
    assert cfg.settings["kbdinteractiveauthentication"] == SshdSetting("yes", 0)
    assert cfg.settings["permitemptypasswords"] == SshdSetting("no", 0)
    assert cfg.match_overrides == ()


def test_first_occurrence_wins_keywords_case_insensitive(tmp_path: Path) -> None:
    text = """\
Port 22
passwordauthentication no
PasswordAuthentication yes
PERMITROOTLOGIN=yes
PermitRootLogin no
UsePAM yes   # trailing comment
"""
    cfg = read_sshd_config(_host(_write(tmp_path / "sshd_config", text)))
    assert cfg.settings["passwordauthentication"] == SshdSetting("no", 2)
    assert cfg.settings["permitrootlogin"] == SshdSetting("yes", 4)
    assert cfg.settings["usepam"] == SshdSetting("yes", 6)
    assert cfg.settings["port"] == SshdSetting("22", 1)


def test_challenge_response_is_the_kbd_interactive_alias(tmp_path: Path) -> None:
    text = "ChallengeResponseAuthentication no\nKbdInteractiveAuthentication yes\n"
    cfg = read_sshd_config(_host(_write(tmp_path / "sshd_config", text)))
    assert cfg.settings["kbdinteractiveauthentication"] == SshdSetting("no", 1)
    assert "challengeresponseauthentication" not in cfg.settings


def test_match_blocks_are_recorded_not_applied(tmp_path: Path) -> None:
    text = """\
PasswordAuthentication no
Match User deploy,backup Address 10.0.0.0/8
    PasswordAuthentication yes
    PermitRootLogin yes
Match all
    X11Forwarding no
"""
    cfg = read_sshd_config(_host(_write(tmp_path / "sshd_config", text)))
    assert cfg.settings["passwordauthentication"] == SshdSetting("no", 1)
    assert cfg.settings["permitrootlogin"].line == 0
    assert cfg.match_overrides == (
        ("User deploy,backup Address 10.0.0.0/8", "passwordauthentication", "yes", 3),
        ("User deploy,backup Address 10.0.0.0/8", "permitrootlogin", "yes", 4),
        ("all", "x11forwarding", "no", 6),
    )


def test_debian_include_layout_is_followed_in_sorted_order(tmp_path: Path) -> None:
    # A copy of a host's /etc/ssh: sshd_config starts with the Debian Include line, and
    # cloud-init's drop-in turns passwords on before the main file's own setting is read.
    root = tmp_path / "hosts" / "web1"
    main = _write(
        root / "etc" / "ssh" / "sshd_config",
        "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\nPermitRootLogin no\n",
    )
    _write(
        root / "etc" / "ssh" / "sshd_config.d" / "50-cloud-init.conf",
        "PasswordAuthentication yes\n",
    )
    _write(
        root / "etc" / "ssh" / "sshd_config.d" / "10-site.conf",
        "PermitRootLogin prohibit-password\nMatch Group admins\n  PermitEmptyPasswords yes\n",
    )
    _write(root / "etc" / "ssh" / "sshd_config.d" / "notes.txt", "PasswordAuthentication no\n")
    cfg = read_sshd_config(_host(main))
    assert cfg.settings["passwordauthentication"] == SshdSetting(
        "yes", 1
    )  # line 1 of 50-cloud-init
    assert cfg.settings["permitrootlogin"] == SshdSetting("prohibit-password", 1)
    # 10-site.conf's Match block ends with its file: the main file's lines are global again.
    assert cfg.match_overrides == (("Group admins", "permitemptypasswords", "yes", 3),)


def test_relative_include_and_include_inside_match(tmp_path: Path) -> None:
    main = _write(
        tmp_path / "sshd_config",
        "Include extra.conf\nMatch User ci\n  Include match.conf\n",
    )
    _write(tmp_path / "extra.conf", "PasswordAuthentication no\n")
    _write(tmp_path / "match.conf", "PasswordAuthentication yes\n")
    cfg = read_sshd_config(_host(main))
    assert cfg.settings["passwordauthentication"] == SshdSetting("no", 1)
    assert cfg.match_overrides == (("User ci", "passwordauthentication", "yes", 1),)


def test_includes_never_leave_the_copied_tree(tmp_path: Path) -> None:
    outside = _write(tmp_path / "outside.conf", "PasswordAuthentication no\n")
    main = _write(
        tmp_path / "host" / "sshd_config",
        f"Include ../outside.conf\nInclude {outside}\nInclude /usr/local/etc/ssh/x.conf\n",
    )
    cfg = read_sshd_config(_host(main))
    assert cfg.settings["passwordauthentication"] == SshdSetting("yes", 0)


def test_include_loop_stops_at_depth_limit(tmp_path: Path) -> None:
    main = _write(tmp_path / "sshd_config", "Include sshd_config\nPermitRootLogin yes\n")
    cfg = read_sshd_config(_host(main))
    assert cfg.settings["permitrootlogin"] == SshdSetting("yes", 2)


def test_missing_config_raises_without_the_path(tmp_path: Path) -> None:
    with pytest.raises(SshdConfigError) as err:
        read_sshd_config(_host(tmp_path / "pr1vate" / "sshd_config"))
    assert "bastion" in str(err.value) and "pr1vate" not in str(err.value)


def test_bad_bytes_do_not_crash(tmp_path: Path) -> None:
    path = tmp_path / "sshd_config"
    path.write_bytes(b"Banner /etc/issue\xff\nPasswordAuthentication no\n=broken\n")
    cfg = read_sshd_config(_host(path))
    assert cfg.settings["passwordauthentication"] == SshdSetting("no", 2)
