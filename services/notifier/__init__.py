"""Notifier: delivers alert transitions to on-call channels.

Reads ``vigil.alerts.v1`` (Alert JSON keyed by fingerprint) and POSTs every new transition
to each configured channel: generic webhooks, Slack, PagerDuty (Events API v2) and
Prometheus Alertmanager (``POST /api/v2/alerts``). Writes ``vigil.deadletters.v1``: records
that are not valid Alerts, and alerts a channel refused for good (HTTP 4xx), with the reason.

Delivery is at least once. A channel that is down keeps its alerts pending (bounded queue
per channel, retried with backoff); the consumer group offset is committed only up to the
first record some channel has not yet delivered (or dead-lettered), so a restart resends
what was pending. Downstream deduplicates on the fingerprint (PagerDuty ``dedup_key``,
Alertmanager labels, the webhook ``Idempotency-Key`` header).

Why plain aiokafka and not Faust: the notifier keeps no tables or windows, and its one hard
requirement is per-record commit control held back by slow HTTP endpoints. Faust acks an
event when the agent moves on and commits on its own timer; holding offsets back while a
channel is down would mean fighting that. A consumer with ``enable_auto_commit=False``
and an explicit offset tracker (``domain.offsets``) says exactly what is committed, and
joins its group in about one session timeout instead of a Faust worker's start-up.
"""
