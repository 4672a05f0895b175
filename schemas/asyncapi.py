"""The AsyncAPI 3.0 document of every Vigil topic (``schemas/asyncapi.yaml``), built from
the topic names (services/common/topics.py) and the published JSON Schemas of the models
(schemas/json/, referenced by relative path). ``python -m schemas.generate`` writes it,
``--check`` fails when it drifted.

Operations are written from Vigil's side: ``send`` for what a Vigil component publishes,
``receive`` for what one consumes (``vigil.reports.raw-text.v1`` is written by feeds
outside Vigil).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from schemas.compat import JSON, file_name
from services.common import topics

ROOT = Path(__file__).resolve().parents[1]
BINDING_VERSION = "0.5.0"
SCHEMA_FORMAT = "application/schema+json;version=draft-2020-12"


@dataclass(frozen=True)
class Message:
    id: str
    name: str
    summary: str
    key: JSON
    schema: str | None = None  # the published schema's base name (schemas/json)
    payload: JSON | None = None  # inline, for messages that are not a model
    content_type: str = "application/json"
    headers: JSON | None = None


@dataclass(frozen=True)
class Channel:
    id: str
    address: str
    title: str
    description: str
    message: Message
    senders: tuple[str, ...]
    receivers: tuple[str, ...]
    internal: bool = False
    notes: tuple[str, ...] = field(default=())


COUNTRY_KEY: JSON = {
    "type": "string",
    "pattern": "^[A-Z]{3}$",
    "description": "ISO 3166-1 alpha-3 country code: every report of a country, and so every "
    "revision of an incident, lands in one partition, in order.",
}

CHANNELS = (
    Channel(
        id="reports",
        address=topics.REPORTS,
        title="Incident reports",
        description="Structured reports of one incident (or a summary of a period), as "
        "accepted by the ingest API, the importers and the extractor. A later report with "
        "the same incident_id and source revises the figures; the same report_id again is "
        "a duplicate.",
        message=Message(
            "incidentReport",
            "IncidentReport",
            "One report of one incident from one source.",
            COUNTRY_KEY,
            schema="incident_report",
        ),
        senders=("ingest", "importers", "extractor"),
        receivers=("classifier",),
    ),
    Channel(
        id="rawText",
        address=topics.RAW_TEXT,
        title="Raw wire text",
        description="Free-text wire reports for the extractor. A text it cannot place "
        "(no country or date) becomes a dead letter with the reasons.",
        message=Message(
            "rawText",
            "RawText",
            "An English wire story, UTF-8.",
            {"type": "string", "description": "Any key (not read)."},
            payload={"type": "string"},
            content_type="text/plain; charset=utf-8",
            headers={
                "type": "object",
                "properties": {
                    "vigil-reported-at": {
                        "type": "string",
                        "format": "date-time",
                        "description": "When the text was published (ISO 8601); else the "
                        "record's timestamp.",
                    },
                    "vigil-country": {
                        "type": "string",
                        "pattern": "^[A-Z]{3}$",
                        "description": "Country (ISO3) for texts that name none.",
                    },
                    "vigil-source": {
                        "type": "string",
                        "description": "Who published the text.",
                    },
                },
            },
        ),
        senders=(),
        receivers=("extractor",),
    ),
    Channel(
        id="classified",
        address=topics.CLASSIFIED,
        title="Classified incidents",
        description="Each report with its normalised region (gazetteer) and its severity "
        "with the reasons for it.",
        message=Message(
            "classifiedIncident",
            "ClassifiedIncident",
            "A report, its region key and its severity.",
            COUNTRY_KEY,
            schema="classified_incident",
        ),
        senders=("classifier",),
        receivers=("aggregator",),
    ),
    Channel(
        id="aggregatorTicks",
        address=topics.AGGREGATOR_TICKS,
        title="Aggregator ticks",
        description="Wall-clock ticks that move the event-time clock of idle partitions. "
        "Internal to the aggregator: not for consumers.",
        message=Message(
            "aggregatorTick",
            "AggregatorTick",
            "The wall-clock time the tick was sent.",
            {"type": "null", "description": "No key (one tick per partition)."},
            payload={
                "type": "object",
                "required": ["wall"],
                "properties": {"wall": {"type": "number", "description": "Epoch seconds."}},
            },
        ),
        senders=("aggregator",),
        receivers=("aggregator",),
        internal=True,
    ),
    Channel(
        id="alerts",
        address=topics.ALERTS,
        title="Alert transitions",
        description="One record per transition (fired, escalated, deescalated, resolved, "
        "updated: a rising toll at the same level, late: a notice about a past window) "
        "of an alert. Consumers keep the highest seq seen per fingerprint and drop any "
        "record whose seq is not higher (redeliveries after a rebalance or a restart).",
        message=Message(
            "alert",
            "Alert",
            "An alert's transition with its value, threshold, window and evidence.",
            {
                "type": "string",
                "description": "The alert's fingerprint (rule + group): all transitions "
                "of one alert land in one partition, in seq order.",
            },
            schema="alert",
        ),
        senders=("aggregator",),
        receivers=("notifier",),
    ),
    Channel(
        id="deadLetters",
        address=topics.DEADLETTERS,
        title="Dead letters",
        description="Records a service could not decode, validate or deliver, with the "
        "reason and the original key, value and headers (base64), so that a fixed record "
        "can be sent back (vigil deadletters redrive).",
        message=Message(
            "deadLetter",
            "DeadLetter",
            "A rejected record and why.",
            {"type": ["string", "null"], "description": "The original record's key."},
            schema="dead_letter",
        ),
        senders=("classifier", "aggregator", "extractor", "notifier"),
        receivers=("deadletters",),
    ),
)


def _version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        version: str = tomllib.load(handle)["project"]["version"]
    return version


def _message(message: Message, versions: dict[str, int]) -> JSON:
    kafka: JSON = {"key": message.key, "bindingVersion": BINDING_VERSION}
    if message.schema is not None:
        path = f"./json/{file_name(message.schema, versions[message.schema])}"
        payload: JSON = {"schemaFormat": SCHEMA_FORMAT, "schema": {"$ref": path}}
    else:
        payload = {"schemaFormat": SCHEMA_FORMAT, "schema": message.payload}
    out: JSON = {
        "name": message.name,
        "title": message.name,
        "summary": message.summary,
        "contentType": message.content_type,
        "payload": payload,
        "bindings": {"kafka": kafka},
    }
    if message.headers is not None:
        out["headers"] = message.headers
    return out


def _operation(channel: Channel, action: str, component: str) -> tuple[str, JSON]:
    verb = "Sends" if action == "send" else "Receives"
    key = f"{component}{verb}{channel.id[0].upper()}{channel.id[1:]}"
    return key, {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel.id}"},
        "title": f"{component} {verb.lower()} {channel.address}",
        "messages": [{"$ref": f"#/channels/{channel.id}/messages/{channel.message.id}"}],
        "tags": [{"name": component}],
    }


def build_document(versions: dict[str, int]) -> JSON:
    """The AsyncAPI document; ``versions``: each published schema's schema_version."""
    channels: JSON = {}
    operations: JSON = {}
    for channel in CHANNELS:
        ref = {"$ref": f"#/components/messages/{channel.message.id}"}
        channels[channel.id] = {
            "address": channel.address,
            "title": channel.title,
            "description": channel.description,
            "messages": {channel.message.id: ref},
            "bindings": {"kafka": {"bindingVersion": BINDING_VERSION}},
        }
        if channel.internal:
            channels[channel.id]["tags"] = [{"name": "internal"}]
        for component in channel.senders:
            key, operation = _operation(channel, "send", component)
            operations[key] = operation
        for component in channel.receivers:
            key, operation = _operation(channel, "receive", component)
            operations[key] = operation
    return {
        "asyncapi": "3.0.0",
        "id": "urn:vigil",
        "info": {
            "title": "Vigil topics",
            "version": _version(),
            "description": "Kafka topics of Vigil: conflict incident reports in, alerts "
            "out. Payloads are JSON validated by the JSON Schemas in schemas/json (draft "
            "2020-12). Consumers must ignore fields they do not know and treat a higher "
            "schema_version as a new contract (schemas/COMPATIBILITY.md). Topic names "
            "carry the schema's major version; a deployment may prefix them all "
            "(VIGIL_TOPIC_PREFIX).",
        },
        "defaultContentType": "application/json",
        "servers": {
            "compose": {
                "host": "kafka:9092",
                "protocol": "kafka",
                "description": "The Apache Kafka broker of docker-compose.yml, inside the "
                "compose network (127.0.0.1:29092 from the host).",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": {
                channel.message.id: _message(channel.message, versions) for channel in CHANNELS
            }
        },
    }


def render(document: JSON) -> str:
    header = (
        "# Generated by `python -m schemas.generate` from the models and topic names: do not\n"
        "# edit (make check-generated fails when this file drifts from them).\n"
    )
    body: str = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return header + body


def resolve_payload(document: JSON, message_id: str, base: Path) -> Any:
    """The payload schema of a message, loaded from its file when it is a reference."""
    schema = document["components"]["messages"][message_id]["payload"]["schema"]
    if "$ref" in schema:
        return json.loads((base / schema["$ref"]).read_text(encoding="utf-8"))
    return schema
