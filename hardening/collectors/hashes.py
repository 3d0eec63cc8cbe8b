"""Recognise a stored password value: its hash scheme, cost parameters and whether it is salted.

`classify` is the one entry point. It dispatches on the value's prefix and shape (no hashing,
no verification) and is safe on any input: garbage never raises, it becomes `unknown`.

Cost parameters come from the value's parameter prefix (`$2b$12$`, `$argon2id$v=19$m=65536,
t=3,p=4$`, `$6$rounds=656000$`), which a store shares across most of its rows, so parsed
parameters are cached by that prefix. Only the scrypt crypt form (`$7$`), whose parameters are
packed in a crypt-base64 field, is handed to passlib (`from_string`) to parse.

What counts as `plaintext` and what as `unknown`
    A value that matches no hash format is `unknown` when it still *looks* machine-made:
    a modular-crypt value with an unrecognised id (`$xyz$...`), a `{SCHEME}` prefix we do not
    know, a scheme-tagged value (`name$part$part`, Django/Werkzeug style), a run of 16 or more
    hex digits of an unexpected length, a padded base64 string of a digest's length (24, 28,
    44 or 88 characters), control characters, or anything longer than 128 characters.
    Everything else — short free text such as `hunter2`, `Summer2024!`, `pa$$word` — is
    `plaintext`, because that is what a typed password looks like. Unpadded alphanumeric
    strings are deliberately treated as plaintext: generated passwords look like that.

Known ambiguities
    * A 13-character value of the crypt alphabet whose last character is a valid DES padding
      character is `des_crypt`; a plaintext password of exactly that shape is misread.
    * Bare hex digests are named by length only (`hex_md5` is "32-hex unsalted digest": it may
      equally be an NTLM hash); `label()` says so rather than guessing.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, NamedTuple

__all__ = [
    "BROKEN_SCHEMES",
    "EMPTY",
    "LOCKED",
    "NOT_A_HASH",
    "PLAINTEXT",
    "UNKNOWN",
    "Classified",
    "classify",
    "label",
    "locked_over",
    "passlib_handler",
]

Params = Mapping[str, int | str]


class Classified(NamedTuple):
    """What `classify` found: canonical scheme, cost parameters, salted (None if unknown)."""

    scheme: str
    """Canonical scheme name (see `CredentialRecord.scheme`)."""
    params: Params
    """Cost parameters, read-only and shared between values with the same prefix."""
    salted: bool | None
    """Whether the scheme uses a per-hash salt; None for plaintext, empty, locked, unknown."""


_NO_PARAMS: Final[Params] = MappingProxyType({})

#: Values longer than this are never typed passwords nor any hash format we know.
_MAX_LEN: Final = 1024
#: Free text longer than this is more likely a blob than a password.
_MAX_PLAINTEXT_LEN: Final = 128
#: Parsed-prefix cache bound; garbage with many distinct prefixes must not grow memory.
_CACHE_MAX: Final = 4096

UNKNOWN: Final = Classified("unknown", _NO_PARAMS, None)
PLAINTEXT: Final = Classified("plaintext", _NO_PARAMS, None)
EMPTY: Final = Classified("empty", _NO_PARAMS, None)
LOCKED: Final = Classified("locked", _NO_PARAMS, None)

#: Schemes that are not hashes at all.
NOT_A_HASH: Final = frozenset({"plaintext", "empty", "locked", "unknown"})

#: Schemes crackable at GPU speed (unsalted, DES, MD5-based): after a breach, assume cracked.
BROKEN_SCHEMES: Final = frozenset(
    {
        "des_crypt",
        "bsdi_crypt",
        "md5_crypt",
        "apr_md5_crypt",
        "phpass",
        "ldap_md5",
        "ldap_salted_md5",
        "ldap_sha1",
        "ldap_salted_sha1",
        "ldap_sha256",
        "ldap_salted_sha256",
        "ldap_sha512",
        "ldap_salted_sha512",
        "hex_md5",
        "hex_sha1",
        "hex_sha256",
        "hex_sha512",
        "mysql41",
        "django_salted_md5",
        "django_salted_sha1",
    }
)

_LABELS: Final[Mapping[str, str]] = {
    "hex_md5": "32-hex unsalted digest",
    "hex_sha1": "40-hex unsalted digest",
    "hex_sha256": "64-hex unsalted digest",
    "hex_sha512": "128-hex unsalted digest",
    "mysql41": "MySQL 4.1 unsalted double SHA-1",
    "unknown": "unrecognised format",
    "plaintext": "plaintext",
    "empty": "empty password field",
    "locked": "locked",
}


def label(scheme: str) -> str:
    """A human name for `scheme`; bare hex digests are named by length, not guessed."""
    return _LABELS.get(scheme, scheme)


def _fixed(scheme: str, salted: bool | None) -> Classified:
    return Classified(scheme, _NO_PARAMS, salted)


_CRYPT64: Final = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CRYPT64_INDEX: Final[Mapping[str, int]] = {c: i for i, c in enumerate(_CRYPT64)}

_cache: dict[str, Classified] = {}

Builder = Callable[[re.Match[str]], Classified | None]


def _parser(pattern: str, build: Builder) -> Callable[[str], Classified]:
    """A parser for one format: `pattern` must match the whole value, and its group 1 is the
    parameter prefix that `build` turns into parameters (once per distinct prefix)."""
    regex = re.compile(pattern)

    def parse(v: str) -> Classified:
        m = regex.fullmatch(v)
        if m is None:
            return UNKNOWN
        key = m.group(1)
        hit = _cache.get(key)
        if hit is None:
            hit = build(m) or UNKNOWN
            if len(_cache) >= _CACHE_MAX:
                _cache.clear()
            _cache[key] = hit
        return hit

    return parse


def _frozen(**params: int | str) -> Params:
    return MappingProxyType(params)


# --- modular crypt ($id$...) -------------------------------------------------------------------

#: glibc's rounds when `rounds=` is absent, and its clamp range (crypt(3)).
_SHA_CRYPT_DEFAULT_ROUNDS: Final = 5000
_SHA_CRYPT_MIN_ROUNDS: Final = 1000
_SHA_CRYPT_MAX_ROUNDS: Final = 999_999_999


def _build_bcrypt(m: re.Match[str]) -> Classified | None:
    cost = int(m.group(3))
    if not 4 <= cost <= 31:
        return None
    return Classified("bcrypt", _frozen(ident=m.group(2), rounds=cost), True)


def _build_argon2(m: re.Match[str]) -> Classified | None:
    version = int(m.group(3)) if m.group(3) else 16  # no v= field means version 1.0 (0x10)
    memory, time_cost, parallelism = int(m.group(4)), int(m.group(5)), int(m.group(6))
    if memory < 1 or time_cost < 1 or parallelism < 1:
        return None
    return Classified(
        "argon2",
        _frozen(
            variant=f"argon2{m.group(2)}",
            version=version,
            memory_kib=memory,
            time_cost=time_cost,
            parallelism=parallelism,
        ),
        True,
    )


def _build_sha_crypt(m: re.Match[str]) -> Classified | None:
    rounds = int(m.group(3)) if m.group(3) else _SHA_CRYPT_DEFAULT_ROUNDS
    rounds = min(max(rounds, _SHA_CRYPT_MIN_ROUNDS), _SHA_CRYPT_MAX_ROUNDS)
    scheme = "sha512_crypt" if m.group(2) == "6" else "sha256_crypt"
    return Classified(scheme, _frozen(rounds=rounds), True)


def _decode64_uint32(field: str, pos: int, minimum: int) -> tuple[int, int]:
    """yescrypt's variable-length integer encoding (yescrypt-common.c `decode64_uint32`)."""
    start, end, chars, bits = 0, 47, 1, 0
    c = _CRYPT64_INDEX[field[pos]]
    pos += 1
    value = minimum
    while c > end:
        value += (end + 1 - start) << bits
        start = end + 1
        end = start + (62 - end) // 2
        chars += 1
        bits += 6
    value += (c - start) << bits
    while chars > 1:
        chars -= 1
        bits -= 6
        value += _CRYPT64_INDEX[field[pos]] << bits
        pos += 1
    return value, pos


