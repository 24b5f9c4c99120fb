"""`klimatspend user`: web-app users, roles and organisations (add, list, orgs, set-role, disable, enable,
set-password)."""

from __future__ import annotations

import getpass
import sys

from ..access import auth
from ..config import resolve_db_path
from ..errors import UsageError
from . import add_db_option, print_json
from ._output import print_table


def register(sub) -> None:
    """Add the `user` verb and its actions."""
    p = sub.add_parser("user", help="web-app users and roles (uploader, reviewer, admin)",
                       description="Manage who may log in to `klimatspend serve`. Roles: uploader (finance: uploads "
                                   "ledgers, manages own batches), reviewer (strategist: dashboards, mappings, runs, "
                                   "reports), admin (everything, users, publishing runs). Stop the web server first: "
                                   "it holds the database while it runs (or manage users on its Users page).")
    acts = p.add_subparsers(dest="action", metavar="ACTION")
    add = acts.add_parser("add", help="create a user; the password is asked for (or read from stdin)")
    add.add_argument("name", metavar="NAME", help="login name (letters a-z, digits, . _ @ -)")
    add.add_argument("--role", required=True, choices=auth.ROLES, help="uploader, reviewer or admin")
    add.add_argument("--display-name", metavar="TEXT", help="full name shown in the app")
    add.add_argument("--org", action="append", default=[], metavar="ID", dest="orgs",
                     help="an organisation the user sees (repeatable; e.g. a municipal company's finance staff); "
                          "without --org the user sees every organisation (group-level staff)")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input instead of a prompt")
    add_db_option(add)
    lst = acts.add_parser("list", help="list users with role, status and last login")
    add_db_option(lst)
    lst.add_argument("--json", action="store_true", help="print as JSON")
    og = acts.add_parser("orgs", help="change which organisations a user sees (ends the user's sessions)")
    og.add_argument("name", metavar="NAME")
    g = og.add_mutually_exclusive_group(required=True)
    g.add_argument("--org", action="append", metavar="ID", dest="orgs", help="an organisation the user sees "
                                                                              "(repeatable)")
    g.add_argument("--all", action="store_true", help="the user sees every organisation")
    add_db_option(og)
    sr = acts.add_parser("set-role", help="change a user's role")
    sr.add_argument("name", metavar="NAME")
    sr.add_argument("role", choices=auth.ROLES, metavar="ROLE", help="uploader, reviewer or admin")
    add_db_option(sr)
    for verb, text in (("disable", "stop a user from logging in (ends the user's sessions)"),
                       ("enable", "allow a disabled user to log in again")):
        d = acts.add_parser(verb, help=text)
        d.add_argument("name", metavar="NAME")
        add_db_option(d)
    sp = acts.add_parser("set-password", help="set a new password (asked for, or read from stdin)")
    sp.add_argument("name", metavar="NAME")
    sp.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add_db_option(sp)
    p.set_defaults(func=run)


def read_password(from_stdin: bool) -> str:
    """Return a new password: the first line of stdin, or typed twice at a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: standard input was empty; pipe the password, e.g. "
                             "`printf '%s\\n' \"$PW\" | klimatspend user add NAME --role admin --password-stdin`")
        return password
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for the password; use --password-stdin")
    first = getpass.getpass("Password (at least %d characters): " % auth.MIN_PASSWORD_LENGTH)
    second = getpass.getpass("Repeat the password: ")
    if first != second:
        raise UsageError("the two passwords differ; nothing was changed")
    return first


def run(args) -> int:
    """Carry out one user action; changes are written to the audit log as 'cli:<os user>'."""
    from .. import store
    from ..access import audit

    if not args.action:
        raise UsageError("klimatspend user: choose add, list, orgs, set-role, disable, enable or set-password "
                         "(see --help)")
    password = read_password(args.password_stdin) if args.action in ("add", "set-password") else None
    con = store.connect(resolve_db_path(args.db))
    actor = audit.cli_actor()
    try:
        if args.action == "list":
            users = auth.list_users(con)
            if args.json:
                print_json([{"username": u.username, "display_name": u.display_name, "role": u.role,
                             "is_active": u.is_active, "created_at": u.created_at,
                             "last_login_at": u.last_login_at,
                             "organisations": list(u.organisations) if u.organisations else None} for u in users])
            elif not users:
                print("no users yet; add the first administrator with `klimatspend user add NAME --role admin`")
            else:
                print_table(["user", "name", "role", "organisations", "active", "created", "last login"],
                            [[u.username, u.display_name or "", u.role,
                              ", ".join(u.organisations) if u.organisations else "(all)",
                              "yes" if u.is_active else "no",
                              f"{u.created_at:%Y-%m-%d}" if u.created_at else "",
                              f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never"] for u in users])
            return 0
        if args.action == "add":
            user = auth.add_user(con, args.name, password, args.role, display_name=args.display_name,
                                 created_by=actor, organisations=args.orgs)
            audit.record(con, "user.add", actor=actor, object_kind="user", object_id=user.username,
                         detail={"role": user.role, "display_name": user.display_name,
                                 "organisations": list(user.organisations) if user.organisations else None},
                         source="cli")
            print(f"user {user.username} added as {user.role}, sees "
                  + (", ".join(user.organisations) if user.organisations else "every organisation"))
        elif args.action == "orgs":
            user, old = auth.set_organisations(con, args.name, None if args.all else args.orgs)
            audit.record(con, "user.organisations", actor=actor, object_kind="user", object_id=user.username,
                         detail={"old": list(old) if old else None,
                                 "new": list(user.organisations) if user.organisations else None}, source="cli")
            print(f"user {user.username} sees "
                  + (", ".join(user.organisations) if user.organisations else "every organisation")
                  + "; the user's sessions were ended")
        elif args.action == "set-role":
            user, old = auth.set_role(con, args.name, args.role)
            audit.record(con, "user.role", actor=actor, object_kind="user", object_id=user.username,
                         detail={"old_role": old, "new_role": user.role}, source="cli")
            print(f"user {user.username}: role {old} -> {user.role}")
        elif args.action in ("disable", "enable"):
            user = auth.set_active(con, args.name, args.action == "enable")
            audit.record(con, f"user.{args.action}", actor=actor, object_kind="user", object_id=user.username,
                         source="cli")
            print(f"user {user.username} {args.action}d")
        elif args.action == "set-password":
            user = auth.set_password(con, args.name, password)
            audit.record(con, "user.password", actor=actor, object_kind="user", object_id=user.username,
                         source="cli")
            print(f"user {user.username}: password changed; the user's sessions were ended")
        return 0
    finally:
        con.close()
