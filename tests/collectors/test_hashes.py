"""The hash classifier: every scheme by prefix and shape, parameters, and garbage that never raises."""

from __future__ import annotations

import random
import string

import pytest
from passlib import hash as ph  # type: ignore[import-untyped]

from hardening.collectors import hashes
from hardening.collectors.hashes import classify, label, passlib_handler

YESCRYPT = "$y$j9T$4xV9rkYdS2nL7aE1cQ0bW/$M8a1Jm3qLZk0Yp4vXbT6sWnRf2Gd9HcE5uA7oIy.Nz2"


def test_bcrypt_cost_and_ident_match_passlib() -> None:
    for ident, rounds in (("2b", 12), ("2a", 8), ("2y", 10)):
        value = ph.bcrypt.using(rounds=rounds, ident=ident).hash("pw")
        found = classify(value)
        parsed = ph.bcrypt.from_string(value)
        assert found.scheme == "bcrypt"
        assert found.salted is True
        assert found.params == {"ident": ident, "rounds": parsed.rounds}


@pytest.mark.parametrize("kind", ["ID", "I", "D"])
def test_argon2_variants_and_cost_match_passlib(kind: str) -> None:
    value = ph.argon2.using(type=kind, memory_cost=19456, time_cost=2, parallelism=1).hash("pw")
    found = classify(value)
    parsed = ph.argon2.from_string(value)
    assert found.scheme == "argon2"
    assert found.params["variant"] == f"argon2{kind.lower()}"
    assert found.params["memory_kib"] == parsed.memory_cost == 19456
    assert found.params["time_cost"] == parsed.rounds == 2
    assert found.params["parallelism"] == parsed.parallelism == 1
    assert found.params["version"] == 19


def test_argon2_without_version_field_is_v10() -> None:
    value = "$argon2i$m=4096,t=3,p=1$c29tZXNhbHQ$iWh06vD8Fy27wf9npn6FXWiCX4K6pW6Ue1Bnzz07Z8A"
    assert classify(value).params["version"] == 16


def test_sha_crypt_rounds_explicit_default_and_clamped() -> None:
    explicit = ph.sha512_crypt.using(rounds=656000).hash("pw")
    assert classify(explicit) == ("sha512_crypt", {"rounds": 656000}, True)
    # glibc writes no rounds= field for its default of 5,000 (passlib's default differs).
    implicit = ph.sha512_crypt.using(rounds=5000).hash("pw")
    assert "rounds=" not in implicit
    assert classify(implicit).params == {"rounds": 5000}
    # glibc clamps rounds below 1,000 up to 1,000.
    low = ph.sha512_crypt.using(rounds=1000).hash("pw").replace("rounds=1000", "rounds=10")
    assert classify(low).params == {"rounds": 1000}
    sha256 = ph.sha256_crypt.hash("pw")
    assert classify(sha256).scheme == "sha256_crypt"
    assert classify(sha256).params["rounds"] == ph.sha256_crypt.from_string(sha256).rounds


def test_yescrypt_parameters_are_decoded() -> None:
    found = classify(YESCRYPT)
    assert found.scheme == "yescrypt"
    assert found.salted is True
    # j9T is Debian's default: N = 2^12, r = 32, so 128 * N * r bytes = 16 MiB.
    assert found.params["log2_n"] == 12
    assert found.params["block_size"] == 32
    assert found.params["memory_kib"] == 16 * 1024
    stronger = YESCRYPT.replace("$j9T$", "$jCT$")  # C = 14, so N = 2^15
    assert classify(stronger).params["log2_n"] == 15
    assert classify("$gy$" + YESCRYPT[3:]).scheme == "gost_yescrypt"


def test_scrypt_both_forms() -> None:
    modular = ph.scrypt.using(rounds=16).hash("pw")
    assert classify(modular) == (
        "scrypt",
        {"log2_n": 16, "block_size": 8, "parallelism": 1},
        True,
    )
    crypt_form = ph.scrypt.using(ident="$7$", rounds=14, block_size=16, parallelism=2).hash("pw")
    assert crypt_form.startswith("$7$")
    assert classify(crypt_form).params == {"log2_n": 14, "block_size": 16, "parallelism": 2}


