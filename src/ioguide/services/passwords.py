"""The password rules of ioguide's users, each naming its source.

NIST SP 800-63B (rev. 3) §5.1.1.2 "Memorized Secret Verifiers": a verifier shall compare a new secret against a
list of commonly used, expected or compromised values, and should not impose composition rules; OWASP ASVS 4.0
§2.1.1 asks for at least 12 characters. ioguide therefore asks for length, refuses the user name itself, and
refuses any password on the shipped common-password list (``data/passwords/SOURCE.md``); no composition rules.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib import resources

from ioguide.errors import Problem

#: OWASP ASVS 4.0 §2.1.1: passwords of at least 12 characters.
MIN_PASSWORD_LENGTH = 12
#: Longer inputs are refused before hashing (argon2 accepts any length; this bounds the work one request causes).
MAX_PASSWORD_LENGTH = 1024
COMMON_PASSWORDS_FILE = "common-passwords.txt.gz"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lowercased (``data/passwords/SOURCE.md``)."""
    raw = resources.files("ioguide.data").joinpath("passwords").joinpath(COMMON_PASSWORDS_FILE).read_bytes()
    return frozenset(line.strip() for line in gzip.decompress(raw).decode("utf-8").splitlines() if line.strip())


def password_problems(password: str, username: str, field: str = "password") -> list[Problem]:
    """Every rule ``password`` breaks for ``username`` (empty when it may be used); never echoes the password."""
    problems: list[Problem] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(Problem(field, f"at least {MIN_PASSWORD_LENGTH} characters are needed (OWASP ASVS 4.0 §2.1.1)"))
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.append(Problem(field, f"at most {MAX_PASSWORD_LENGTH} characters"))
    if password.strip().casefold() == username.strip().casefold():
        problems.append(Problem(field, "the password must not be the user name (NIST SP 800-63B §5.1.1.2)"))
    elif password.strip().lower() in common_passwords():
        problems.append(
            Problem(
                field,
                "this is one of the most common passwords (data/passwords list; NIST SP 800-63B §5.1.1.2): "
                "choose another, e.g. several unrelated words",
            )
        )
    return problems
