"""``python -m services.classifier``: run one classifier worker (``--help``: its settings)."""

from services.classifier.app import create_app
from services.classifier.settings import ClassifierSettings
from services.common.startup import TopicNeed
from services.common.topics import Topics
from services.common.worker import run_worker


def needs(topics: Topics) -> list[TopicNeed]:
    return [TopicNeed(topics.reports), TopicNeed(topics.classified), TopicNeed(topics.deadletters)]


if __name__ == "__main__":
    run_worker("classifier", ClassifierSettings, create_app, needs)
