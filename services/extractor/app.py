"""Builds the extractor's Faust app from its settings (no work at import time)."""

from __future__ import annotations

import faust
from prometheus_client import CollectorRegistry

from services.common.worker import make_app
from services.extractor.agents import wire
from services.extractor.metrics import ExtractorMetrics
from services.extractor.settings import ExtractorSettings


def create_app(settings: ExtractorSettings, registry: CollectorRegistry | None = None) -> faust.App:
    registry = registry or CollectorRegistry()
    app = make_app("extractor", settings, registry)
    wire(app, settings.topics, ExtractorMetrics(registry), settings.default_country)
    return app
