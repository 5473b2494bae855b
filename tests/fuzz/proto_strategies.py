"""Hypothesis strategies for any protobuf message, built from its descriptor.

Values are chosen to find trouble: empty and enormous strings, control characters and non-BMP text, the extremes
of every integer type, NaN and infinities, enum numbers nobody defined, deep nesting and long repeated fields.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

F = FieldDescriptor
_INTS = {
    F.TYPE_INT32: (-(2**31), 2**31 - 1), F.TYPE_SINT32: (-(2**31), 2**31 - 1), F.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    F.TYPE_INT64: (-(2**63), 2**63 - 1), F.TYPE_SINT64: (-(2**63), 2**63 - 1), F.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    F.TYPE_UINT32: (0, 2**32 - 1), F.TYPE_FIXED32: (0, 2**32 - 1),
    F.TYPE_UINT64: (0, 2**64 - 1), F.TYPE_FIXED64: (0, 2**64 - 1),
}  # fmt: skip


def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    edges = st.sampled_from([low, high, 0, -1 if low < 0 else 1, 1])
    return st.one_of(edges, st.integers(low, high))


_TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "CNY", "m-1", "\x00", "../../etc/passwd", "' OR 1=1 --", "🙂" * 3, "x" * 5000]),
)


def _scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    if field.type in _INTS:
        return _integers(*_INTS[field.type])
    if field.type in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        return st.floats(allow_nan=True, allow_infinity=True, width=64 if field.type == F.TYPE_DOUBLE else 32)
    if field.type == F.TYPE_BOOL:
        return st.booleans()
    if field.type == F.TYPE_STRING:
        return _TEXT
    if field.type == F.TYPE_BYTES:
        return st.binary(max_size=64)
    if field.type == F.TYPE_ENUM:
        # Open enums accept numbers that have no name; servers must reject them, not crash.
        return st.one_of(st.sampled_from([v.number for v in field.enum_type.values]), st.integers(-5, 100))
    raise TypeError(f"no strategy for field type {field.type}")


def _value(field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    if field.type == F.TYPE_MESSAGE:
        return messages(field.message_type, depth + 1)
    return _scalar(field)


@st.composite
def _message(draw: st.DrawFn, descriptor: Descriptor, depth: int) -> Message:
    from google.protobuf import message_factory

    message = message_factory.GetMessageClass(descriptor)()
    for field in descriptor.fields:
        if depth > 3 and field.type == F.TYPE_MESSAGE:
            continue
        if not draw(st.booleans()):
            continue
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            key_field, value_field = (
                field.message_type.fields_by_name["key"],
                field.message_type.fields_by_name["value"],
            )
            entries = draw(st.dictionaries(_scalar(key_field), _value(value_field, depth), max_size=3))
            container = getattr(message, field.name)
            for key, value in entries.items():
                if value_field.type == F.TYPE_MESSAGE:
                    container[key].CopyFrom(value)
                else:
                    container[key] = value
        elif field.label == F.LABEL_REPEATED:
            values = draw(st.lists(_value(field, depth), max_size=4 if depth else 12))
            if field.type == F.TYPE_MESSAGE:
                getattr(message, field.name).extend(values)
            else:
                getattr(message, field.name).extend(values)
        elif field.type == F.TYPE_MESSAGE:
            getattr(message, field.name).CopyFrom(draw(messages(field.message_type, depth + 1)))
        else:
            setattr(message, field.name, draw(_scalar(field)))
    return message


def messages(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[Message]:
    return _message(descriptor, depth)
