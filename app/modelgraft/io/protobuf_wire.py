"""A small protobuf wire-format reader: just enough to walk a message without its ``.proto`` classes.

The reader never recurses and never allocates from a length it has not checked: each call
walks the fields of one message, flat, inside bounds the caller gives, and refuses a
length that runs past them. Nesting is the caller's business (it passes a field's span
back in), so a crafted file cannot blow the stack, and the total work is bounded by the
size of the input times the nesting depth the caller chooses to follow.

Only what the pre-load scans need is decoded: varints are skipped or read, length-delimited
fields (strings, bytes, sub-messages) are returned as spans, fixed32/fixed64 are skipped.
Groups (wire types 3 and 4, deprecated and unused by TensorFlow) are refused.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

__all__ = [
    "FIXED32",
    "FIXED64",
    "LEN",
    "VARINT",
    "WireFormatError",
    "iter_fields",
    "read_string",
    "read_varint",
    "submessages",
]

VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5
"""The wire types the reader accepts."""

_WIRE_NAMES = {VARINT: "varint", FIXED64: "fixed64", LEN: "length-delimited", FIXED32: "fixed32",
               3: "start-group", 4: "end-group"}
_MAX_FIELD_NUMBER = (1 << 29) - 1
_MAX_VARINT_BYTES = 10


class WireFormatError(ValueError):
    """Bytes that are not a well-formed protobuf message; ``str(err)`` says what is wrong."""


def read_varint(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """Read one base-128 varint.

    Args:
        data: The whole buffer.
        pos: Where the varint starts.
        end: Where the enclosing message ends; the varint must finish before it.

    Returns:
        The value and the position just after the varint.

    Raises:
        WireFormatError: the varint runs past ``end`` or is longer than 10 bytes.
    """
    value = 0
    shift = 0
    limit = end if end - pos < _MAX_VARINT_BYTES else pos + _MAX_VARINT_BYTES
    while pos < limit:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
    if pos >= end:
        raise WireFormatError("a varint runs past the end of its message")
    raise WireFormatError("a varint is longer than 10 bytes")


def iter_fields(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int, int, int]]:
    """Walk the fields of one message, without descending into sub-messages.

    Args:
        data: The whole buffer.
        start: Where the message starts.
        end: Where it ends (default: the end of ``data``).

    Yields:
        ``(field_number, wire_type, payload_start, payload_end)`` for every field, in order.
        For a length-delimited field the payload is its content; for a varint, fixed32 or
        fixed64 field it is the raw bytes of the value (see :func:`read_varint`).

    Raises:
        WireFormatError: a tag, varint or length is malformed or runs past ``end``, a field
            number is 0 or too large, or a group or unknown wire type appears.
    """
    end = len(data) if end is None else end
    if not 0 <= start <= end <= len(data):
        raise WireFormatError("a message lies outside its buffer")
    pos = start
    while pos < end:
        tag = data[pos]
        if tag < 0x80:  # one-byte tags (fields 1 to 15) are the common case
            pos += 1
        else:
            tag, pos = read_varint(data, pos, end)
        number, wire = tag >> 3, tag & 7
        if number == 0 or number > _MAX_FIELD_NUMBER:
            raise WireFormatError(f"a field has the invalid number {number}")
        if wire == LEN:
            length = data[pos] if pos < end else 0x80  # at the end: read_varint says so
            if length < 0x80:
                pos += 1
            else:
                length, pos = read_varint(data, pos, end)
            if length > end - pos:
                raise WireFormatError(
                    f"field {number} says it holds {length} bytes but only {end - pos} remain")
            stop = pos + length
        elif wire == VARINT:
            stop = pos + 1 if pos < end and data[pos] < 0x80 else read_varint(data, pos, end)[1]
        elif wire in (FIXED64, FIXED32):
            stop = pos + (8 if wire == FIXED64 else 4)
            if stop > end:
                raise WireFormatError(f"fixed-size field {number} runs past the end of its message")
        else:
            kind = _WIRE_NAMES.get(wire, f"unknown ({wire})")
            raise WireFormatError(f"field {number} has the unsupported wire type {kind}")
        yield number, wire, pos, stop
        pos = stop


def submessages(data: bytes, start: int, end: int,
                numbers: Collection[int]) -> Iterator[tuple[int, int, int]]:
    """The length-delimited fields of one message whose numbers are wanted; the rest are skipped.

    Args:
        data: The whole buffer.
        start: Where the message starts.
        end: Where it ends.
        numbers: The field numbers to return; each must be length-delimited when present.

    Yields:
        ``(field_number, payload_start, payload_end)`` in order.

    Raises:
        WireFormatError: the message is malformed, or a wanted field has another wire type.
    """
    for number, wire, a, b in iter_fields(data, start, end):
        if number in numbers:
            if wire != LEN:
                raise WireFormatError(
                    f"field {number} is {_WIRE_NAMES[wire]} where a length-delimited field belongs")
            yield number, a, b


def read_string(data: bytes, start: int, end: int) -> str:
    """Decode a string field (protobuf strings are UTF-8).

    Args:
        data: The whole buffer.
        start: Where the string starts.
        end: Where it ends.

    Returns:
        The text.

    Raises:
        WireFormatError: the bytes are not UTF-8.
    """
    try:
        return data[start:end].decode("utf-8")
    except UnicodeDecodeError:
        raise WireFormatError("a string field is not valid UTF-8") from None
