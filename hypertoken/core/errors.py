"""Exceptions raised by the action core facade.

Every failure of an action raises a :class:`CoreError` subclass naming the action, the
object and the reason; the world is unchanged afterwards (a failed batch is rolled
back as a whole).
"""

from __future__ import annotations


class CoreError(Exception):
    """An action was refused. ``op`` is the action name, ``index`` its place in the batch."""

    code: str = "error"

    def __init__(
        self,
        message: str,
        *,
        op: str = "",
        index: int = 0,
        obj: str = "",
        token: int = 0,
        want: int = 0,
        have: int = 0,
    ) -> None:
        super().__init__(message)
        self.op = op
        self.index = index
        self.obj = obj
        self.token = token
        self.want = want
        self.have = have


class UnknownActionError(CoreError):
    """The action code or name does not exist."""

    code = "unknown_action"


class MalformedActionError(CoreError):
    """The encoded arguments do not match the action's layout."""

    code = "malformed"


class ActionTypeError(CoreError, TypeError):
    """An argument has the wrong type or an invalid enumerated value."""

    code = "bad_type"


class NotFoundError(CoreError, LookupError):
    """A named stack, zone, source or agent does not exist."""

    code = "not_found"


class ExistsError(CoreError):
    """The name is already taken."""

    code = "exists"


class NoSuchTokenError(CoreError, LookupError):
    """The token id was never created."""

    code = "no_token"


class TokenConsumedError(CoreError):
    """The token was merged or split and no longer takes part in actions."""

    code = "consumed"


class TokenNotLooseError(CoreError):
    """The action needs a loose token, but it is somewhere (take it out first)."""

    code = "not_loose"


class TokenNotHereError(CoreError):
    """The token is not where the action expects it."""

    code = "not_here"


class OverdrawError(CoreError):
    """More tokens were asked for than the container holds."""

    code = "overdraw"


class OutOfRangeError(CoreError, IndexError):
    """A position or index is outside the container."""

    code = "out_of_range"


class LockedError(CoreError):
    """The zone is locked."""

    code = "locked"


class NotEmptyError(CoreError):
    """The object still holds tokens."""

    code = "not_empty"


class InsufficientError(CoreError):
    """An agent lacks the resource amount."""

    code = "insufficient"


class BadStateError(CoreError):
    """The game or object is not in a state that allows the action."""

    code = "bad_state"


class BadArgumentError(CoreError, ValueError):
    """An argument has the right type but an unacceptable value."""

    code = "bad_argument"


class CoreMemoryError(CoreError, MemoryError):
    """The world outgrew the core's arena."""

    code = "out_of_memory"


class ResultOverflowError(CoreError):
    """The batch's results do not fit the result buffer; split the batch."""

    code = "result_overflow"


class CoreTrapError(CoreError):
    """The core trapped: a bug in the core. Restore a snapshot before continuing."""

    code = "trap"


class SnapshotError(CoreError, ValueError):
    """The bytes are not a snapshot this core can restore."""

    code = "snapshot"


ERRORS: dict[str, type[CoreError]] = {
    cls.code: cls
    for cls in (
        UnknownActionError,
        MalformedActionError,
        ActionTypeError,
        NotFoundError,
        ExistsError,
        NoSuchTokenError,
        TokenConsumedError,
        TokenNotLooseError,
        TokenNotHereError,
        OverdrawError,
        OutOfRangeError,
        LockedError,
        NotEmptyError,
        InsufficientError,
        BadStateError,
        BadArgumentError,
        CoreMemoryError,
        ResultOverflowError,
    )
}
