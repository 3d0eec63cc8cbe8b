"""Read a host's sshd_config into an `SshdConfig` facet, the way sshd itself reads it.

* Keywords are case-insensitive; a value may follow whitespace or `=`; `#` starts a comment
  (a whole line, or a trailing token as OpenSSH >= 8.x accepts).
* In the global section the **first** occurrence of a keyword wins, as in sshd.
  `ChallengeResponseAuthentication` is the deprecated alias of `KbdInteractiveAuthentication`
  and shares its first-wins slot.
* `Match` blocks run to the next `Match` (or the end of the file that opened them). Their
  settings are recorded in `match_overrides` as (criteria, keyword, value, line) and are not
  applied to the global section.
* `Include` is followed, in place, with the Match context it appears in. sshd resolves relative
  patterns against /etc/ssh; here the directory of the main config file stands in for /etc/ssh.
  An absolute pattern is read inside the copied host tree when the main file sits at
  `<root>/etc/ssh/<file>` (so `/etc/ssh/sshd_config.d/*.conf` becomes
  `<root>/etc/ssh/sshd_config.d/*.conf`); otherwise only absolute patterns under /etc/ssh are
  followed, mapped onto the config directory. Globs are expanded in sorted order, like
  glob(3). Nothing outside that tree is read, and nesting stops at 16 levels (sshd's limit).
* Defaults (OpenSSH >= 7.0) fill keywords the checks rely on when absent, with line 0.

Line numbers are 1-based within the file that holds the setting, which for an included file
is that file, not the main config.
"""

from __future__ import annotations

import glob
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Final

from hardening.errors import HardeningError
from hardening.estate import Host
from hardening.facets import SshdConfig, SshdSetting

__all__ = ["DEFAULTS", "SshdConfigError", "read_sshd_config"]

log = logging.getLogger(__name__)

#: sshd's built-in values (OpenSSH >= 7.0) for the keywords the checks read.
DEFAULTS: Final = {
    "passwordauthentication": "yes",
    "permitrootlogin": "prohibit-password",
    "kbdinteractiveauthentication": "yes",
    "permitemptypasswords": "no",
    "usepam": "no",
    "authenticationmethods": "any",
}
_ALIASES: Final = {"challengeresponseauthentication": "kbdinteractiveauthentication"}
#: sshd's READCONF_MAX_DEPTH.
_MAX_DEPTH: Final = 16
_LINE_RE: Final = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*|\s+|$)(.*)")
_TOKEN_RE: Final = re.compile(r'"[^"]*"|\S+')
_SSH_DIR: Final = PurePosixPath("/etc/ssh")


class SshdConfigError(HardeningError):
    """A host's sshd_config could not be opened."""


def read_sshd_config(host: Host) -> SshdConfig:
    """Parse `host.sshd_config` (and what it includes) into the effective global settings."""
    if host.sshd_config is None:
        raise SshdConfigError(f"host {host.id!r}: no sshd_config declared")
    path = host.sshd_config.absolute()
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError as exc:
        # The exception message would quote the path; the type is enough to act on.
        raise SshdConfigError(
            f"host {host.id!r}: cannot read sshd_config ({type(exc).__name__})"
        ) from None
    reader = _Reader(host.id, _Tree.of(path))
    reader.parse(text, depth=0, match=None)
    settings = dict(reader.settings)
    for keyword, value in DEFAULTS.items():
        settings.setdefault(keyword, SshdSetting(value, 0))
    return SshdConfig(host.id, settings, tuple(reader.overrides))


@dataclass(frozen=True)
class _Tree:
    """Where included files are looked up: the stand-in for /etc/ssh and the readable root."""

    ssh_dir: Path
    root: Path | None

    @classmethod
    def of(cls, main: Path) -> _Tree:
        parts = main.parts
        if len(parts) >= 4 and parts[-3:-1] == ("etc", "ssh"):
            return cls(main.parent, main.parents[2])
        return cls(main.parent, None)

    @property
    def boundary(self) -> Path:
        return (self.root or self.ssh_dir).resolve()

    def resolve(self, pattern: str) -> list[Path]:
        """Files an Include pattern names, sorted; empty when it points outside the tree."""
        pure = PurePosixPath(pattern)
        if pure.is_absolute():
            if self.root is not None:
                base, rel = self.root, pure.relative_to("/")
            elif pure.is_relative_to(_SSH_DIR):
                base, rel = self.ssh_dir, pure.relative_to(_SSH_DIR)
            else:
                return []
        else:
            base, rel = self.ssh_dir, pure
        matches = sorted(glob.glob(f"{glob.escape(str(base))}/{rel}"))
        boundary = self.boundary
        found = []
        for match in matches:
            candidate = Path(match)
            if candidate.is_file() and candidate.resolve().is_relative_to(boundary):
                found.append(candidate)
        return found


@dataclass
class _Reader:
    host_id: str
    tree: _Tree
    settings: dict[str, SshdSetting] = field(default_factory=dict)
    overrides: list[tuple[str, str, str, int]] = field(default_factory=list)

    def parse(self, text: str, *, depth: int, match: str | None) -> None:
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            m = _LINE_RE.fullmatch(line)
            if m is None:
                log.warning(
                    "host %s: sshd_config line %d is not 'Keyword value'", self.host_id, number
                )
                continue
            keyword = m.group(1).lower()
            keyword = _ALIASES.get(keyword, keyword)
            value = _value(m.group(2))
            if keyword == "match":
                match = value
            elif keyword == "include":
                self._include(value, number, depth=depth, match=match)
            elif match is not None:
                self.overrides.append((match, keyword, value, number))
            elif keyword not in self.settings:
                self.settings[keyword] = SshdSetting(value, number)

    def _include(self, value: str, number: int, *, depth: int, match: str | None) -> None:
        if depth + 1 > _MAX_DEPTH:
            log.warning(
                "host %s: Include nested too deeply at line %d; not followed", self.host_id, number
            )
            return
        for pattern in value.split():
            files = self.tree.resolve(pattern.strip('"'))
            if not files:
                log.info(
                    "host %s: Include at line %d matched no readable file", self.host_id, number
                )
            for path in files:
                try:
                    text = path.read_bytes().decode("utf-8", "replace")
                except OSError as exc:
                    log.warning(
                        "host %s: included file from line %d unreadable (%s)",
                        self.host_id,
                        number,
                        type(exc).__name__,
                    )
                    continue
                # An included file starts in the includer's Match context; its own Match
                # blocks end with it (the includer's context is restored afterwards).
                self.parse(text, depth=depth + 1, match=match)


def _value(rest: str) -> str:
    """The value as written, minus a trailing `#` comment token."""
    tokens = []
    for token in _TOKEN_RE.findall(rest):
        if token.startswith("#"):
            break
        tokens.append(token)
    return " ".join(tokens)