def _build_yescrypt(m: re.Match[str]) -> Classified | None:
    field = m.group(3)
    flavor, pos = _decode64_uint32(field, 0, 0)
    log2_n, pos = _decode64_uint32(field, pos, 1)
    block_size, pos = _decode64_uint32(field, pos, 1)
    params: dict[str, int | str] = {"flavor": flavor, "log2_n": log2_n, "block_size": block_size}
    if pos < len(field):
        have, pos = _decode64_uint32(field, pos, 1)
        if have & 1:
            params["parallelism"], pos = _decode64_uint32(field, pos, 2)
        if have & 2:
            params["time_cost"], pos = _decode64_uint32(field, pos, 1)
    if log2_n > 63:
        return None
    # yescrypt (like scrypt) uses 128 * r * N bytes of memory.
    params["memory_kib"] = (128 * block_size << log2_n) // 1024
    scheme = "gost_yescrypt" if m.group(2) else "yescrypt"
    return Classified(scheme, MappingProxyType(params), True)


def _build_scrypt7(m: re.Match[str]) -> Classified | None:
    # The `$7$` parameter field packs N, r and p in crypt-base64: let passlib unpack it.
    from passlib.hash import scrypt  # type: ignore[import-untyped]

    parsed = scrypt.from_string(m.string)
    return Classified(
        "scrypt",
        _frozen(
            log2_n=int(parsed.rounds),
            block_size=int(parsed.block_size),
            parallelism=int(parsed.parallelism),
        ),
        True,
    )


