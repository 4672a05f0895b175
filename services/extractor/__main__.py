"""``python -m services.extractor``: run one extractor worker (``--help``: its settings)."""

from services.common.startup import TopicNeed
from services.common.topics import Topics
from services.common.worker import run_worker
from services.extractor.app import create_app
from services.extractor.settings import ExtractorSettings


def needs(topics: Topics) -> list[TopicNeed]:
    return [TopicNeed(topics.raw_text), TopicNeed(topics.reports), TopicNeed(topics.deadletters)]


if __name__ == "__main__":
    run_worker("extractor", ExtractorSettings, create_app, needs)
