"""A line-protocol parser for the InfluxDB 3 stand-in, written from the published grammar.

It follows the rules of InfluxDB 3's own parser (the Rust ``influxdb_line_protocol`` crate):

- lines split on ``\\n`` except inside a quoted string field value; a ``#`` line is a comment;
- measurement: backslash escapes comma, space and backslash; it cannot be empty;
- tag keys/values and field keys: backslash escapes comma, equals sign, space and backslash,
  any other escaped character keeps its backslash; none may be empty or end with a
  backslash; tabs and newlines end a token;
- field values: ``1i`` integer, ``1u`` unsigned, ``1``/``1.5``/``1e3`` float, ``"..."``
  string (only ``\\"`` and ``\\\\`` are escapes, at most 64 KiB), ``t``/``true``/... booleans;
- optional integer timestamp, then nothing else.

Every error is a ``LineError`` carrying InfluxDB's wording, so the stand-in's 400 bodies look
like the real server's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

MAX_STRING_BYTES: Final = 65_536
FieldValue = int | float | str | bool


class LineError(ValueError):
    """A line that InfluxDB would refuse, with the server's message."""


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One parsed line: measurement, tags, typed fields and optional timestamp."""

    measurement: str
    tags: tuple[tuple[str, str], ...]
    fields: tuple[tuple[str, str, FieldValue], ...]  # (key, kind, value)
    timestamp: int | None


def split_lines(body: str) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, text) of each physical line, quote- and escape-aware."""
    number = 1
    pending: list[str] = []
    state = _SplitState()
    for piece in body.split("\n"):
        plain = '"' not in piece and "\\" not in piece
        if not pending and (plain or _FAST_LINE.fullmatch(piece)):
            yield number, piece  # a whole well-formed line: no string left open
            number += 1
            continue
        pending.append(piece)
        if state.scan(piece):  # the newline after this piece is inside a string or escaped
            continue
        yield number, "\n".join(pending)
        number += 1
        pending = []
        state = _SplitState()
    if pending:
        yield number, "\n".join(pending)


class _SplitState:
    """Scanner state of InfluxDB's line splitter, carried across newline-separated pieces."""

    def __init__(self) -> None:
        self.quoted = self.in_fields = self.in_escape = False
        self.equals = self.commas = 0

    def scan(self, piece: str) -> bool:
        """Consume ``piece``; return True when the newline that follows it is not a line end."""
        for char in piece:
            if self.in_escape:
                self.in_escape = False
            elif char == "\\":
                self.in_escape = True
            elif char == " ":
                self.in_fields = True
            elif self.in_fields:
                if not self.quoted and char == "=":
                    self.equals += 1
                elif not self.quoted and char == ",":
                    self.commas += 1
                elif char == '"' and self.equals > self.commas:
                    self.quoted = not self.quoted
        if self.in_escape:
            self.in_escape = False  # the escape swallows the newline itself
            return True
        return self.quoted


class _Cursor:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def rest(self) -> str:
        return self.text[self.pos :]


_BOUNDARY: Final = frozenset(" \t\n")


_RUNS: dict[frozenset[str], re.Pattern[str]] = {}


def _run_pattern(stops: frozenset[str]) -> re.Pattern[str]:
    pattern = _RUNS.get(stops)
    if pattern is None:
        banned = re.escape("".join(sorted(stops | _BOUNDARY | {"\\"})))
        pattern = _RUNS[stops] = re.compile(f"[^{banned}]+")
    return pattern


def _token(cur: _Cursor, stops: frozenset[str], escapable: frozenset[str], what: str) -> str:
    out: list[str] = []
    run = _run_pattern(stops)
    while cur.pos < len(cur.text):
        match = run.match(cur.text, cur.pos)
        if match:
            out.append(match.group())
            cur.pos = match.end()
            continue
        char = cur.text[cur.pos]
        if char == "\\":
            nxt = cur.text[cur.pos + 1] if cur.pos + 1 < len(cur.text) else ""
            if nxt and nxt in escapable:
                out.append(nxt)
                cur.pos += 2
                continue
            out.append("\\")
            cur.pos += 1
            continue
        if char in stops or char in _BOUNDARY:
            break
        out.append(char)
        cur.pos += 1
    value = "".join(out)
    if value.endswith("\\"):
        raise LineError(
            "Measurements, tag keys and values, and field keys may not end with a backslash"
        )
    if len(value.encode()) > MAX_STRING_BYTES:
        raise LineError("String is greater than 64KB")
    return value


def _context(text: str) -> str:
    return text if len(text) <= 10 else text[:10] + "..."


