"""Why the chaincode refuses a request.

The peer hands a refusal to the client as text only, so each message starts with a stable code in brackets
(`[ALREADY_EXISTS] freeze F-1 already exists`): clients map the code, people read the rest.
"""

from __future__ import annotations


class ChaincodeError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(f"[{self.code}] {message}")
        self.detail = message


class InvalidArgument(ChaincodeError):
    code = "INVALID_ARGUMENT"

    def __init__(self, argument: str, problems: list[str]) -> None:
        super().__init__(f"{argument}: " + "; ".join(problems))
        self.problems = problems


class AlreadyExists(ChaincodeError):
    code = "ALREADY_EXISTS"


class NotFound(ChaincodeError):
    code = "NOT_FOUND"


class FailedPrecondition(ChaincodeError):
    code = "FAILED_PRECONDITION"
