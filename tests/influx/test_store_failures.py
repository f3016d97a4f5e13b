"""InfluxStore under failure: outages lose nothing, bad tokens and hosts say what to check."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

import httpx
import polars as pl
import pytest

from storage.errors import StoreUnavailable, StoreWriteError
from storage.events import Event, events_to_frame
from storage.influx3 import InfluxStore
from tests.support.influx_standin import InfluxStandIn

T0 = datetime(2026, 2, 1, tzinfo=UTC)


def _frame(count: int, *, start: int = 0, area: str | None = "Hall") -> pl.DataFrame:
    return events_to_frame(
        Event(
            time=T0 + timedelta(seconds=index),
            entity_id=f"sensor.power_{index % 5}",
            state=str(index),
            source="ha",
            area=area,
        )
        for index in range(start, start + count)
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_outage_loses_nothing_when_the_batch_is_retried(
    standin: InfluxStandIn, store: InfluxStore, database: str
) -> None:
    store.write(_frame(100))
    batches = [_frame(100, start=100 * n) for n in range(1, 6)]
    standin.outage(2.5)
    failures = 0
    for batch in batches:  # what the worker's spool does: keep a batch until a write succeeds
        while True:
            try:
                store.write(batch)
                break
            except StoreUnavailable:
                failures += 1
                time.sleep(0.2)
    assert failures >= 1
    back = store.read(None, T0, T0 + timedelta(hours=1))
    assert back.height == 600
    assert back.select(pl.col("state").cast(pl.Int64).sort()).to_series().to_list() == list(
        range(600)
    )


def test_a_retried_batch_after_a_lost_reply_is_not_stored_twice(store: InfluxStore) -> None:
    batch = _frame(50)
    assert store.write(batch).written == 50
    assert store.write(batch).written == 0  # the spool re-sends when it never saw the reply
    assert store.stats().events == 50


def test_changed_area_tag_does_not_duplicate_an_event(store: InfluxStore) -> None:
    store.write(_frame(10, area="Hall"))
    result = store.write(_frame(10, area="Living room"))
    assert result.written == 0
    back = store.read(None, T0, T0 + timedelta(hours=1))
    assert back.height == 10
    assert set(back.get_column("area").to_list()) == {"Hall"}


def test_wrong_token_says_token_wrong_or_expired(standin: InfluxStandIn, database: str) -> None:
    bad = InfluxStore(
        host=standin.url, token="expired-token", database=database, raw_retention_days=None
    )
    try:
        with pytest.raises(StoreUnavailable, match="token wrong or expired") as info:
            bad.write(_frame(3))
        assert "expired-token" not in str(info.value)
        with pytest.raises(StoreUnavailable, match="token wrong or expired"):
            bad.read(None, T0, T0 + timedelta(hours=1))
        assert "token wrong or expired" in bad.health().detail
    finally:
        bad.close()


def test_connection_refused_names_the_host_and_what_to_check() -> None:
    host = f"http://127.0.0.1:{_free_port()}"
    store = InfluxStore(
        host=host, token="t", database="homeiq", write_attempts=1, raw_retention_days=None
    )
    try:
        with pytest.raises(StoreUnavailable) as info:
            store.write(_frame(1))
        assert host in str(info.value)
        assert "HOMEIQ_INFLUX_HOST" in str(info.value)
        health = store.health()
        assert not health.ok
        assert host in health.detail
    finally:
        store.close()


def test_a_schema_clash_from_another_writer_is_a_write_error(
    standin: InfluxStandIn, store: InfluxStore, database: str
) -> None:
    response = httpx.post(
        f"{standin.url}/api/v3/write_lp",
        params={"db": database},
        content=b'events,entity_id=sensor.x,source=ha value="text",state="x" 1',
        headers={"Authorization": f"Bearer {standin.token}"},
    )
    assert response.status_code == 204
    with pytest.raises(StoreWriteError, match="invalid column type for column 'value'"):
        store.write(_frame(5))


def test_first_write_creates_databases_with_retention_periods(
    standin: InfluxStandIn, database: str
) -> None:
    store = InfluxStore(
        host=standin.url,
        token=standin.token,
        database=database,
        raw_retention_days=90,
        rollup_retention_days=730,
    )
    try:
        store.write(_frame(1, area=None).with_columns(pl.lit(datetime.now(UTC)).alias("time")))
    finally:
        store.close()
    databases = standin.state.catalog.databases
    assert databases[database].retention_seconds == 90 * 86400
    assert databases[f"{database}_rollup"].retention_seconds == 730 * 86400


def test_iter_read_yields_bounded_frames_in_order(store: InfluxStore) -> None:
    store.write(_frame(250))
    frames = list(store.iter_read(None, T0, T0 + timedelta(hours=1), batch_rows=60))
    assert [frame.height for frame in frames] == [60, 60, 60, 60, 10]
    assert pl.concat(frames).equals(store.read(None, T0, T0 + timedelta(hours=1)))


def test_events_older_than_raw_retention_are_skipped_not_fatal(
    standin: InfluxStandIn, database: str
) -> None:
    store = InfluxStore(host=standin.url, token=standin.token, database=database)
    now = datetime.now(UTC).replace(microsecond=0)
    frame = _frame(4).with_columns(
        pl.Series(
            "time",
            [
                now - timedelta(days=400),
                now - timedelta(days=91),
                now - timedelta(days=89),
                now - timedelta(minutes=1),
            ],
        )
    )
    try:
        result = store.write(frame)
        assert (result.received, result.written) == (4, 2)
        assert store.read(None, now - timedelta(days=500), now).height == 2
    finally:
        store.close()
