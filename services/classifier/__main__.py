"""``python -m services.classifier``: run one classifier worker."""

from services.classifier.app import create_app
from services.classifier.settings import ClassifierSettings
from services.common.worker import run_worker

if __name__ == "__main__":
    settings = ClassifierSettings()
    run_worker(lambda: create_app(settings), settings.log_level)
