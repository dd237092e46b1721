"""The rules of the domain. Services take a session and plain values and return models or data.

They raise :class:`ServiceError` subclasses for refusals a user should read.
"""


class ServiceError(Exception):
    """A refusal with a message meant for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    """The record does not exist in this team."""


class Forbidden(ServiceError):
    """The user may not do this."""


class Invalid(ServiceError):
    """The request is not possible in the record's current state."""
