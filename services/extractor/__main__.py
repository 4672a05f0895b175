"""``python -m services.extractor``: run one extractor worker."""

from services.common.worker import run_worker
from services.extractor.app import create_app
from services.extractor.settings import ExtractorSettings

if __name__ == "__main__":
    settings = ExtractorSettings()
    run_worker(lambda: create_app(settings), settings.log_level)
