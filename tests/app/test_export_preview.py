"""The Export page's preview estimates rows close to what the export then writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.context import build_services
from app.services.export import preview_export, write_export
from app.services.timerange import preset_range
from homeiq.settings import load_settings
from tests.app.conftest import SIM_END

RANGE = preset_range("Last 7 days", SIM_END)


@pytest.mark.parametrize(("bucket", "agg"), [(None, None), ("1h", "mean")])
def test_preview_estimates_rows_of_the_export(
    bucket: str | None, agg: str | None, app_env: Path, tmp_path: Path
) -> None:
    svc = build_services(load_settings())
    try:
        entities = sorted(svc.store.entities()["entity_id"])
        preview = preview_export(svc, entities=entities, rng=RANGE, bucket=bucket, agg=agg)
        written = write_export(svc, entities=entities, rng=RANGE, fmt="csv", bucket=bucket, agg=agg)
    finally:
        svc.store.close()
    written.path.unlink()
    assert written.rows > 0
    if bucket is None:
        assert abs(preview.rows - written.rows) <= 0.15 * written.rows
        assert abs(preview.csv_bytes - written.bytes) <= 0.5 * written.bytes
    else:
        # buckets x entities counts empty buckets and non-numeric entities: an upper bound
        assert written.rows <= preview.rows
    assert 0 < preview.sample.height <= 20
