"""``python -m services.aggregator``: run one aggregator worker (``--help``: its settings)."""

from services.aggregator.app import create_app
from services.aggregator.settings import AggregatorSettings
from services.common.startup import TopicNeed
from services.common.topics import Topics
from services.common.worker import run_worker


def needs(topics: Topics) -> list[TopicNeed]:
    """Its tables are partitioned like its inputs: those need exactly the configured count."""
    return [
        TopicNeed(topics.classified, exact=True),
        TopicNeed(topics.aggregator_ticks, exact=True),
        TopicNeed(topics.links, exact=True, compact=True),  # co-partitioned with classified
        TopicNeed(topics.alerts),
        TopicNeed(topics.deadletters),
    ]


if __name__ == "__main__":
    run_worker("aggregator", AggregatorSettings, create_app, needs)
