"""Notifier: delivers alert transitions to on-call channels.

Reads ``vigil.alerts.v2`` (Alert JSON keyed by fingerprint) and delivers every transition
to each configured channel: console, generic webhooks, Slack, PagerDuty (Events API v2,
change events for updates and late notices) and Prometheus Alertmanager
(``POST /api/v2/alerts``, active alerts re-sent on an interval). Reads and writes its
delivery ledger ``vigil.notifier.deliveries.v1`` (compacted: what each channel settled,
per alert). Writes ``vigil.deadletters.v1``: records that are not valid Alerts, and alerts
a channel refused for good, with the reason.

Nothing lost, nothing doubled (``consumer.py``): a channel that is down keeps its alerts
pending (retried with backoff, ``Retry-After`` honoured); the consumer group offset is
committed only up to the first record some channel has not settled, and only after the
ledger behind it is acknowledged; a record read again reaches only the channels that
have not settled it; a rebalance hands a partition over only after what is in flight is
recorded.

Why plain aiokafka and not Faust: the notifier keeps no tables or windows, and its one hard
requirement is per-record commit control held back by slow HTTP endpoints. Faust acks an
event when the agent moves on and commits on its own timer; holding offsets back while a
channel is down would mean fighting that. A consumer with ``enable_auto_commit=False``
and an explicit offset tracker (``domain.offsets``) says exactly what is committed, and
joins its group in about one session timeout instead of a Faust worker's start-up.
"""