def _build_scrypt(m: re.Match[str]) -> Classified | None:
    return _scrypt_params(int(m.group(2)), int(m.group(3)), int(m.group(4)))


def _build_pbkdf2(m: re.Match[str]) -> Classified | None:
    return Classified(f"pbkdf2_{m.group(2) or 'sha1'}", _frozen(rounds=int(m.group(3))), True)


def _build_phpass(m: re.Match[str]) -> Classified | None:
    return Classified("phpass", _frozen(log2_rounds=_CRYPT64_INDEX[m.group(2)]), True)


def _build_drupal(m: re.Match[str]) -> Classified | None:
    return Classified("drupal_sha512", _frozen(log2_rounds=_CRYPT64_INDEX[m.group(2)]), True)


def _scrypt_params(log2_n: int, r: int, p: int) -> Classified:
    return Classified("scrypt", _frozen(log2_n=log2_n, block_size=r, parallelism=p), True)


_C64: Final = "[./0-9A-Za-z]"
_bcrypt = _parser(rf"(\$(2[abxy]?)\$(\d\d)\$){_C64}{{53}}", _build_bcrypt)
_argon2 = _parser(
    r"(\$argon2(id|i|d)\$(?:v=(\d+)\$)?m=(\d+),t=(\d+),p=(\d+)(?:,[a-z]+=[^$]*)*\$)"
    r"[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+",
    _build_argon2,
)
_sha512_crypt = _parser(
    rf"(\$(6)\$(?:rounds=(\d{{1,10}})\$)?)[^$:\s]{{0,16}}\${_C64}{{86}}", _build_sha_crypt
)
_sha256_crypt = _parser(
    rf"(\$(5)\$(?:rounds=(\d{{1,10}})\$)?)[^$:\s]{{0,16}}\${_C64}{{43}}", _build_sha_crypt
)
_yescrypt = _parser(rf"(\$(g?)y\$({_C64}+)\$){_C64}*\${_C64}{{43}}", _build_yescrypt)
_scrypt7 = _parser(rf"(\$7\${_C64}{{11}})[^$:\s]*\${_C64}{{43}}", _build_scrypt7)
_scrypt = _parser(
    r"(\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$)[A-Za-z0-9+/.]*\$[A-Za-z0-9+/.]+", _build_scrypt
)
_pbkdf2 = _parser(rf"(\$pbkdf2(?:-(sha256|sha512))?\$(\d+)\$){_C64}*\${_C64}+", _build_pbkdf2)
_phpass = _parser(rf"(\$[PH]\$({_C64})){_C64}{{30}}", _build_phpass)
_drupal = _parser(rf"(\$S\$({_C64})){_C64}{{51}}", _build_drupal)

