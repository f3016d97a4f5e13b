"""A raw table written before the context user/parent fields existed reads them as null."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import polars as pl

from storage.events import Event, events_to_frame
from storage.influx3 import InfluxStore
from tests.support.influx_standin import InfluxStandIn

T0 = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
# Two events exactly as the encoder wrote them before: no context_user_id/parent_id fields.
OLD_LINES = "\n".join(
    f'events,domain=light,entity_id=light.hall,source=ha attributes="{{}}",'
    f'context_id="01OLD{index}",state="{state}" {int((T0 + timedelta(hours=index)).timestamp())}'
    "000000000"
    for index, state in enumerate(("on", "off"))
)


def test_old_rows_read_null_context_and_new_rows_keep_theirs(
    standin: InfluxStandIn, store: InfluxStore, database: str
) -> None:
    response = httpx.post(
        f"{standin.url}/api/v3/write_lp",
        params={"db": database},
        content=OLD_LINES.encode(),
        headers={"Authorization": f"Bearer {standin.token}"},
    )
    assert response.status_code == 204, response.text
    old = store.read(None, T0, T0 + timedelta(days=1))
    assert old["state"].to_list() == ["on", "off"]
    assert old["context_id"].to_list() == ["01OLD0", "01OLD1"]
    assert old["context_user_id"].to_list() == [None, None]
    assert old["context_parent_id"].to_list() == [None, None]
    new = Event(
        time=T0 + timedelta(hours=2),
        entity_id="light.hall",
        state="on",
        source="ha",
        context_id="01NEW",
        context_user_id="c5755c724e4845978b6ec011e1931da6",
        context_parent_id="01PARENT",
    )
    assert store.write(events_to_frame([new])).written == 1
    both = store.read(["light.hall"], T0, T0 + timedelta(days=1))
    assert both["context_user_id"].to_list() == [None, None, "c5755c724e4845978b6ec011e1931da6"]
    assert both["context_parent_id"].to_list() == [None, None, "01PARENT"]
    latest = store.latest(["light.hall"]).select("context_user_id", "context_parent_id")
    assert latest.rows() == [("c5755c724e4845978b6ec011e1931da6", "01PARENT")]
    streamed = pl.concat(store.iter_read(None, T0, T0 + timedelta(days=1), batch_rows=2))
    assert streamed["context_parent_id"].to_list() == [None, None, "01PARENT"]
