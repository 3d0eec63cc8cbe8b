"""Last-line scrubbing of text that leaves the process through logs.

Collectors and checks are written never to put a secret into a message. This is the safety
net for what they cannot control: the message of an exception raised deep inside a library,
which may quote the value it choked on. Log records pass through `RedactingFormatter`, which
masks anything shaped like a password hash, a credential-bearing URL, or a long key-like token.
"""

from __future__ import annotations

import logging
import re

_PATTERNS = (
    # modular-crypt and LDAP-style hashes: $2b$12$..., $argon2id$..., $y$j9T$..., {SSHA}...
    re.compile(r"\$[0-9a-z-]{1,20}\$[^\s'\"]{8,}", re.IGNORECASE),
    re.compile(r"\{(?:S?SHA\d*|S?MD5|CRYPT|PBKDF2[^}]*)\}[^\s'\"]+", re.IGNORECASE),
    # user:password@ in any URL / DSN
    re.compile(r"(?<=://)[^/\s:@'\"]*:[^@\s'\"]*(?=@)"),
    # password=... / secret: ... pairs in DSNs and config echoes
    re.compile(
        r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)\b(\s*[=:]\s*)[^\s,;'\"]+"
    ),
    # long hex digests and base32/base64 blobs (unsalted hashes, TOTP seeds, keys)
    re.compile(r"\b[0-9a-fA-F]{32,}\b"),
    re.compile(r"\b[A-Z2-7]{16,}=*(?![A-Za-z0-9])"),
    re.compile(r"\b[A-Za-z0-9+/]{40,}={0,2}"),
)

MASK = "[redacted]"


def scrub(text: str) -> str:
    """`text` with everything secret-shaped replaced by `[redacted]`."""
    for pattern in _PATTERNS:
        if pattern.groups >= 2:
            text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
        else:
            text = pattern.sub(MASK, text)
    return text


class RedactingFormatter(logging.Formatter):
    """A log formatter that scrubs the whole formatted record, traceback included."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))
