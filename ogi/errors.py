"""The command line's own errors: a one-line message and an exit code, never a traceback."""


class CliError(Exception):
    """A user-facing failure; ``str(err)`` is the whole message."""

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
