"""Faust's Kafka transport made fit for Vigil's hot paths: the app every worker runs on.

``App`` is a ``faust.App`` whose consumer fetches with a short wait and can hand whole
fetched partition batches to *batch agents* (``App.batch_agent``), and whose table
recovery reads changelogs to their real end on every broker. How, and why each change
is needed, is in ``services.common.faust_internals``: the one module that touches
Faust's and aiokafka's private names. This module is what services use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.common.faust_internals import BatchHandler, FaustApp
from services.common.kafka import FETCH_MAX_WAIT_MS

__all__ = ["FETCH_MAX_WAIT_MS", "App", "BatchHandler"]


class App(FaustApp):
    """``faust.App`` with the short fetch wait, batch agents and true end offsets."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batch_handlers: dict[str, BatchHandler] = {}

    def batch_agent(self, *topic_names: str) -> Callable[[BatchHandler], BatchHandler]:
        """Register ``handler`` for the records of ``topic_names`` (subscribed through the
        conductor like any agent's topic, so the worker owns their partitions). It gets
        each fetched partition batch at once, in offset order; see ``BatchHandler``."""

        def register(handler: BatchHandler) -> BatchHandler:
            self.topics.add(self.topic(*topic_names))
            for name in topic_names:
                self.batch_handlers[name] = handler
            return handler

        return register
