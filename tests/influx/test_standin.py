"""The stand-in behaves like InfluxDB 3 where our backend depends on it (real client, real HTTP)."""

from __future__ import annotations

import httpx
import pytest
from influxdb_client_3 import InfluxDBClient3, WriteOptions, write_client_options
from influxdb_client_3.exceptions import InfluxDB3ClientQueryError
from influxdb_client_3.write_client.client.write_api import WriteType

from tests.support.influx_standin import InfluxStandIn


def _client(standin: InfluxStandIn, database: str, token: str | None = None) -> InfluxDBClient3:
    options = WriteOptions(write_type=WriteType.synchronous, use_v2_api=False)
    return InfluxDBClient3(
        host=standin.url,
        token=token or standin.token,
        database=database,
        write_client_options=write_client_options(write_options=options),
    )


def _post(standin: InfluxStandIn, path: str, body: str, **params: str) -> httpx.Response:
    return httpx.post(
        f"{standin.url}{path}",
        params=params,
        content=body.encode(),
        headers={"Authorization": f"Bearer {standin.token}"},
    )


def test_a_field_changing_type_is_refused_with_influxdbs_message(
    standin: InfluxStandIn, database: str
) -> None:
    assert _post(standin, "/api/v3/write_lp", "m,t=a v=1.5 1", db=database).status_code == 204
    response = _post(standin, "/api/v3/write_lp", 'm,t=a v="text" 2', db=database)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "partial write of line protocol occurred"
    assert body["data"][0]["line_number"] == 1
    assert body["data"][0]["error_message"] == (
        "invalid column type for column 'v', expected iox::column_type::field::float, "
        "got iox::column_type::field::string"
    )


def test_accept_partial_false_refuses_the_whole_batch(
    standin: InfluxStandIn, database: str
) -> None:
    body = "m,t=a v=1.5 1\nm,t=a v=oops 2"
    response = _post(standin, "/api/v3/write_lp", body, db=database, accept_partial="false")
    assert response.status_code == 400
    assert response.json()["error"] == "parsing failed for write_lp endpoint"
    assert standin.rows(database) == 0


def test_accept_partial_writes_the_good_lines(standin: InfluxStandIn, database: str) -> None:
    response = _post(standin, "/api/v3/write_lp", "m v=1 1\nm v= 2\nm v=3 3", db=database)
    assert response.status_code == 400
    assert [item["line_number"] for item in response.json()["data"]] == [2]
    assert standin.rows(database) == 2


def test_v2_write_endpoint_takes_line_protocol_too(standin: InfluxStandIn, database: str) -> None:
    response = _post(standin, "/api/v2/write", "m,t=a v=2 5", bucket=database, precision="s")
    assert response.status_code == 204
    table = _client(standin, database).query("SELECT v, time FROM m")
    assert table.column("time").cast("int64").to_pylist() == [5_000_000_000]


def test_same_series_and_time_overwrites_the_fields_it_carries(
    standin: InfluxStandIn, database: str
) -> None:
    client = _client(standin, database)
    client.write(record='m,t=a v=1.0,s="first" 10\nm,t=a v=2.0 10\nm,t=b v=3.0 10')
    rows = client.query("SELECT t, v, s FROM m ORDER BY t").to_pylist()
    assert rows == [{"t": "a", "v": 2.0, "s": "first"}, {"t": "b", "v": 3.0, "s": None}]


def test_queries_run_datafusion_sql_with_date_bin_and_parameters(
    standin: InfluxStandIn, database: str
) -> None:
    client = _client(standin, database)
    client.write(record="m,t=a v=1 0\nm,t=a v=3 1800000000000\nm,t=b v=7 3600000000000")
    sql = (
        "SELECT date_bin(INTERVAL '1 hour', time, TIMESTAMP '1970-01-01T00:00:00Z') AS b, "
        "avg(v) AS v FROM m WHERE t = $tag GROUP BY 1"
    )
    rows = client.query(sql, query_parameters={"tag": "a"}).to_pylist()
    assert [row["v"] for row in rows] == [2.0]


def test_wrong_token_is_refused_on_write_and_query(standin: InfluxStandIn, database: str) -> None:
    client = _client(standin, database, token="not-the-token")
    with pytest.raises(Exception, match="401"):
        client.write(record="m v=1 1")
    with pytest.raises(InfluxDB3ClientQueryError, match="Unauthenticated"):
        client.query("SELECT 1")


def test_outage_switch_refuses_then_recovers(standin: InfluxStandIn, database: str) -> None:
    standin.outage(30)
    try:
        assert _post(standin, "/api/v3/write_lp", "m v=1 1", db=database).status_code == 503
    finally:
        standin.end_outage()
    assert _post(standin, "/api/v3/write_lp", "m v=1 1", db=database).status_code == 204


def test_database_retention_refuses_points_older_than_the_period(standin: InfluxStandIn) -> None:
    response = httpx.post(
        f"{standin.url}/api/v3/configure/database",
        json={"db": "retained", "retention_period": "1d"},
        headers={"Authorization": f"Bearer {standin.token}"},
    )
    assert response.status_code == 200
    written = _post(standin, "/api/v3/write_lp", "m v=1 1\nm v=2", db="retained")
    assert written.status_code == 400
    assert written.json()["data"][0]["error_message"] == "data is outside of the retention period"
    assert standin.rows("retained") == 1  # the point without a timestamp is "now"