_MD5_CRYPT_RE: Final = re.compile(r"\$(1|apr1)\$[^$:\s]{0,8}\$[./0-9A-Za-z]{22}")
_MD5_CRYPT: Final = _fixed("md5_crypt", True)
_APR_MD5_CRYPT: Final = _fixed("apr_md5_crypt", True)


def _md5_crypt(v: str) -> Classified:
    m = _MD5_CRYPT_RE.fullmatch(v)
    if m is None:
        return UNKNOWN
    return _MD5_CRYPT if m.group(1) == "1" else _APR_MD5_CRYPT


def _wordpress(v: str) -> Classified:
    # WordPress 6.8+: "$wp" + bcrypt of an HMAC-SHA384 pre-hash.
    return _with_format(_bcrypt(v[3:]), "wordpress")


_MODULAR: Final[Mapping[str, Callable[[str], Classified]]] = {
    "2": _bcrypt,
    "2a": _bcrypt,
    "2b": _bcrypt,
    "2x": _bcrypt,
    "2y": _bcrypt,
    "argon2id": _argon2,
    "argon2i": _argon2,
    "argon2d": _argon2,
    "y": _yescrypt,
    "gy": _yescrypt,
    "7": _scrypt7,
    "scrypt": _scrypt,
    "6": _sha512_crypt,
    "5": _sha256_crypt,
    "1": _md5_crypt,
    "apr1": _md5_crypt,
    "pbkdf2-sha256": _pbkdf2,
    "pbkdf2-sha512": _pbkdf2,
    "pbkdf2": _pbkdf2,
    "P": _phpass,
    "H": _phpass,
    "S": _drupal,
    "wp": _wordpress,
}


def _modular(v: str) -> Classified | None:
    end = v.find("$", 1)
    if end < 0:
        return None
    parse = _MODULAR.get(v[1:end])
    return parse(v) if parse is not None else None


# --- {SCHEME} prefixed (LDAP userPassword, Apache {SHA}, Dovecot) ------------------------------

_BRACED_RE: Final = re.compile(r"\{([A-Za-z0-9._-]{1,24})\}(.*)", re.DOTALL)

#: {SCHEME} → (canonical name, digest size in bytes, salted).
_LDAP_DIGESTS: Final[Mapping[str, tuple[str, int, bool]]] = {
    "SHA": ("ldap_sha1", 20, False),
    "SSHA": ("ldap_salted_sha1", 20, True),
    "MD5": ("ldap_md5", 16, False),
    "SMD5": ("ldap_salted_md5", 16, True),
    "SHA256": ("ldap_sha256", 32, False),
    "SSHA256": ("ldap_salted_sha256", 32, True),
    "SHA512": ("ldap_sha512", 64, False),
    "SSHA512": ("ldap_salted_sha512", 64, True),
}
#: {SCHEME} prefixes that wrap a modular-crypt value.
_LDAP_WRAPPERS: Final = frozenset(
    {
        "CRYPT",
        "BLF-CRYPT",
        "SHA256-CRYPT",
        "SHA512-CRYPT",
        "MD5-CRYPT",
        "DES-CRYPT",
        "ARGON2",
        "ARGON2I",
        "ARGON2ID",
        "PBKDF2",
        "PBKDF2-SHA256",
        "PBKDF2-SHA512",
    }
)
_LDAP_PLAINTEXT: Final = frozenset({"CLEARTEXT", "CLEAR", "PLAIN", "PLAINTEXT"})


def _braced(v: str) -> Classified:
    m = _BRACED_RE.fullmatch(v)
    if m is None:
        return _free_text(v)
    tag, rest = m.group(1).upper(), m.group(2)
    digest = _LDAP_DIGESTS.get(tag)
    if digest is not None:
        name, size, salted = digest
        try:
            raw = binascii.a2b_base64(rest.encode("ascii"), strict_mode=True)
        except (binascii.Error, UnicodeEncodeError):
            return UNKNOWN
        if (len(raw) > size) if salted else (len(raw) == size):
            return _fixed(name, salted)
        return UNKNOWN
    if tag in _LDAP_WRAPPERS:
        inner = _classify(rest)
        if inner.scheme in NOT_A_HASH:
            return UNKNOWN
        return _with_format(inner, "ldap")
    if tag in _LDAP_PLAINTEXT:
        return PLAINTEXT if rest else EMPTY
    return UNKNOWN