@pytest.mark.parametrize(
    ("value", "scheme", "rounds"),
    [
        (ph.pbkdf2_sha256.using(rounds=29000).hash("pw"), "pbkdf2_sha256", 29000),
        (ph.pbkdf2_sha512.using(rounds=210000).hash("pw"), "pbkdf2_sha512", 210000),
        (ph.django_pbkdf2_sha256.using(rounds=870000).hash("pw"), "pbkdf2_sha256", 870000),
        ("pbkdf2:sha256:600000$bS3vDkZl$" + "a1" * 32, "pbkdf2_sha256", 600000),
    ],
)
def test_pbkdf2_formats(value: str, scheme: str, rounds: int) -> None:
    found = classify(value)
    assert found.scheme == scheme
    assert found.params["rounds"] == rounds


@pytest.mark.parametrize(
    ("value", "scheme", "salted"),
    [
        (ph.md5_crypt.hash("pw"), "md5_crypt", True),
        (ph.apr_md5_crypt.hash("pw"), "apr_md5_crypt", True),
        (ph.des_crypt.hash("pw"), "des_crypt", True),
        (ph.bsdi_crypt.hash("pw"), "bsdi_crypt", True),
        (ph.ldap_sha1.hash("pw"), "ldap_sha1", False),
        (ph.ldap_salted_sha1.hash("pw"), "ldap_salted_sha1", True),
        (ph.ldap_md5.hash("pw"), "ldap_md5", False),
        (ph.ldap_salted_md5.hash("pw"), "ldap_salted_md5", True),
        (ph.hex_md5.hash("pw"), "hex_md5", False),
        (ph.hex_md5.hash("pw").upper(), "hex_md5", False),
        (ph.nthash.hash("pw"), "hex_md5", False),  # NTLM looks like MD5: named by length
        (ph.hex_sha1.hash("pw"), "hex_sha1", False),
        (ph.hex_sha256.hash("pw"), "hex_sha256", False),
        (ph.hex_sha512.hash("pw"), "hex_sha512", False),
        (ph.mysql41.hash("pw"), "mysql41", False),
        (ph.phpass.hash("pw"), "phpass", True),
        (ph.django_salted_md5.hash("pw"), "django_salted_md5", True),
        (ph.ldap_sha512_crypt.hash("pw"), "sha512_crypt", True),
        (ph.ldap_bcrypt.hash("pw"), "bcrypt", True),
        ("{CLEARTEXT}hunter2", "plaintext", None),
    ],
)
def test_fixed_cost_schemes(value: str, scheme: str, salted: bool | None) -> None:
    found = classify(value)
    assert found.scheme == scheme
    assert found.salted is salted


def test_hex_digests_are_named_by_length_not_guessed() -> None:
    assert label("hex_md5") == "32-hex unsalted digest"
    assert label("hex_sha1") == "40-hex unsalted digest"
    assert label("hex_sha256") == "64-hex unsalted digest"


@pytest.mark.parametrize(
    "value",
    [
        "hunter2",
        "Summer2024!",
        "pa$$word",
        "correct horse battery staple",
        "!Summer2024",
        "Password1",
        "x",
        "   spaced   ",
        "Tr0ub4dor&3",
        "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA",
    ],
)
def test_typed_passwords_are_plaintext(value: str) -> None:
    assert classify(value).scheme == "plaintext"


@pytest.mark.parametrize(
    "value",
    [
        "$zz$abc$def",  # modular crypt with an id we do not know
        "{SSHA999}abcdef",  # a {SCHEME} we do not know
        "sha3_256$somesalt$deadbeef",  # scheme-tagged, Django/Werkzeug style
        "deadbeefdeadbeefdeadbeef",  # 24 hex digits: a digest of an unexpected length
        "X03MO1qnZdYdgyfeuILPmQ==",  # padded base64 of a 16-byte digest
        ph.bcrypt.hash("pw")[:50],  # a bcrypt hash truncated by a short column
        "$2b$99$" + "a" * 53,  # bcrypt cost out of range
        "\x00\x01binary",
        "a" * 200,
    ],
)
def test_machine_made_but_unrecognised_is_unknown(value: str) -> None:
    assert classify(value).scheme == "unknown"


