"""Who may do what: web users and roles (`auth`: passwords, sessions, login throttling) and the audit log
(`audit`: every change recorded with who, when, from where). Used by the web app and the CLI's `user` verb."""
