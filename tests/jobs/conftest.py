from __future__ import annotations

import pytest

from tests.jobs import sample_jobs


@pytest.fixture(autouse=True)
def _sample_jobs(settings):
    settings.ANALYTICAFLOW_JOB_MODULES = [*settings.ANALYTICAFLOW_JOB_MODULES, "tests.jobs.sample_jobs"]
    settings.ANALYTICAFLOW_JOBS_BACKEND = "embedded"
    settings.ANALYTICAFLOW_JOBS_RETRY_BASE_SECONDS = 30
    settings.ANALYTICAFLOW_JOBS_RETRY_MAX_SECONDS = 3600
    sample_jobs.reset()
    yield
    sample_jobs.reset()