def test_locks_and_empties() -> None:
    assert classify("").scheme == "empty"
    assert classify("!").scheme == "locked"
    assert classify("*LK*").scheme == "locked"
    behind = classify("!" + ph.md5_crypt.hash("pw"))
    assert behind.scheme == "locked"
    assert behind.params == {"locked_scheme": "md5_crypt"}
    assert classify("!" + "Ab1" * 13 + "x").scheme == "locked"  # Django's unusable password


def test_wrapped_formats_record_their_format() -> None:
    django_bcrypt = ph.django_bcrypt_sha256.hash("pw")
    found = classify(django_bcrypt)
    assert found.scheme == "bcrypt"
    assert found.params["format"] == "django_sha256"
    assert passlib_handler(found.scheme, found.params) == "django_bcrypt_sha256"
    django_argon2 = classify(ph.django_argon2.hash("pw"))
    assert django_argon2.scheme == "argon2"
    assert passlib_handler("argon2", django_argon2.params) == "django_argon2"
    werkzeug = classify("scrypt:32768:8:1$bS3vDkZl$" + "b2" * 64)
    assert werkzeug.scheme == "scrypt"
    assert werkzeug.params["log2_n"] == 15
    assert passlib_handler("scrypt", werkzeug.params) is None


def test_passlib_handler_identifies_what_classify_found() -> None:
    values = [
        ph.bcrypt.hash("pw"),
        ph.argon2.hash("pw"),
        ph.sha512_crypt.hash("pw"),
        ph.md5_crypt.hash("pw"),
        ph.apr_md5_crypt.hash("pw"),
        ph.des_crypt.hash("pw"),
        ph.ldap_sha1.hash("pw"),
        ph.hex_sha1.hash("pw"),
        ph.pbkdf2_sha256.hash("pw"),
        ph.django_pbkdf2_sha256.hash("pw"),
        ph.scrypt.hash("pw"),
        ph.phpass.hash("pw"),
    ]
    for value in values:
        found = classify(value)
        handler = passlib_handler(found.scheme, found.params)
        assert handler is not None, value[:8]
        assert getattr(ph, handler).identify(value), handler
    assert passlib_handler("yescrypt", classify(YESCRYPT).params) is None


def test_params_are_read_only_and_shared_by_prefix() -> None:
    a = classify(ph.bcrypt.using(rounds=11).hash("a"))
    b = classify(ph.bcrypt.using(rounds=11).hash("b"))
    assert a.params is b.params
    with pytest.raises(TypeError):
        a.params["rounds"] = 4  # type: ignore[index]


def test_garbage_never_raises() -> None:
    rng = random.Random(20261125)
    prefixes = [
        "",
        "$",
        "$2b$",
        "$argon2id$",
        "$argon2id$v=19$m=",
        "$y$",
        "$y$j",
        "$7$",
        "$6$",
        "$6$rounds=",
        "$scrypt$ln=",
        "{SHA}",
        "{SSHA}",
        "{CRYPT}",
        "!",
        "*",
        "_",
        "pbkdf2_sha256$",
        "pbkdf2:",
        "scrypt:",
        "argon2$",
        "bcrypt$$",
        "$wp$",
        "$P$",
    ]
    alphabet = string.printable + "é€\x00\udcff\U0001f600$$$::{}"
    real = [
        ph.bcrypt.hash("pw"),
        ph.argon2.hash("pw"),
        YESCRYPT,
        ph.scrypt.using(ident="$7$").hash("x"),
    ]
    samples: list[object] = [None, 12, b"$2b$", 3.5, "\udcff" * 10, "$" * 5000, "x" * 10**6]
    for _ in range(20000):
        n = rng.randrange(0, 90)
        samples.append(rng.choice(prefixes) + "".join(rng.choice(alphabet) for _ in range(n)))
    for value in real:
        samples.extend(value[:i] for i in range(len(value)))
        samples.extend(value[:i] + "$" + value[i + 1 :] for i in range(len(value)))
    for value in samples:
        found = classify(value)  # type: ignore[arg-type]
        assert isinstance(found.scheme, str)


