"""Users, roles, password hashing (argon2id), login sessions and login throttling for the web app.

Passwords are stored only as argon2id hashes (argon2-cffi, RFC 9106 low-memory profile: 64 MiB, t=3);
session tokens are random 256-bit values of which only the sha256 is stored. A login is refused without
checking the password once a user name has MAX_FAILURES_PER_USER failed attempts, or an address
MAX_FAILURES_PER_IP, within THROTTLE_WINDOW.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # annotations only: `klimatspend --help` loads neither DuckDB nor argon2
    import duckdb

from ..errors import KlimatspendError, UsageError

ROLES = ("uploader", "reviewer", "admin")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024                  # argon2 hashes anything, but a megabyte "password" is an attack
SESSION_LIFETIME = timedelta(hours=12)      # absolute
SESSION_IDLE = timedelta(hours=2)           # without a request
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_IP = 20
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")

_HASHER: list = []                          # the argon2id hasher (64 MiB, t=3, p=4) and a dummy hash, made on first use


def _argon2():
    """Return (hasher, dummy hash); the dummy is verified when the user name is unknown, so that a wrong name
    takes as long as a wrong password. Made on first use: importing argon2 and hashing cost ~0.4 s."""
    if not _HASHER:
        from argon2 import PasswordHasher

        hasher = PasswordHasher()
        _HASHER.extend([hasher, hasher.hash(secrets.token_urlsafe(16))])
    return _HASHER[0], _HASHER[1]


class AuthError(KlimatspendError):
    """A user-management request that cannot be done (unknown user, weak password, bad role)."""

    code = "auth-error"


@dataclass(frozen=True)
class User:
    """A web user as the app sees it (never carries the password hash)."""

    user_id: int
    username: str
    display_name: str | None
    role: str
    is_active: bool
    created_at: datetime | None = None
    last_login_at: datetime | None = None
    organisations: tuple[str, ...] | None = None   # the organisations the user sees; None = every organisation

    def can(self, *roles: str) -> bool:
        """Return True if the user's role is one of `roles` (admin may do everything)."""
        return self.is_active and (self.role == "admin" or self.role in roles)

    def sees(self, organisation_id: str | None) -> bool:
        """Return True if the user may see `organisation_id` (None, "every organisation", needs access to all)."""
        if self.organisations is None:
            return True
        return organisation_id is not None and organisation_id in self.organisations

    def sees_every(self, organisation_ids) -> bool:
        """Return True if the user may see each of `organisation_ids` (a group: the parent and its companies)."""
        return self.organisations is None or set(organisation_ids) <= set(self.organisations)


@dataclass(frozen=True)
class LoginOutcome:
    """The result of a login attempt: the user and a new session token, or why not."""

    user: User | None
    token: str | None
    reason: str | None = None               # bad-credentials | throttled | disabled


def normalise_username(name: str) -> str:
    """Return the canonical (trimmed, lowercase) form of a user name."""
    return (name or "").strip().lower()


def check_username(name: str) -> str:
    """Return the canonical user name, or raise AuthError saying what a valid one looks like."""
    canonical = normalise_username(name)
    if not _USERNAME.match(canonical):
        raise AuthError(f"user name {name!r}: use 2-64 characters: letters a-z, digits and . _ @ - "
                        "(starting with a letter or digit)", code="bad-username")
    return canonical


