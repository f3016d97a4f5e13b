"""Encode event frames as InfluxDB line protocol, the text InfluxDB 3 ingests.

Schema (measurement ``events``), chosen to keep series cardinality bounded:

- tags: ``area``, ``device_class``, ``domain``, ``entity_id``, ``source`` (sorted by key, as
  InfluxDB recommends). These are few-valued per entity, so one entity makes at most a handful
  of series; free text (state, attributes, context ids, topics) never becomes a tag.
- fields: ``value`` (float), ``state``, ``attributes`` (JSON text), ``unit``, ``context_id``,
  ``context_user_id``, ``context_parent_id``, ``topic`` (strings). Null fields are left out
  of the line, so a table written before a field existed simply lacks that column; reads
  fill it with null.
- timestamp: nanoseconds since the Unix epoch.

Escaping follows the InfluxDB 3 parser: in the measurement, tag keys, tag values and field
keys a backslash escapes a comma, space, equals sign or backslash; string field values are
double-quoted with backslash and quote escaped, and may hold raw newlines. Line protocol
cannot carry a tab or newline, a trailing backslash, or an empty string in a tag value:
those characters become spaces, trailing backslashes are dropped and an empty tag is left
out (read back as null). HA entity ids, domains, device classes and sources never contain
them; an area name might, which is the only lossy case and is documented in the README.
String fields are limited to 64 KiB by InfluxDB; a longer attributes text is replaced by
``{"homeiq_truncated_bytes": <n>}`` and a longer state (MQTT payloads) is cut to its first
16,384 characters, so the event itself is still stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import polars as pl

MEASUREMENT: Final = "events"
TAGS: Final[tuple[str, ...]] = ("area", "device_class", "domain", "entity_id", "source")
STRING_FIELDS: Final[tuple[str, ...]] = (
    "attributes",
    "context_id",
    "context_parent_id",
    "context_user_id",
    "state",
    "topic",
    "unit",
)
MAX_STRING_BYTES: Final = 65_536

_KEY_ESCAPES: Final[tuple[tuple[str, str], ...]] = (
    ("\\", "\\\\"),
    (",", "\\,"),
    ("=", "\\="),
    (" ", "\\ "),
)


def escape_measurement(name: str) -> str:
    """Return a measurement name escaped for line protocol (backslash, comma, space)."""
    _check_key(name, "measurement")
    return name.replace("\\", "\\\\").replace(",", "\\,").replace(" ", "\\ ")


def escape_key(key: str) -> str:
    """Return a tag or field key escaped for line protocol."""
    _check_key(key, "key")
    for raw, escaped in _KEY_ESCAPES:
        key = key.replace(raw, escaped)
    return key


def normalize_tag_value(value: str) -> str:
    """Return the tag value line protocol can carry: tabs/newlines as spaces, no trailing \\."""
    return value.replace("\t", " ").replace("\n", " ").replace("\r", " ").rstrip("\\")


def escape_tag_value(value: str) -> str:
    """Return a (normalized) tag value escaped for line protocol; '' means leave the tag out."""
    return escape_key_chars(normalize_tag_value(value))


def escape_key_chars(text: str) -> str:
    """Return ``text`` with backslash, comma, equals sign and space escaped."""
    for raw, escaped in _KEY_ESCAPES:
        text = text.replace(raw, escaped)
    return text


def quote_string_field(value: str) -> str:
    """Return a string field value in double quotes with backslash and quote escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check_key(key: str, what: str) -> None:
    if not key or "\n" in key or "\t" in key or key.endswith("\\"):
        raise ValueError(f"{what} {key!r} cannot be written as line protocol")


def _escape_expr(expr: pl.Expr) -> pl.Expr:
    for raw, escaped in _KEY_ESCAPES:
        expr = expr.str.replace_all(raw, escaped, literal=True)
    return expr


def _normalized(name: str) -> pl.Expr:
    return pl.col(name).str.replace_all(r"[\t\n\r]", " ").str.replace(r"\\+$", "")


def tag_value_expr(name: str) -> pl.Expr:
    """Return an expression for column ``name`` normalized and escaped as a tag value."""
    return _escape_expr(_normalized(name))


def _tag_segment(name: str) -> pl.Expr:
    value = _normalized(name)
    return (
        pl.when(value.is_not_null() & (value != ""))
        .then(pl.lit("," + escape_key(name) + "=") + _escape_expr(value))
        .otherwise(pl.lit(""))
    )


def _string_field(name: str) -> pl.Expr:
    quoted = (
        pl.lit('"')
        + pl.col(name)
        .str.replace_all("\\", "\\\\", literal=True)
        .str.replace_all('"', '\\"', literal=True)
        + pl.lit('"')
    )
    return pl.when(pl.col(name).is_not_null()).then(pl.lit(escape_key(name) + "=") + quoted)


def _bounded_strings() -> list[pl.Expr]:
    # InfluxDB refuses the whole line when one string field passes 64 KiB (unescaped).
    size = pl.col("attributes").str.len_bytes()
    attributes = (
        pl.when(size > MAX_STRING_BYTES)
        .then(pl.format('{{"homeiq_truncated_bytes": {}}}', size.cast(pl.String)))
        .otherwise(pl.col("attributes"))
        .alias("attributes")
    )
    others = [
        pl.when(pl.col(name).str.len_bytes() > MAX_STRING_BYTES)
        .then(pl.col(name).str.slice(0, MAX_STRING_BYTES // 4))
        .otherwise(pl.col(name))
        .alias(name)
        for name in STRING_FIELDS
        if name != "attributes"
    ]
    return [attributes, *others]


def encode_frame(frame: pl.DataFrame, measurement: str = MEASUREMENT) -> pl.Series:
    """Return one line-protocol line per row of an EVENT_SCHEMA frame, in row order."""
    prepared = frame.with_columns(_bounded_strings())
    fields = [
        pl.when(pl.col("value").is_not_null()).then(
            pl.lit("value=") + pl.col("value").cast(pl.String)
        ),
        *(_string_field(name) for name in STRING_FIELDS),
    ]
    line = pl.concat_str(
        [
            pl.lit(escape_measurement(measurement)),
            *(_tag_segment(name) for name in TAGS),
            pl.lit(" "),
            pl.concat_str(fields, separator=",", ignore_nulls=True),
            pl.lit(" "),
            pl.col("time").dt.epoch("ns").cast(pl.String),
        ]
    )
    return prepared.select(line.alias("line")).get_column("line")


def encode_chunks(
    frame: pl.DataFrame, *, lines_per_chunk: int, measurement: str = MEASUREMENT
) -> Iterator[tuple[int, str]]:
    """Yield (row count, newline-joined body) chunks of at most ``lines_per_chunk`` lines."""
    for offset in range(0, frame.height, lines_per_chunk):
        part = frame.slice(offset, lines_per_chunk)
        lines = encode_frame(part, measurement)
        yield part.height, "\n".join(lines.to_list())
