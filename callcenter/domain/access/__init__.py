"""Who may do what, one module per feature. Each check answers None (allowed) or the rule
that refuses, in words the person reads; the services raise it (services/errors.require),
and the API, the CLI and the console reach the same checks through them. A ticket's
commands by role are `commands`; who sees a reporter's identity is domain/privacy.py."""