_MEAS_ESC: Final = frozenset(", \\")
_KEY_ESC: Final = frozenset(",= \\")


_PLAIN: Final = r'[^,=\s\\"]+'
_STRING: Final = r'"[^"\\]*(?:\\[\s\S][^"\\]*)*"'
_FIELD: Final = rf'{_PLAIN}=(?:{_STRING}|[^,\s"\\]+)'
_FAST_LINE: Final = re.compile(
    rf'([^,\s\\"]+)((?:,{_PLAIN}=[^,\s\\"]+)*) ({_FIELD}(?:,{_FIELD})*)(?: (-?\d+))?'
)
_FAST_FIELD: Final = re.compile(rf'({_PLAIN})=({_STRING}|[^,\s"\\]+)')
_UNESCAPE: Final = re.compile(r'\\(["\\])')
_FLOAT: Final = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?", re.ASCII)


def _group_one(match: re.Match[str]) -> str:
    return match.group(1)


def _fast(text: str) -> ParsedLine | None:
    # Lines escaping only inside strings (nearly all) parse with regexes; others go slow.
    match = _FAST_LINE.fullmatch(text)
    if match is None:
        return None
    measurement, tag_text, field_text, stamp = match.groups()
    tags = tuple(tuple(pair.split("=", 1)) for pair in tag_text[1:].split(",")) if tag_text else ()
    fields = []
    for key, raw in _FAST_FIELD.findall(field_text):
        if raw.startswith('"'):
            value = raw[1:-1]
            if "\\" in value:
                value = _UNESCAPE.sub(_group_one, value)
            if len(value.encode()) > MAX_STRING_BYTES:
                return None
            fields.append((key, "string", value))
        elif _FLOAT.fullmatch(raw):
            fields.append((key, "float", float(raw)))
        else:
            kind, number = _field_value(_Cursor(raw))
            fields.append((key, kind, number))
    if len({key for key, _ in tags}) != len(tags) or len({f[0] for f in fields}) != len(fields):
        return None
    timestamp = int(stamp) if stamp is not None else None
    if timestamp is not None and not -(2**63) <= timestamp < 2**63:
        return None
    return ParsedLine(measurement, tags, tuple(fields), timestamp)  # type: ignore[arg-type]


def parse_line(text: str) -> ParsedLine:
    """Return the parsed line, or raise LineError with InfluxDB's message."""
    fast = _fast(text)
    return fast if fast is not None else parse_slowly(text)


def parse_slowly(text: str) -> ParsedLine:
    """Return the parsed line by the character-level grammar (no regex fast path)."""
    cur = _Cursor(text)
    measurement = _token(cur, frozenset(","), _MEAS_ESC, "measurement")
    if not measurement or "\x00" in measurement:
        raise LineError("Invalid measurement was provided")
    tags: list[tuple[str, str]] = []
    if cur.peek() == ",":
        cur.pos += 1
        while True:
            key_start = cur.rest()
            key = _token(cur, frozenset("="), _KEY_ESC, "tag key")
            if not key:
                raise LineError(f"Expected tag key, got `{_context(key_start)}`")
            if cur.peek() != "=":
                raise LineError(
                    f"Tag set malformed: could not find equals sign in `{_context(key_start)}`"
                )
            cur.pos += 1
            value_start = cur.rest()
            value = _token(cur, frozenset(","), _KEY_ESC, "tag value")
            if not value:
                raise LineError(
                    "Expected tag value, got "
                    + (f"`{_context(value_start)}`" if value_start else "end of input")
                )
            if any(existing == key for existing, _ in tags):
                raise LineError(f"Must not contain duplicate tags, but `{key}` was repeated")
            tags.append((key, value))
            if cur.peek() == ",":
                cur.pos += 1
                continue
            break
    if cur.peek() != " ":
        rest = cur.rest()
        raise LineError(
            "Expected at least one space character, got "
            + (f"`{rest}`" if rest else "end of input")
        )
    while cur.peek() == " ":
        cur.pos += 1
    fields = _field_set(cur)
    timestamp: int | None = None
    if cur.peek() == " ":
        while cur.peek() == " ":
            cur.pos += 1
        timestamp = _timestamp(cur)
        while cur.peek() == " ":
            cur.pos += 1
    if cur.pos < len(text):
        raise LineError(
            f"Could not parse entire line. Found trailing content: `{_context(cur.rest())}`"
        )
    seen: set[str] = set()
    for key, _, _ in fields:
        if key in seen:
            raise LineError(f"invalid line protocol - multiple instances of '{key}' field found")
        seen.add(key)
    return ParsedLine(measurement, tuple(tags), tuple(fields), timestamp)


