"""What a store reports when two people did the same thing at once."""


class AlreadyStored(Exception):
    """The same thing (by its unique key) was stored meanwhile by another process; the one
    stored first stands."""