def test_cache_stays_bounded_on_many_distinct_prefixes() -> None:
    for m in range(1, 10_000):
        classify(f"$argon2id$v=19$m={m},t=3,p=4$c29tZXNhbHQ$aGFzaGhhc2hoYXNo")
    assert len(hashes._cache) <= hashes._CACHE_MAX


def _fast_path_samples() -> list[str]:
    valid = [
        ph.bcrypt.using(ident="2b", rounds=5).hash("pw"),
        ph.bcrypt.using(ident="2a", rounds=4).hash("pw"),
        ph.bcrypt.using(ident="2y", rounds=5).hash("pw"),
        ph.argon2.using(type="ID", memory_cost=19456, rounds=2, parallelism=1).hash("pw"),
        ph.argon2.using(type="I", memory_cost=64, rounds=1, parallelism=1).hash("pw"),
        ph.argon2.using(type="D", memory_cost=64, rounds=1, parallelism=1).hash("pw"),
        "$argon2id$m=65536,t=3,p=4$c29tZXNhbHQ$aGFzaGhhc2hoYXNo",
        "$argon2id$v=19$m=65536,t=3,p=4,keyid=x$c29tZXNhbHQ$aGFzaGhhc2hoYXNo",
        "$argon2id$v=19$m=0,t=3,p=4$c29tZXNhbHQ$aGFzaGhhc2hoYXNo",
        ph.sha512_crypt.using(rounds=5000).hash("pw"),
        ph.sha512_crypt.using(rounds=656000).hash("pw"),
        ph.sha256_crypt.using(rounds=5000).hash("pw"),
        ph.sha256_crypt.using(rounds=80000).hash("pw"),
        "$6$rounds=5000$" + "a" * 86,  # "rounds=5000" is the salt here, not a rounds field
        "$6$sa!t-with:punct$" + "a" * 86,
        ph.pbkdf2_sha256.using(rounds=29000).hash("pw"),
        ph.pbkdf2_sha512.using(rounds=1000).hash("pw"),
        ph.pbkdf2_sha1.using(rounds=1000).hash("pw"),
        "$pbkdf2-sha256$1000$$" + "a" * 43,
        ph.md5_crypt.hash("pw"),
        ph.apr_md5_crypt.hash("pw"),
        "$2b$99$" + "a" * 53,  # cost out of range: unknown, and cached as such
        ph.hex_md5.hash("pw"),
        ph.hex_sha1.hash("pw").upper(),
        ph.hex_sha256.hash("pw"),
        ph.hex_sha512.hash("pw"),
    ]
    samples = list(valid)
    for value in valid:
        for i in range(len(value)):
            for c in ("$", "!", " ", "é", "\udcff", ".", "+", ":", "="):
                samples.append(value[:i] + c + value[i + 1 :])
            samples.append(value[:i])
            samples.append(value[:i] + value[i + 1 :])
        samples += [f" {value}", f"{value} ", f"{value}\n", value + "a", value + "$a"]
        samples.append(value + "A" * 1100)
    return samples


def test_fast_path_classifies_like_the_full_regexes() -> None:
    samples = _fast_path_samples()
    for value in samples:  # fill the prefix cache: the fast path answers only after a miss
        hashes.classify_reference(value)
    for value in samples:
        assert hashes.classify(value) == hashes.classify_reference(value), repr(value)


def test_fast_path_never_answers_for_a_prefix_it_has_not_seen() -> None:
    hashes._cache.clear()
    value = ph.bcrypt.using(rounds=5).hash("pw")
    assert hashes._fast_bcrypt(value) is None
    assert classify(value).params["rounds"] == 5
    assert hashes._fast_bcrypt(value) is classify(value)
