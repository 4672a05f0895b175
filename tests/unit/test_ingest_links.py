"""``POST /v1/links``: an analyst's link / unlink decision published to the compacted
links topic on its country's partition, with the same authentication and limits as
reports; every refusal answered with its reason."""

from __future__ import annotations

import json
from typing import Any

from prometheus_client import CollectorRegistry

from schemas.links import LinkAction, LinkDecision
from services.common.batches import key_index
from services.ingest.testing import FakeProducer
from tests.unit.test_ingest_app import AUTH, MakeClient, make_client, producer, registry

__all__ = ["make_client", "producer", "registry"]  # fixtures

BODY = {
    "country": "SYR",
    "incidents": ["ucdp:412877", "airwars:RS2362"],
    "action": "link",
    "analyst": "desk-1",
    "reason": "Ghanem Ali / Ghanim Ali, 6 civilians either way",
}


async def post(client: Any, body: Any, headers: dict[str, str] = AUTH) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return await client.post("/v1/links", data=data, headers=headers)


async def test_a_decision_goes_to_its_countrys_partition_keyed_by_the_pair(
    make_client: MakeClient, producer: FakeProducer, registry: CollectorRegistry
) -> None:
    producer.partition_count = 4
    client = await make_client()
    response = await post(client, BODY)
    assert response.status == 202
    answer = LinkDecision.model_validate(await response.json())
    assert answer.pair == ("airwars:RS2362", "ucdp:412877")
    assert answer.action is LinkAction.LINK and answer.decided_at is not None
    [(topic, value, key)] = producer.sent
    assert topic == "unit.vigil.links.v1"
    assert key == b"SYR/airwars:RS2362|ucdp:412877"
    assert producer.partitions == [key_index(b"SYR", 4)]  # where SYR's reports are
    assert LinkDecision.model_validate_json(value) == answer
    sample = registry.get_sample_value("vigil_link_decisions_received_total", {"action": "link"})
    assert sample == 1


async def test_refusals_say_why(make_client: MakeClient, producer: FakeProducer) -> None:
    client = await make_client()
    assert (await post(client, BODY, {"Content-Type": "application/json"})).status == 401
    wrong = {"Authorization": "Bearer nope", "Content-Type": "application/json"}
    assert (await post(client, BODY, wrong)).status == 403
    assert (await post(client, "{not json")).status == 400
    same = await post(client, {**BODY, "incidents": ["a:1", "a:1"]})
    assert same.status == 422
    assert "two different incidents" in json.dumps(await same.json())
    future = await post(client, {**BODY, "decided_at": "2999-01-01T00:00:00Z"})
    assert future.status == 422
    assert (await future.json())["errors"][0]["field"] == "decided_at"
    typo = await post(client, {**BODY, "acton": "link"})
    assert typo.status == 422
    assert producer.sent == []


async def test_a_broker_that_is_down_is_a_503(make_client: MakeClient) -> None:
    client = await make_client(FakeProducer(fail_start=True))
    response = await post(client, {**BODY, "action": "unlink"})
    assert response.status == 503 and response.headers["Retry-After"]
    assert (await response.json())["error"] == "broker_unavailable"
