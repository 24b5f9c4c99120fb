"""Users, argon2 password hashing, sessions (absolute and idle expiry) and login throttling."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from pipeline.access import auth
from pipeline.errors import UsageError

from tests.helpers import web as support  # noqa: E402

PW = "correct horse battery"
T0 = datetime(2025, 3, 1, 9, 0, 0)


@pytest.fixture(autouse=True)
def fast_hashing():
    support.use_fast_hashing()


def test_passwords_are_stored_as_argon2id_hashes_only(con):
    auth.add_user(con, "Anna", PW, "reviewer", display_name="Anna A")
    stored = con.execute("select username, password_hash from web_user").fetchone()
    assert stored[0] == "anna"
    assert stored[1].startswith("$argon2id$") and PW not in stored[1]
    assert auth.verify_password(stored[1], PW)
    assert not auth.verify_password(stored[1], PW + "x")
    assert not auth.verify_password("not a hash", PW)


def test_default_hasher_is_memory_hard():
    from argon2 import PasswordHasher, Type

    default = PasswordHasher()
    assert default.type is Type.ID and default.memory_cost >= 19 * 1024 and default.time_cost >= 2


@pytest.mark.parametrize("name,password,role,code", [
    ("a", PW, "admin", "bad-username"),
    ("anna/../x", PW, "admin", "bad-username"),
    ("anna", "short", "admin", "weak-password"),
    ("anna", "anna", "admin", "weak-password"),
    ("annabelle1", "ANNABELLE1", "admin", "weak-password"),
    ("anna", "x" * 2000, "admin", "weak-password"),
])
def test_bad_user_input_is_refused_with_a_code(con, name, password, role, code):
    with pytest.raises(auth.AuthError) as info:
        auth.add_user(con, name, password, role)
    assert info.value.code == code


def test_unknown_role_and_duplicate_user_are_refused(con):
    with pytest.raises(UsageError):
        auth.add_user(con, "anna", PW, "superuser")
    auth.add_user(con, "anna", PW, "uploader")
    with pytest.raises(auth.AuthError) as info:
        auth.add_user(con, "ANNA", PW, "uploader")
    assert info.value.code == "user-exists"


def test_role_permissions():
    up = auth.User(1, "u", None, "uploader", True)
    rev = auth.User(2, "r", None, "reviewer", True)
    adm = auth.User(3, "a", None, "admin", True)
    off = auth.User(4, "o", None, "admin", False)
    assert up.can("uploader") and not up.can("reviewer") and not up.can()
    assert rev.can("reviewer") and not rev.can("uploader")
    assert adm.can("uploader") and adm.can("reviewer") and adm.can()
    assert not off.can("uploader")


def test_the_last_active_admin_cannot_be_demoted_or_disabled(con):
    auth.add_user(con, "adam", PW, "admin")
    with pytest.raises(auth.AuthError):
        auth.set_role(con, "adam", "reviewer")
    with pytest.raises(auth.AuthError):
        auth.set_active(con, "adam", False)
    auth.add_user(con, "eva", PW, "admin")
    user, old = auth.set_role(con, "adam", "reviewer")
    assert (user.role, old) == ("reviewer", "admin")


def test_login_creates_a_session_and_only_the_token_hash_is_stored(con):
    auth.add_user(con, "rita", PW, "reviewer")
    outcome = auth.login(con, "Rita", PW, ip="10.0.0.1", now=T0)
    assert outcome.user.username == "rita" and outcome.token
    stored = con.execute("select session_hash from web_session").fetchone()[0]
    assert stored == auth.token_hash(outcome.token) and stored != outcome.token
    assert auth.session_user(con, outcome.token, now=T0 + timedelta(minutes=5)).username == "rita"
    assert auth.session_user(con, "forged", now=T0) is None


def test_session_ends_after_idle_time_and_absolute_lifetime(con):
    auth.add_user(con, "rita", PW, "reviewer")
    token = auth.login(con, "rita", PW, now=T0).token
    assert auth.session_user(con, token, now=T0 + auth.SESSION_IDLE - timedelta(seconds=1)) is not None
    assert auth.session_user(con, token, now=T0 + auth.SESSION_IDLE * 2) is None      # idle since the last use
    token = auth.login(con, "rita", PW, now=T0).token
    t = T0
    while t < T0 + auth.SESSION_LIFETIME - timedelta(hours=1):                          # kept busy ...
        t += timedelta(hours=1)
        assert auth.session_user(con, token, now=t) is not None
    assert auth.session_user(con, token, now=T0 + auth.SESSION_LIFETIME) is None        # ... still ends


def test_password_change_and_disabling_end_sessions(con):
    auth.add_user(con, "rita", PW, "reviewer")
    auth.add_user(con, "adam", PW, "admin")
    token = auth.login(con, "rita", PW, now=T0).token
    auth.set_password(con, "rita", "another long password")
    assert auth.session_user(con, token, now=T0) is None
    token = auth.login(con, "rita", "another long password", now=T0).token
    auth.set_active(con, "rita", False)
    assert auth.session_user(con, token, now=T0) is None
    assert auth.login(con, "rita", "another long password", now=T0).reason == "disabled"


def test_throttling_per_user_name_within_the_window(con):
    """5 failures for a name within 15 minutes lock that name (even with the right password) until the window
    has passed since the failures; other names are not affected."""
    auth.add_user(con, "rita", PW, "reviewer")
    auth.add_user(con, "adam", PW, "admin")
    for i in range(auth.MAX_FAILURES_PER_USER):
        assert auth.login(con, "rita", "wrong", ip="10.0.0.1", now=T0 + timedelta(minutes=i)).reason == \
            "bad-credentials"
    assert auth.login(con, "rita", PW, ip="10.0.0.2", now=T0 + timedelta(minutes=5)).reason == "throttled"
    assert auth.login(con, "adam", PW, ip="10.0.0.1", now=T0 + timedelta(minutes=5)).user is not None
    # throttled attempts do not extend the lock: 15 minutes after the last real failure it is open again
    assert auth.login(con, "rita", PW, now=T0 + timedelta(minutes=4) + auth.THROTTLE_WINDOW + timedelta(seconds=1)
                      ).user is not None


def test_throttling_per_address(con):
    auth.add_user(con, "rita", PW, "reviewer")
    for i in range(auth.MAX_FAILURES_PER_IP):
        auth.login(con, f"guess{i}", "wrong", ip="10.9.9.9", now=T0)
    assert auth.login(con, "rita", PW, ip="10.9.9.9", now=T0).reason == "throttled"
    assert auth.login(con, "rita", PW, ip="10.0.0.1", now=T0).user is not None


def test_unknown_user_and_wrong_password_give_the_same_answer(con):
    auth.add_user(con, "rita", PW, "reviewer")
    assert auth.login(con, "nobody", PW, now=T0).reason == auth.login(con, "rita", "wrong", now=T0).reason
    attempts = con.execute("select username, success from web_login_attempt order by attempted_at").fetchall()
    assert attempts == [("nobody", False), ("rita", False)]


def test_purge_removes_expired_sessions(con):
    auth.add_user(con, "rita", PW, "reviewer")
    auth.login(con, "rita", PW, now=T0)
    assert auth.purge_expired(con, now=T0 + timedelta(days=2)) == 1
    assert con.execute("select count(*) from web_session").fetchone()[0] == 0
