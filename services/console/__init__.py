"""The console: Vigil's read-only web pages and JSON API for analysts.

Reads (from the beginning, every partition, no consumer group) ``vigil.alerts.v2``,
``vigil.deadletters.v1`` and the aggregator's changelog topics (incidents, summaries,
alert states, clocks); writes nothing. Serves each alert's page at
``/alerts/<fingerprint>`` (the notifier's links and Alertmanager's ``generatorURL``
point there: ``VIGIL_NOTIFIER_ALERT_URL_BASE`` = this service's URL), the console of
what is firing at ``/``, the JSON API under ``/v1`` (``openapi.json``), ``/metrics``,
``/healthz`` and ``/readyz``.
"""