def check_password(password: str, username: str = "") -> None:
    """Raise AuthError when `password` is too short, too long or equal to the user name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters",
                        code="weak-password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AuthError(f"the password is too long: use at most {MAX_PASSWORD_LENGTH} characters",
                        code="weak-password")
    if username and password.strip().lower() == normalise_username(username):
        raise AuthError("the password must not be the user name", code="weak-password")


def check_role(role: str) -> str:
    """Return `role` if it is one of ROLES, else raise UsageError listing them."""
    if role not in ROLES:
        raise UsageError(f"role {role!r}: use one of {', '.join(ROLES)}")
    return role


def hash_password(password: str) -> str:
    """Return the argon2id hash string of `password`."""
    return _argon2()[0].hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return True if `password` matches the argon2 hash (False for a mismatch or a malformed hash)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _argon2()[0].verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A user's organisations come with the user (a list; null = every organisation), so that every request knows them.
_USER_COLUMNS = ("user_id, username, display_name, role, is_active, created_at, last_login_at, "
                 "(select list(o.organisation_id order by o.organisation_id) from web_user_organisation o "
                 "where o.user_id = web_user.user_id) as organisations")


def _user(row) -> User | None:
    if not row:
        return None
    *rest, orgs = row
    return User(*rest, organisations=tuple(orgs) if orgs else None)


def get_user(con: duckdb.DuckDBPyConnection, username: str) -> User | None:
    """Return the user called `username` (any case), or None."""
    return _user(con.execute(f"select {_USER_COLUMNS} from web_user where username = ?",
                             [normalise_username(username)]).fetchone())


def get_user_by_id(con: duckdb.DuckDBPyConnection, user_id: int) -> User | None:
    """Return the user with id `user_id`, or None."""
    return _user(con.execute(f"select {_USER_COLUMNS} from web_user where user_id = ?", [user_id]).fetchone())


def list_users(con: duckdb.DuckDBPyConnection) -> list[User]:
    """Return every user, by name."""
    return [_user(r) for r in con.execute(f"select {_USER_COLUMNS} from web_user order by username").fetchall()]


def add_user(con: duckdb.DuckDBPyConnection, username: str, password: str, role: str, *,
             display_name: str | None = None, created_by: str | None = None,
             organisations: list[str] | None = None) -> User:
    """Create a user with a hashed password; raise AuthError if the name is taken or the password weak.

    `organisations`: the organisations the user sees (a municipal company's staff); None or empty = every
    organisation (group-level staff). An administrator always sees every organisation.
    """
    name = check_username(username)
    check_role(role)
    check_password(password, name)
    wanted = _check_organisations(con, role, organisations)
    if get_user(con, name) is not None:
        raise AuthError(f"user {name!r} already exists; use `klimatspend user set-role` or another name",
                        code="user-exists")
    con.execute("insert into web_user (username, display_name, role, password_hash, created_by) values (?, ?, ?, ?, ?)",
                [name, (display_name or "").strip() or None, role, hash_password(password), created_by])
    user = get_user(con, name)
    _store_organisations(con, user.user_id, wanted)
    return get_user(con, name)


def set_organisations(con: duckdb.DuckDBPyConnection, username: str, organisations: list[str] | None) -> tuple[
        User, tuple[str, ...] | None]:
    """Set the organisations a user sees (None or empty = every organisation); return (user, the old ones).

    The user's sessions end, so that no open page keeps showing what the user may no longer see.
    """
    user = _require(con, username)
    wanted = _check_organisations(con, user.role, organisations)
    _store_organisations(con, user.user_id, wanted)
    end_user_sessions(con, user.user_id)
    return get_user_by_id(con, user.user_id), user.organisations


def _check_organisations(con: duckdb.DuckDBPyConnection, role: str, organisations: list[str] | None) -> list[str]:
    wanted = sorted(set(organisations or []))
    if wanted and role == "admin":
        raise AuthError("an administrator sees every organisation; give --org only to uploaders and reviewers",
                        code="admin-organisations")
    known = {r[0] for r in con.execute("select organisation_id from organisation").fetchall()}
    unknown = [o for o in wanted if o not in known]
    if unknown:
        raise AuthError(f"--org {unknown[0]}: no such organisation (known: {', '.join(sorted(known)) or 'none yet'}); "
                        f"add it first with `klimatspend org add {unknown[0]} --name NAME`",
                        code="unknown-organisation")
    return wanted


def _store_organisations(con: duckdb.DuckDBPyConnection, user_id: int, organisations: list[str]) -> None:
    con.execute("delete from web_user_organisation where user_id = ?", [user_id])
    if organisations:
        con.executemany("insert into web_user_organisation (user_id, organisation_id) values (?, ?)",
                        [[user_id, o] for o in organisations])


def _require(con: duckdb.DuckDBPyConnection, username: str) -> User:
    user = get_user(con, username)
    if user is None:
        raise AuthError(f"no user called {normalise_username(username)!r}; see `klimatspend user list`",
                        code="unknown-user")
    return user


def set_role(con: duckdb.DuckDBPyConnection, username: str, role: str) -> tuple[User, str]:
    """Change a user's role; return (the updated user, the old role). The last active admin keeps the role."""
    user = _require(con, username)
    check_role(role)
    if role == "admin" and user.organisations is not None:
        raise AuthError(f"{user.username} sees only {', '.join(user.organisations)}; an administrator sees every "
                        f"organisation: first `klimatspend user orgs {user.username} --all`", code="admin-organisations")
    if user.role == "admin" and role != "admin" and user.is_active and _active_admins(con) <= 1:
        raise AuthError(f"{user.username} is the last active administrator; make someone else admin first",
                        code="last-admin")
    con.execute("update web_user set role = ? where user_id = ?", [role, user.user_id])
    return get_user_by_id(con, user.user_id), user.role


def set_active(con: duckdb.DuckDBPyConnection, username: str, active: bool) -> User:
    """Enable or disable a user; disabling also ends the user's sessions. The last active admin stays active."""
    user = _require(con, username)
    if not active and user.role == "admin" and user.is_active and _active_admins(con) <= 1:
        raise AuthError(f"{user.username} is the last active administrator; add another administrator first",
                        code="last-admin")
    con.execute("update web_user set is_active = ? where user_id = ?", [active, user.user_id])
    if not active:
        end_user_sessions(con, user.user_id)
    return get_user_by_id(con, user.user_id)


def set_password(con: duckdb.DuckDBPyConnection, username: str, password: str) -> User:
    """Replace a user's password (checked like a new one) and end the user's sessions."""
    user = _require(con, username)
    check_password(password, user.username)
    con.execute("update web_user set password_hash = ?, password_changed_at = current_timestamp where user_id = ?",
                [hash_password(password), user.user_id])
    end_user_sessions(con, user.user_id)
    return user


def _active_admins(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select count(*) from web_user where role = 'admin' and is_active").fetchone()[0]


def has_active_admin(con: duckdb.DuckDBPyConnection) -> bool:
    """Return True if at least one active administrator exists."""
    return _active_admins(con) > 0


# Sessions ------------------------------------------------------------------------------------

def token_hash(token: str) -> str:
    """Return the sha256 hex of a session token (what the database stores)."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def create_session(con: duckdb.DuckDBPyConnection, user: User, *, ip: str | None = None,
                   user_agent: str | None = None, now: datetime | None = None) -> str:
    """Start a session for `user`; return the random token to put in the cookie."""
    now = now or datetime.now()
    token = secrets.token_urlsafe(32)
    con.execute("""insert into web_session (session_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
                   values (?, ?, ?, ?, ?, ?, ?)""",
                [token_hash(token), user.user_id, now, now, now + SESSION_LIFETIME, ip, (user_agent or "")[:300]])
    return token


def session_user(con: duckdb.DuckDBPyConnection, token: str | None, *, now: datetime | None = None) -> User | None:
    """Return the active user of a valid, unexpired session token, or None. Refreshes the idle timer."""
    if not token or len(token) > 200:
        return None
    now = now or datetime.now()
    row = con.execute(f"""select s.last_seen_at, s.expires_at, u.*
                          from web_session s
                          join (select {_USER_COLUMNS} from web_user) u using (user_id)
                          where s.session_hash = ?""", [token_hash(token)]).fetchone()
    if row is None:
        return None
    last_seen, expires, *user_row = row
    user = _user(user_row)
    if not user.is_active or now >= expires or now - last_seen >= SESSION_IDLE:
        end_session(con, token)
        return None
    if now - last_seen > timedelta(minutes=1):
        try:
            con.execute("update web_session set last_seen_at = ? where session_hash = ?", [now, token_hash(token)])
        except _transaction_error():
            pass  # a parallel request of the same session refreshed it
    return user


def end_session(con: duckdb.DuckDBPyConnection, token: str | None) -> None:
    """Delete the session of `token` (logout); nothing happens for an unknown token."""
    if token:
        try:
            con.execute("delete from web_session where session_hash = ?", [token_hash(token)])
        except _transaction_error():
            pass


def _transaction_error() -> type[Exception]:
    import duckdb

    return duckdb.TransactionException


def end_user_sessions(con: duckdb.DuckDBPyConnection, user_id: int) -> None:
    """Delete every session of a user (after a password change or when disabled)."""
    con.execute("delete from web_session where user_id = ?", [user_id])


def purge_expired(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> int:
    """Delete expired sessions and login attempts older than a day; return the sessions deleted."""
    now = now or datetime.now()
    n = con.execute("select count(*) from web_session where expires_at <= ? or last_seen_at <= ?",
                    [now, now - SESSION_IDLE]).fetchone()[0]
    con.execute("delete from web_session where expires_at <= ? or last_seen_at <= ?", [now, now - SESSION_IDLE])
    con.execute("delete from web_login_attempt where attempted_at < ?", [now - timedelta(days=1)])
    return n


# Login with throttling -----------------------------------------------------------------------

def is_throttled(con: duckdb.DuckDBPyConnection, username: str, ip: str | None, now: datetime | None = None) -> bool:
    """Return True if the user name or the address has too many failed logins within THROTTLE_WINDOW."""
    now = now or datetime.now()
    since = now - THROTTLE_WINDOW
    by_user, by_ip = con.execute(
        """select count(*) filter (where username = ?), count(*) filter (where ip = ?)
           from web_login_attempt where not success and attempted_at > ?""",
        [normalise_username(username), ip, since]).fetchone()
    return by_user >= MAX_FAILURES_PER_USER or (ip is not None and by_ip >= MAX_FAILURES_PER_IP)


def login(con: duckdb.DuckDBPyConnection, username: str, password: str, *, ip: str | None = None,
          user_agent: str | None = None, now: datetime | None = None) -> LoginOutcome:
    """Check credentials (with throttling) and start a session; every attempt is recorded."""
    now = now or datetime.now()
    name = normalise_username(username)[:100]
    if is_throttled(con, name, ip, now):
        # not counted as a further failure: the lock ends THROTTLE_WINDOW after the last real attempt
        return LoginOutcome(None, None, "throttled")
    row = con.execute("select user_id, password_hash, is_active from web_user where username = ?", [name]).fetchone()
    ok = verify_password(row[1] if row else _argon2()[1], password or "")
    if not ok or row is None:
        _attempt(con, name, ip, False, now)
        return LoginOutcome(None, None, "bad-credentials")
    if not row[2]:
        _attempt(con, name, ip, False, now)
        return LoginOutcome(None, None, "disabled")
    _attempt(con, name, ip, True, now)
    if _argon2()[0].check_needs_rehash(row[1]):
        con.execute("update web_user set password_hash = ? where user_id = ?", [hash_password(password), row[0]])
    con.execute("update web_user set last_login_at = ? where user_id = ?", [now, row[0]])
    user = get_user_by_id(con, row[0])
    return LoginOutcome(user, create_session(con, user, ip=ip, user_agent=user_agent, now=now))


def _attempt(con: duckdb.DuckDBPyConnection, username: str, ip: str | None, success: bool, now: datetime) -> None:
    con.execute("insert into web_login_attempt (attempted_at, username, ip, success) values (?, ?, ?, ?)",
                [now, username, ip, success])
