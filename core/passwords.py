"""The password policy, applied wherever a password is set: the command line, the pages, the API.

A password has at least ``MIN_LENGTH`` characters and must not be easy to guess. "Easy to
guess" is zxcvbn's estimate (the ``zxcvbn`` package, pinned in requirements.txt): it matches
the password against its list of the 30,000 most common passwords, English words and names,
keyboard walks (``qwertyuiop``), repeats (``aaaaaaaa``), sequences (``12345678``) and dates,
and counts the guesses an attacker would need; fewer than a million is refused. The username
inside the password is refused too, and so is the demo data's password, which the README
publishes: only the demo loader sets it (``core.users.create_user(..., enforce_policy=False)``).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_GUESSES = 10**6
# zxcvbn refuses longer input (its matching grows quickly with the length); the first 72
# characters of a strong password are strong already.
_ESTIMATED_LENGTH = 72
DEMO_PASSWORD = "bansuan-demo"


def password_problems(password: str, *, username: str = "") -> list:
    """Why ``password`` may not be used (messages for the reader), or an empty list."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return [lazy_ngettext("A password has at least %(num)d character.",
                              "A password has at least %(num)d characters.", MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [lazy_ngettext("A password has at most %(num)d character.",
                              "A password has at most %(num)d characters.", MAX_LENGTH)]
    if password == DEMO_PASSWORD:
        return [_l("This is the demo data's published password; choose another.")]
    name = (username or "").strip().casefold()
    if len(name) >= 3 and name in password.casefold():
        return [_l("A password must not contain the username.")]
    if zxcvbn(password[:_ESTIMATED_LENGTH])["guesses"] < MIN_GUESSES:
        return [_l("This password is common or easy to guess (a word, a name, a date, a run such as "
                   "12345678 or aaaaaaaa). Choose a longer one, such as a few unrelated words.")]
    return []
