"""The protobuf wire-format reader: round trips, real protobuf bytes, and every malformed case refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from modelgraft.io.protobuf_wire import (
    FIXED32,
    FIXED64,
    LEN,
    VARINT,
    WireFormatError,
    iter_fields,
    read_string,
    read_varint,
    submessages,
)


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, wire: int, payload: bytes | int) -> bytes:
    tag = varint(number << 3 | wire)
    if wire == VARINT:
        return tag + varint(payload)
    if wire == LEN:
        return tag + varint(len(payload)) + payload
    return tag + payload


fields = st.lists(st.one_of(
    st.tuples(st.integers(1, (1 << 29) - 1), st.just(VARINT), st.integers(0, (1 << 64) - 1)),
    st.tuples(st.integers(1, 2000), st.just(LEN), st.binary(max_size=300)),
    st.tuples(st.integers(1, 50), st.just(FIXED32), st.binary(min_size=4, max_size=4)),
    st.tuples(st.integers(1, 50), st.just(FIXED64), st.binary(min_size=8, max_size=8)),
), max_size=20)


@settings(max_examples=150, deadline=None)
@given(fields=fields, prefix=st.binary(max_size=5))
def test_fields_round_trip_inside_a_larger_buffer(fields, prefix):
    message = b"".join(field(*f) for f in fields)
    data = prefix + message + b"\xff\xff"  # bytes around the message must not be read
    decoded = list(iter_fields(data, len(prefix), len(prefix) + len(message)))
    assert [(n, w) for n, w, _, _ in decoded] == [(n, w) for n, w, _ in fields]
    for (number, wire, payload), (_, _, a, b) in zip(fields, decoded):
        if wire == VARINT:
            assert read_varint(data, a, b) == (payload, b)
        else:
            assert data[a:b] == payload


def test_reads_bytes_written_by_the_real_protobuf_library():
    from tensorflow.core.framework import node_def_pb2

    node = node_def_pb2.NodeDef(name="call", op="StatefulPartitionedCall", input=["x", "^y"])
    node.attr["f"].func.name = "__inference_fn_7"
    node.attr["Tout"].list.type.extend([1, 2])
    node.attr["alpha"].f = 0.5
    node.attr["seed"].i = -3
    data = node.SerializeToString()
    strings = [read_string(data, a, b) for _, a, b in submessages(data, 0, len(data), (1, 2, 3))]
    assert strings == ["call", "StatefulPartitionedCall", "x", "^y"]
    values = {}
    for _, a, b in submessages(data, 0, len(data), (5,)):  # map entries: 1 key, 2 AttrValue
        entry = {n: (u, v) for n, _, u, v in iter_fields(data, a, b)}
        values[read_string(data, *entry[1])] = entry[2]
    funcs = [read_string(data, s, t) for _, p, q in submessages(data, *values["f"], (10,))
             for _, s, t in submessages(data, p, q, (1,))]
    assert funcs == ["__inference_fn_7"]
    seed = [read_varint(data, a, b)[0] for n, _, a, b in iter_fields(data, *values["seed"]) if n == 3]
    assert seed == [(1 << 64) - 3]  # int64 -3 as a varint
    alpha = [(w, b - a) for n, w, a, b in iter_fields(data, *values["alpha"]) if n == 4]
    assert alpha == [(FIXED32, 4)]


@pytest.mark.parametrize("data, message", [
    (b"\x08" + b"\xff" * 10 + b"\x01", "a varint is longer than 10 bytes"),
    (b"\x08\xff\xff", "a varint runs past the end of its message"),
    (b"\x12\x05abc", "field 2 says it holds 5 bytes but only 3 remain"),
    (b"\x12\xff\xff\xff\xff\x07abc", "field 2 says it holds 2147483647 bytes but only 3 remain"),
    (b"\x12", "a varint runs past the end of its message"),
    (b"\x00\x01", "a field has the invalid number 0"),
    (b"\x80\x80\x80\x80\x10\x00", "a field has the invalid number 536870912"),
    (b"\x0b\x0c", "field 1 has the unsupported wire type start-group"),
    (b"\x0c", "field 1 has the unsupported wire type end-group"),
    (b"\x0e", "field 1 has the unsupported wire type unknown [(]6[)]"),
    (b"\x0f", "field 1 has the unsupported wire type unknown [(]7[)]"),
    (b"\x0d\x01\x02", "fixed-size field 1 runs past the end of its message"),
    (b"\x09" + b"\x00" * 7, "fixed-size field 1 runs past the end of its message"),
])
def test_malformed_messages_are_refused_with_a_reason(data, message):
    with pytest.raises(WireFormatError, match=f"^{message}$"):
        list(iter_fields(data))


def test_the_largest_field_number_is_accepted():
    assert [n for n, *_ in iter_fields(b"\xf8\xff\xff\xff\x0f\x00")] == [(1 << 29) - 1]


def test_a_length_inside_a_submessage_cannot_reach_past_it():
    inner = b"\x0a\x10" + b"x" * 4  # says 16 bytes, the submessage holds 4
    data = field(1, LEN, inner) + b"y" * 40
    _, _, a, b = next(iter_fields(data))
    with pytest.raises(WireFormatError, match="field 1 says it holds 16 bytes but only 4 remain"):
        list(iter_fields(data, a, b))


def test_submessages_skips_other_fields_and_checks_the_wanted_wire_type():
    data = field(1, VARINT, 5) + field(2, LEN, b"ab") + field(3, FIXED32, b"abcd") + field(2, LEN, b"")
    assert [(n, data[a:b]) for n, a, b in submessages(data, 0, len(data), (2,))] == [(2, b"ab"), (2, b"")]
    with pytest.raises(WireFormatError, match="^field 1 is varint where a length-delimited field belongs$"):
        list(submessages(data, 0, len(data), (1, 2)))


def test_bounds_outside_the_buffer_and_bad_utf8_are_refused():
    with pytest.raises(WireFormatError, match="^a message lies outside its buffer$"):
        list(iter_fields(b"abc", 2, 5))
    with pytest.raises(WireFormatError, match="^a string field is not valid UTF-8$"):
        read_string(b"\xff\xfe", 0, 2)
    assert read_string("größe".encode(), 0, 7) == "größe"


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=512))
def test_random_bytes_either_parse_or_raise_wire_format_error(data):
    try:
        spans = list(iter_fields(data))
    except WireFormatError:
        return
    pos = 0
    for _, _, a, b in spans:
        assert pos < a <= b <= len(data)
        pos = b
    assert pos == len(data)
