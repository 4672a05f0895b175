"""Builds the classifier's Faust app from its settings (no work at import time)."""

from __future__ import annotations

import faust
from prometheus_client import CollectorRegistry

from services.classifier.agents import wire
from services.classifier.logic import load_severity
from services.classifier.metrics import ClassifierMetrics
from services.classifier.settings import ClassifierSettings
from services.common.gazetteer import Gazetteer
from services.common.worker import make_app, warm_topics


def create_app(
    settings: ClassifierSettings, registry: CollectorRegistry | None = None
) -> faust.App:
    registry = registry or CollectorRegistry()
    app = make_app("classifier", settings, registry)
    wire(
        app,
        settings.topics,
        Gazetteer.default(),
        load_severity(settings.severity_file),
        ClassifierMetrics(registry),
        settings.future_guard,
    )
    warm_topics(app, lambda: [settings.topics.classified])
    return app
