"""How payrisk errors become statuses that clients can act on."""

from __future__ import annotations

import grpc
from google.rpc import code_pb2, error_details_pb2
from payrisk_runtime import FieldViolation, InvalidArgument, NotFound, PayriskError


def test_invalid_argument_names_every_bad_field_in_a_bad_request_detail():
    error = InvalidArgument([FieldViolation("a.b", "is required"), FieldViolation("c", "must be positive")])
    status = error.to_status()
    assert status.code == code_pb2.INVALID_ARGUMENT
    assert status.message == "a.b: is required (and 1 more)"
    detail = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(detail)
    assert [(v.field, v.description) for v in detail.field_violations] == [
        ("a.b", "is required"),
        ("c", "must be positive"),
    ]


def test_public_errors_keep_their_message_and_internal_ones_hide_it():
    assert NotFound("transaction t-1 not found").to_status().message == "transaction t-1 not found"
    hidden = PayriskError("connection string postgres://secret@db").to_status()
    assert hidden.code == grpc.StatusCode.INTERNAL.value[0]
    assert "secret" not in hidden.message