def _field_set(cur: _Cursor) -> list[tuple[str, str, FieldValue]]:
    fields: list[tuple[str, str, FieldValue]] = []
    while True:
        key = _token(cur, frozenset("="), _KEY_ESC, "field key")
        if not key or cur.peek() != "=":
            if fields:
                raise LineError(
                    f"Could not parse entire line. Found trailing content: `{_context(cur.rest())}`"
                )
            raise LineError("No fields were provided")
        cur.pos += 1
        fields.append((key, *_field_value(cur)))
        if cur.peek() == ",":
            cur.pos += 1
            continue
        return fields


_NUMBER_END: Final = frozenset(", \t\n")


def _field_value(cur: _Cursor) -> tuple[str, FieldValue]:
    if cur.peek() == '"':
        return "string", _string_value(cur)
    start = cur.pos
    while cur.pos < len(cur.text) and cur.text[cur.pos] not in _NUMBER_END:
        cur.pos += 1
    raw = cur.text[start : cur.pos]
    if raw in {"t", "T", "true", "True", "TRUE"}:
        return "bool", True
    if raw in {"f", "F", "false", "False", "FALSE"}:
        return "bool", False
    if raw.endswith("i") and _is_int(raw[:-1]):
        number = int(raw[:-1])
        if not -(2**63) <= number < 2**63:
            raise LineError(f"Unable to parse integer value `{raw[:-1]}`")
        return "int", number
    if raw.endswith("u") and raw[:-1].isdigit() and raw[:-1].isascii():
        number = int(raw[:-1])
        if number >= 2**64:
            raise LineError(f"Unable to parse unsigned integer value `{raw[:-1]}`")
        return "uint", number
    if _is_float(raw):
        return "float", float(raw)
    if not raw:
        raise LineError("No fields were provided")
    raise LineError(f"Could not parse entire line. Found trailing content: `{_context(raw)}`")


def _is_int(text: str) -> bool:
    digits = text[1:] if text.startswith("-") else text
    return bool(digits) and digits.isdigit() and digits.isascii()


def _is_float(text: str) -> bool:
    body = text[1:] if text.startswith("-") else text
    mantissa, _, exponent = body.replace("E", "e").partition("e")
    if "e" in body.lower():
        sign_free = exponent[1:] if exponent[:1] in {"+", "-"} else exponent
        if not (sign_free.isdigit() and sign_free.isascii()):
            return False
    whole, dot, frac = mantissa.partition(".")
    if not (whole.isdigit() and whole.isascii()):
        return False
    return not dot or (frac.isdigit() and frac.isascii())


_STRING_RUN: Final = re.compile(r'[^"\\]+')


def _string_value(cur: _Cursor) -> str:
    cur.pos += 1  # opening quote
    out: list[str] = []
    while cur.pos < len(cur.text):
        match = _STRING_RUN.match(cur.text, cur.pos)
        if match:
            out.append(match.group())
            cur.pos = match.end()
            continue
        char = cur.text[cur.pos]
        if char == "\\" and cur.pos + 1 < len(cur.text) and cur.text[cur.pos + 1] in '"\\':
            out.append(cur.text[cur.pos + 1])
            cur.pos += 2
            continue
        if char == '"':
            cur.pos += 1
            value = "".join(out)
            if len(value.encode()) > MAX_STRING_BYTES:
                raise LineError("String is greater than 64KB")
            return value
        out.append(char)
        cur.pos += 1
    raise LineError("No fields were provided")


def _timestamp(cur: _Cursor) -> int:
    start = cur.pos
    if cur.peek() == "-":
        cur.pos += 1
    while cur.pos < len(cur.text) and cur.text[cur.pos].isdigit():
        cur.pos += 1
    raw = cur.text[start : cur.pos]
    if not _is_int(raw):
        raise LineError(
            f"Could not parse entire line. Found trailing content: `{_context(cur.text[start:])}`"
        )
    value = int(raw)
    if not -(2**63) <= value < 2**63:
        raise LineError(f"Unable to parse timestamp value `{raw}`")
    return value


def parse_body(body: str) -> Iterator[tuple[int, str, ParsedLine | LineError]]:
    """Yield (line number, original line, parsed line or its error) for every non-blank line."""
    for number, line in split_lines(body):
        stripped = line.lstrip(" \t\n")
        if not stripped or stripped.startswith("#"):
            continue
        try:
            yield number, line, parse_line(stripped)
        except LineError as err:
            yield number, line, err
