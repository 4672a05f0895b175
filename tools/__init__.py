"""Vigil's tools: the `vigil` CLI, importers, replay, dead-letter tools and the local demo.

Nothing here is a deployed service (those are in ``services/``); the embedded broker
(``tools/broker.py``, the ``embedded`` extra) is for ``make run`` and the tests only.
"""
