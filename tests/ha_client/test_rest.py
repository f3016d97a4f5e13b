"""REST requests against a real Home Assistant, and the errors they raise."""

from __future__ import annotations

import json

import httpx
import pytest

from ha_client.errors import (
    HAAuthFailed,
    HABadRequest,
    HANotFound,
    HAPermissionDenied,
    HAUnavailable,
)
from ha_client.rest import HARest
from tests.support.ha_peer import HAPeer, free_port


def test_get_returns_the_json_answer(ha_peer: HAPeer) -> None:
    with HARest(ha_peer.url, ha_peer.token) as rest:
        assert rest.get("/api/") == {"message": "API running."}


def test_post_and_delete_round_trip(ha_peer: HAPeer) -> None:
    with HARest(ha_peer.url, ha_peer.token) as rest:
        rest.post("/api/states/sensor.homeiq_rest_probe", {"state": "7"})
        assert rest.get("/api/states/sensor.homeiq_rest_probe")["state"] == "7"
        rest.delete("/api/states/sensor.homeiq_rest_probe")
        with pytest.raises(HANotFound):
            rest.get("/api/states/sensor.homeiq_rest_probe")


def test_bad_request_keeps_has_answer_verbatim(ha_peer: HAPeer) -> None:
    with HARest(ha_peer.url, ha_peer.token) as rest, pytest.raises(HABadRequest) as caught:
        rest.post("/api/states/not an entity id", {"state": "1"})
    assert caught.value.status == 400
    assert json.loads(caught.value.text) == {"message": "Invalid entity ID specified."}
    assert caught.value.text in str(caught.value)


def test_rejected_token_is_auth_failed_not_permission(ha_peer: HAPeer) -> None:
    with HARest(ha_peer.url, "not-a-valid-token") as rest, pytest.raises(HAAuthFailed) as caught:
        rest.get("/api/config/automation/config/homeiq_probe")
    assert not isinstance(caught.value, HAPermissionDenied)
    assert "HOMEIQ_HA_TOKEN" in str(caught.value)
    assert "not-a-valid-token" not in str(caught.value)


def test_token_of_a_non_admin_is_permission_denied(ha_peer: HAPeer) -> None:
    token = ha_peer.user_token("homeiq-viewer", "viewer-password-1", admin=False)
    with HARest(ha_peer.url, token) as rest:
        assert rest.get("/api/") == {"message": "API running."}
        with pytest.raises(HAPermissionDenied, match="not an administrator"):
            rest.get("/api/config/automation/config/homeiq_probe")


def test_forbidden_answer_is_permission_denied() -> None:
    # A real HA answers 403 only to a banned address; a fake transport stands in for that.
    transport = httpx.MockTransport(lambda request: httpx.Response(403, text="Forbidden"))
    rest = HARest("http://ha.invalid:8123", "t", transport=transport)
    with rest, pytest.raises(HAPermissionDenied, match="403"):
        rest.get("/api/config")


def test_unreachable_home_assistant_names_the_setting() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    rest = HARest(url, "token")
    with rest, pytest.raises(HAUnavailable, match="HOMEIQ_HA_URL") as caught:
        rest.get("/api/")
    assert url in str(caught.value)
