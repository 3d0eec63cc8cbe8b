"""TOTP seeds: the bit count and validity read without decoding match `base64.b32decode`."""

from __future__ import annotations

import base64
import binascii
import random

from hardening.collectors.credentials import group_key
from hardening.collectors.totp import _normalise, record
from hardening.facets import TotpRecord


def _decoded(secret: str) -> TotpRecord:
    """What the collector recorded before: decode the whole seed with the standard library."""
    normal = _normalise(secret)
    try:
        decoded = base64.b32decode(normal + "=" * (-len(normal) % 8)) if normal else b""
    except (binascii.Error, ValueError):
        return TotpRecord("a", 1, valid_base32=False, bits=None)
    if not decoded:
        return TotpRecord("a", 1, valid_base32=False, bits=None)
    return TotpRecord("a", 1, True, len(decoded) * 8, group_key(normal))


def test_seed_facts_match_b32decode() -> None:
    rng = random.Random(20261125)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcxyz01890 =\t\n-!é\u00a0\u2003ıſßﬀ"
    samples = [
        "",
        " ",
        "=",
        "A",
        "AA",
        "AAA",
        "A" * 7,
        "A" * 8,
        "A" * 9,
        "AA======",
        "A=======",
        "AB=CD",
        "jbswy3dp ehpk3pxp",
        "JBSWY3DPEHPK3PXP",
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        "ıIII",  # dotless i upper-cases to I
        "ſSSSSSSS",  # long s upper-cases to S
        "ﬀ" * 4,  # one character that upper-cases to two
        "AAAAAAAA========",
    ]
    for n in range(40):
        samples += ["".join(rng.choice(alphabet) for _ in range(n)) for _ in range(100)]
    for secret in samples:
        assert record("a", 1, secret) == _decoded(secret), repr(secret)
