"""What a staff action can run into; the console and the API map each to one status."""

from __future__ import annotations

from jiuzhu.errors import JiuzhuError


class StaffError(JiuzhuError):
    """Base of staff errors; ``status`` is the HTTP status the API answers with."""

    status = 400


class NotSignedIn(StaffError):
    """No session, an ended session, or a disabled account."""

    status = 401


class Forbidden(StaffError):
    """Outside the staff member's jurisdiction or role (an audit row is written first)."""

    status = 403


class NotFound(StaffError):
    """No such case, person, document or referral."""

    status = 404


class Conflict(StaffError):
    """The case changed under the action: taken by someone else, already closed..."""

    status = 409


class Throttled(StaffError):
    """Too many login attempts; ``retry_after`` seconds until the next one is allowed."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