# --- scheme-tagged (Django, Werkzeug) ----------------------------------------------------------

_DJANGO_PBKDF2_RE: Final = re.compile(r"pbkdf2_(sha256|sha1)\$(\d+)\$[^$]+\$[A-Za-z0-9+/]+=*")
_DJANGO_SCRYPT_RE: Final = re.compile(r"scrypt\$(\d+)\$[^$]+\$(\d+)\$(\d+)\$[A-Za-z0-9+/]+=*")
_DJANGO_SALTED_RE: Final = re.compile(r"(md5|sha1)\$[^$]+\$[0-9a-f]+")
_WERKZEUG_PBKDF2_RE: Final = re.compile(r"pbkdf2:(sha256|sha512|sha1)(?::(\d+))?\$[^$]+\$[0-9a-f]+")
_WERKZEUG_SCRYPT_RE: Final = re.compile(r"scrypt:(\d+):(\d+):(\d+)\$[^$]+\$[0-9a-f]+")
_SALTED_DIGEST_LEN: Final[Mapping[str, int]] = {"md5": 32, "sha1": 40}


def _tagged(v: str) -> Classified | None:
    if v.startswith("argon2$"):
        return _with_format(_argon2(v[6:]), "django")
    if v.startswith("bcrypt_sha256$$"):
        return _with_format(_bcrypt(v[len("bcrypt_sha256$") :]), "django_sha256")
    if v.startswith("bcrypt$$"):
        return _with_format(_bcrypt(v[len("bcrypt$") :]), "django")
    m = _DJANGO_PBKDF2_RE.fullmatch(v)
    if m is not None:
        return _with_format(
            Classified(f"pbkdf2_{m.group(1)}", _frozen(rounds=int(m.group(2))), True), "django"
        )
    m = _DJANGO_SCRYPT_RE.fullmatch(v)
    if m is not None:
        return _with_format(_scrypt_n(int(m.group(1)), int(m.group(2)), int(m.group(3))), "django")
    m = _DJANGO_SALTED_RE.fullmatch(v)
    if m is not None and len(v) - v.rindex("$") - 1 == _SALTED_DIGEST_LEN[m.group(1)]:
        return _fixed(f"django_salted_{m.group(1)}", True)
    if v.startswith("unsalted_sha1$$"):
        inner = _hex(v[len("unsalted_sha1$$") :])
        return inner if inner is not None and inner.scheme == "hex_sha1" else UNKNOWN
    m = _WERKZEUG_PBKDF2_RE.fullmatch(v)
    if m is not None:
        params: dict[str, int | str] = {"format": "werkzeug"}
        if m.group(2):
            params["rounds"] = int(m.group(2))
        return Classified(f"pbkdf2_{m.group(1)}", MappingProxyType(params), True)
    m = _WERKZEUG_SCRYPT_RE.fullmatch(v)
    if m is not None:
        return _with_format(
            _scrypt_n(int(m.group(1)), int(m.group(2)), int(m.group(3))), "werkzeug"
        )
    return None


def _scrypt_n(n: int, r: int, p: int) -> Classified:
    if n < 2 or n & (n - 1):
        return UNKNOWN  # N must be a power of two
    return _scrypt_params(n.bit_length() - 1, r, p)


def _with_format(inner: Classified, fmt: str) -> Classified:
    if inner.scheme in NOT_A_HASH:
        return UNKNOWN
    return Classified(inner.scheme, MappingProxyType({**inner.params, "format": fmt}), inner.salted)


# --- bare values --------------------------------------------------------------------------------

