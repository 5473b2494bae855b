"""Opaque page tokens and page sizes."""

from __future__ import annotations

import base64

from payrisk_runtime import InvalidArgument

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def page_size(requested: int, field: str = "page_size") -> int:
    if requested < 0:
        raise InvalidArgument.field(field, "must not be negative")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode_token(position: str) -> str:
    return base64.urlsafe_b64encode(f"v1:{position}".encode()).decode()


def decode_token(token: str, field: str = "page_token") -> str:
    """The position a token stands for; empty for the first page."""
    if not token:
        return ""
    try:
        version, _, position = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        version, position = "", ""
    if version != "v1" or not position:
        raise InvalidArgument.field(field, "is not a token this service issued")
    return position
