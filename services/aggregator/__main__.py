"""``python -m services.aggregator``: run one aggregator worker."""

from services.aggregator.app import create_app
from services.aggregator.settings import AggregatorSettings
from services.common.worker import run_worker

if __name__ == "__main__":
    settings = AggregatorSettings()
    run_worker(lambda: create_app(settings), settings.log_level)
