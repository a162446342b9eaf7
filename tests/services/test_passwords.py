"""The password policy and its shipped data: NIST SP 800-63B §5.1.1.2 (no common or expected values, no composition
rules), OWASP ASVS 4.0 §2.1.1 (at least 12 characters); the list's source is data/passwords/SOURCE.md."""

from __future__ import annotations

import hashlib
from importlib import resources

from ioguide.services.passwords import COMMON_PASSWORDS_FILE, common_passwords, password_problems

#: data/passwords/SOURCE.md: the list from the Django 5.2.19 wheel (BSD-3-clause).
COMMON_PASSWORDS_SHA256 = "3c1baed62596de36860824eb3f436d5932d37ca8b06e59df78f5a44ec175afe4"


def test_the_shipped_list_is_the_published_one():
    folder = resources.files("ioguide.data").joinpath("passwords")
    data = folder.joinpath(COMMON_PASSWORDS_FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == COMMON_PASSWORDS_SHA256
    assert COMMON_PASSWORDS_SHA256 in folder.joinpath("SOURCE.md").read_text()
    assert len(common_passwords()) == 19640  # as SOURCE.md says


def test_length_name_and_common_list_rules():
    assert password_problems("eleven char", "ann")[0].message.startswith("at least 12 characters")
    assert password_problems("twelve chars", "ann") == []
    assert "user name" in password_problems(" Ann.Smith-01 ", "ann.smith-01")[0].message
    assert "common" in password_problems("QWERTY123456", "ann")[0].message  # compared lowercased
    assert password_problems("correct horse battery", "ann") == []  # no composition rules


def test_no_message_repeats_the_password():
    for password in ("tiny", "qwerty123456", "ann-the-user"):
        for problem in password_problems(password, "ann-the-user"):
            assert password not in problem.message and problem.field == "password"