_HEX_CHARS: Final = frozenset("0123456789abcdefABCDEF")
_HEX_BY_LEN: Final[Mapping[int, Classified]] = {
    32: _fixed("hex_md5", False),
    40: _fixed("hex_sha1", False),
    64: _fixed("hex_sha256", False),
    128: _fixed("hex_sha512", False),
}
_MYSQL41: Final = _fixed("mysql41", False)
_DES_CRYPT: Final = _fixed("des_crypt", True)
_BSDI_CRYPT: Final = _fixed("bsdi_crypt", True)
#: Traditional DES crypt: 2 salt + 11 hash characters; the last one carries 2 zero pad bits.
_DES_RE: Final = re.compile(r"[./0-9A-Za-z]{12}[.26AEIMQUYcgkosw]")
_BSDI_RE: Final = re.compile(r"_[./0-9A-Za-z]{19}")
#: Placeholders that disable a password (shadow `!`/`*`, Solaris `*LK*`/`*NP*`).
_LOCK_MARKERS: Final = frozenset({"*LK*", "*NP*", "*LOCKED*"})
#: Django's unusable password: "!" followed by 40 random letters and digits.
_DJANGO_UNUSABLE_RE: Final = re.compile(r"![A-Za-z0-9]{40}")


_HEX_RE: Final = re.compile(r"[0-9a-fA-F]*")


def _hex(v: str) -> Classified | None:
    if _HEX_RE.fullmatch(v) is None:
        return None
    return _HEX_BY_LEN.get(len(v), UNKNOWN if len(v) >= 16 else None)


def _marked(v: str) -> Classified | None:
    if v[0] == "*" and len(v) == 41 and _HEX_CHARS.issuperset(v[1:]):
        return _MYSQL41
    if v in _LOCK_MARKERS or not v.strip("!*"):
        return LOCKED
    if _DJANGO_UNUSABLE_RE.fullmatch(v):
        return LOCKED
    inner = _classify(v.lstrip("!*"))
    if inner.scheme in NOT_A_HASH:
        return None  # e.g. "!Summer2024" is a password that starts with "!", not a lock
    return locked_over(inner)


def locked_over(inner: Classified) -> Classified:
    """A `locked` result that records the hash kept behind the lock (`locked_scheme`)."""
    if inner.scheme in NOT_A_HASH:
        return LOCKED
    return Classified("locked", _frozen(locked_scheme=inner.scheme), None)


_MODULAR_LIKE_RE: Final = re.compile(r"\$[A-Za-z0-9._-]{1,20}\$\S")
_TAGGED_LIKE_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{2,31}\$[^$\s]+\$[^$\s]+.*", re.DOTALL)
_B64_PADDED_RE: Final = re.compile(r"[A-Za-z0-9+/]+={1,2}")
_B64_DIGEST_LENGTHS: Final = frozenset({24, 28, 44, 88})


_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")


def _free_text(v: str) -> Classified:
    if len(v) > _MAX_PLAINTEXT_LEN or _CONTROL_RE.search(v):
        return UNKNOWN
    if _MODULAR_LIKE_RE.match(v) or _TAGGED_LIKE_RE.fullmatch(v):
        return UNKNOWN
    if len(v) >= 16 and _HEX_CHARS.issuperset(v):
        return UNKNOWN
    if len(v) in _B64_DIGEST_LENGTHS and _B64_PADDED_RE.fullmatch(v):
        return UNKNOWN
    return PLAINTEXT


def _classify(value: str) -> Classified:
    if not isinstance(value, str):
        return UNKNOWN
    v = value.strip()
    if not v:
        return EMPTY if not value else PLAINTEXT
    if len(v) > _MAX_LEN:
        return UNKNOWN
    return _dispatch(v)


def _dispatch(v: str) -> Classified:
    """Classify a stripped, non-empty value of at most `_MAX_LEN` characters."""
    first = v[0]
    found: Classified | None
    if first == "$":
        found = _modular(v)
    elif first == "{":
        found = _braced(v)
    elif first in "!*":
        found = _marked(v)
    elif first == "_":
        found = _BSDI_CRYPT if _BSDI_RE.fullmatch(v) else None
    elif "$" in v:
        found = _tagged(v)
    else:
        found = None
    if found is not None:
        return found
    n = len(v)
    if n >= 16:
        hexed = _hex(v)
        if hexed is not None:
            return hexed
    elif n == 13 and _DES_RE.fullmatch(v):
        return _DES_CRYPT
    return _free_text(v)


