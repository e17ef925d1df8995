"""Errors that mean "the user can fix this": printed as one clear line, never a traceback."""


class UserError(Exception):
    """A mistake in input or configuration that the user can correct."""
