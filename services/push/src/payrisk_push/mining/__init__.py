"""Mining offline bills and their payment environment into topics, per-tag topic mixes and push objects."""

from .environment import Environment, environment_of
from .model import PushModel
from .text import bill_tokens

__all__ = ["Environment", "PushModel", "bill_tokens", "environment_of"]
