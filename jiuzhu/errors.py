"""The error every package's own errors derive from.

A :class:`JiuzhuError` carries a message written for the person who caused it (a resident,
a caseworker or an operator); the CLI prints it as one line and exits non-zero, the bot
turns it into a polite reply.
"""


class JiuzhuError(Exception):
    """Base of every expected jiuzhu error.

    :param message: one sentence saying what went wrong and what was expected.
    :param exit_code: process exit status when the error ends a CLI command.
    """

    exit_code: int = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(JiuzhuError):
    """A setting is missing or invalid (environment, settings file, database URL)."""


class InvalidInput(JiuzhuError):
    """Input has not the expected shape; the message names the field and what was expected."""

    exit_code = 2
