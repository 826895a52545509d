"""Named errors. Every message names the member, id or field at fault, so a person can fix
the input without reading code. The command line turns any of these into exit status 2."""
from __future__ import annotations


class MatchingError(Exception):
    """Base class for every error the matching library raises on purpose."""

    def __str__(self) -> str:  # "DuplicateIdError: member id 'a' appears twice ..."
        return f"{type(self).__name__}: {super().__str__()}"


class InputError(MatchingError, ValueError):
    """The input cannot be used as it is."""


class InputFileError(InputError):
    """The input file is missing, unreadable or not JSON."""


class SchemaError(InputError):
    """A field is missing, has the wrong type or an out-of-range value."""


class NotFiniteError(InputError):
    """A number is NaN or infinite."""


class DuplicateIdError(InputError):
    """Two members, asks or offers share an id."""


class UnknownMemberError(InputError):
    """The history names a member who is not in the input."""


class GroupSizeError(InputError):
    """The requested group sizes are impossible (for example --min larger than --max)."""


class SolverError(MatchingError, RuntimeError):
    """A solver did not reach an optimal answer."""