# --- fast path ----------------------------------------------------------------------------------
#
# The common modular-crypt formats are recognised without the full regex of `_MODULAR`: the
# value is split into its parameter prefix (the regex's group 1) and its salt and digest, the
# prefix is looked up in `_cache` and only the salt and digest are checked, a byte at a time in
# C (`bytes.translate`). The cache holds a prefix only after the full regex matched a value
# with that group 1, so a hit plus a valid salt and digest is exactly a full match; the salt
# and digest hold a fixed number of `$`, so the prefix ends where the split puts it. Anything
# else (a prefix not seen yet, surrounding spaces, a salt or digest that does not fit) returns
# None and goes through `_classify`, which fills the cache. Only the parameter prefix is ever
# a cache key, never the whole value.


def _shape_table(alphabet: str) -> bytes:
    """A `bytes.translate` table: bytes of `alphabet` become `.`, `$` stays, others are `!`."""
    table = bytearray(b"!" * 256)
    for c in alphabet.encode("ascii"):
        table[c] = ord(".")
    table[ord("$")] = ord("$")
    return bytes(table)


_C64_SHAPE: Final = _shape_table(_CRYPT64)
_B64_SHAPE: Final = _shape_table("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
#: `$2b$12$` + 53 crypt-base64 characters, through `_C64_SHAPE`.
_BCRYPT_SHAPE: Final = b"$..$..$" + b"." * 53
_BCRYPT_PREFIX_LEN: Final = len("$2b$12$")
_MD5_CRYPT_FAST: Final = re.compile(rf"\$1\$[^$:\s]{{0,8}}\${_C64}{{22}}")
_SHA512_DIGEST_LEN: Final = 86
_SHA256_DIGEST_LEN: Final = 43
_SHA_SALT_MAX: Final = 16


def _fast_bcrypt(v: str) -> Classified | None:
    # Cached 7-character keys starting `$2` are bcrypt prefixes (`$2b$12$`); the shorter
    # `$2$12$` form takes the full path.
    hit = _cache.get(v[:_BCRYPT_PREFIX_LEN])
    if hit is not None and v.isascii() and v.encode().translate(_C64_SHAPE) == _BCRYPT_SHAPE:
        return hit
    return None


def _split_at_salt(
    shape: bytes, salt_len: tuple[int, int], digest_len: tuple[int, int]
) -> Callable[[str], Classified | None]:
    """A fast parser for a format whose last two `$`-separated fields are salt and digest.

    The salt and digest must be made of `shape`'s alphabet, with lengths in the given
    inclusive ranges. (A salt the full regex allows but this alphabet does not, such as a
    sha512_crypt salt with punctuation, takes the full path.)

    The parser also remembers the last value it accepted as its parameter prefix and the
    shape of the whole value through `shape` (which bytes are alphabet, where the `$` are):
    a value with that same prefix and the same shape has a valid salt and digest of the same
    lengths, so it is accepted without finding the fields again. Only the prefix and the
    shape are remembered, never a salt or digest.
    """
    salt_min, salt_max = salt_len
    digest_min, digest_max = digest_len
    known_prefix = "$"  # a prefix no value is accepted with: nothing remembered yet
    known_hit = UNKNOWN
    known_shape = b""

    def fast(v: str) -> Classified | None:
        nonlocal known_prefix, known_hit, known_shape
        try:
            seen = v.encode().translate(shape)
        except UnicodeEncodeError:  # lone surrogates: the full path decides
            return None
        if v[: len(known_prefix)] == known_prefix and seen == known_shape:
            return known_hit
        dollar = v.rfind("$")
        salt = v.rfind("$", 0, dollar) + 1
        hit = _cache.get(v[:salt])
        if hit is None or not v.isascii():
            return None
        n = len(v)
        if not (
            salt_min <= dollar - salt <= salt_max
            and digest_min <= n - dollar - 1 <= digest_max
            and n <= _MAX_LEN
        ):
            return None
        # From the salt on: alphabet bytes, and the one `$` (found above) before the digest.
        if seen.count(b"!", salt):
            return None
        known_prefix, known_hit, known_shape = v[:salt], hit, seen
        return hit

    return fast


def _fast_md5_crypt(v: str) -> Classified | None:
    return _MD5_CRYPT if _MD5_CRYPT_FAST.fullmatch(v) is not None else None


def _fast_hex(v: str) -> Classified | None:
    # A bare digest of a known length (what `_hex` finds for it); anything else, full path.
    found = _HEX_BY_LEN.get(len(v))
    return found if found is not None and _HEX_RE.fullmatch(v) is not None else None


#: Fast parsers by the value's first two characters. Each one only returns what the full path
#: returns for the same value; cached prefixes starting with those two characters belong to
#: that one format (`$a`: argon2 only, apr1 values are not cached). Two hex digits start a bare
#: digest (`_fast_hex`), which the full path reads only after every other format.
_FAST: Final[Mapping[str, Callable[[str], Classified | None]]] = {
    "$2": _fast_bcrypt,
    "$a": _split_at_salt(_B64_SHAPE, (1, _MAX_LEN), (1, _MAX_LEN)),
    "$6": _split_at_salt(_C64_SHAPE, (0, _SHA_SALT_MAX), (_SHA512_DIGEST_LEN, _SHA512_DIGEST_LEN)),
    "$5": _split_at_salt(_C64_SHAPE, (0, _SHA_SALT_MAX), (_SHA256_DIGEST_LEN, _SHA256_DIGEST_LEN)),
    "$p": _split_at_salt(_C64_SHAPE, (0, _MAX_LEN), (1, _MAX_LEN)),
    "$1": _fast_md5_crypt,
    # Unsalted digests: every pair of hex digits a digest can start with.
    **{a + b: _fast_hex for a in "0123456789abcdefABCDEF" for b in "0123456789abcdefABCDEF"},
}


def classify(value: str) -> Classified:
    """Scheme, cost parameters and saltedness of a stored password value. Never raises."""
    try:
        # `value[:2]` of a non-string is no key (or raises): those take the full path too.
        fast = _FAST.get(value[:2])
        if fast is not None:
            found = fast(value)
            if found is not None:
                return found
        return _classify(value)
    except Exception:  # garbage input must never take a scan down
        return UNKNOWN


def classify_reference(value: str) -> Classified:
    """`classify` without the fast path: the full regex of each format, for tests."""
    try:
        return _classify(value)
    except Exception:
        return UNKNOWN


#: Canonical schemes whose name is also the passlib handler name for the plain format.
_PASSLIB_SAME_NAME: Final = frozenset(
    {
        "argon2",
        "bcrypt",
        "scrypt",
        "pbkdf2_sha1",
        "pbkdf2_sha256",
        "pbkdf2_sha512",
        "sha256_crypt",
        "sha512_crypt",
        "md5_crypt",
        "apr_md5_crypt",
        "des_crypt",
        "bsdi_crypt",
        "phpass",
        "ldap_md5",
        "ldap_salted_md5",
        "ldap_sha1",
        "ldap_salted_sha1",
        "ldap_salted_sha256",
        "ldap_salted_sha512",
        "hex_md5",
        "hex_sha1",
        "hex_sha256",
        "hex_sha512",
        "mysql41",
        "django_salted_md5",
        "django_salted_sha1",
    }
)
_PASSLIB_BY_FORMAT: Final[Mapping[tuple[str, str], str]] = {
    ("django", "pbkdf2_sha256"): "django_pbkdf2_sha256",
    ("django", "pbkdf2_sha1"): "django_pbkdf2_sha1",
    ("django", "argon2"): "django_argon2",
    ("django", "bcrypt"): "django_bcrypt",
    ("django_sha256", "bcrypt"): "django_bcrypt_sha256",
    ("ldap", "md5_crypt"): "ldap_md5_crypt",
    ("ldap", "bcrypt"): "ldap_bcrypt",
    ("ldap", "sha256_crypt"): "ldap_sha256_crypt",
    ("ldap", "sha512_crypt"): "ldap_sha512_crypt",
    ("ldap", "des_crypt"): "ldap_des_crypt",
    ("ldap", "bsdi_crypt"): "ldap_bsdi_crypt",
}


def passlib_handler(scheme: str, params: Params) -> str | None:
    """The passlib handler that verifies values of this scheme and format, if there is one.

    None for formats passlib cannot read (yescrypt, Werkzeug, WordPress `$wp`, Drupal `$S$`,
    Django scrypt).
    """
    fmt = params.get("format")
    if fmt is None:
        return scheme if scheme in _PASSLIB_SAME_NAME else None
    return _PASSLIB_BY_FORMAT.get((str(fmt), scheme))
