"""Fixtures shared by the metrics tests."""

from __future__ import annotations

import pytest

from metrics import services
from tests.metrics import dataset


@pytest.fixture
def data(settings):
    """The known data set of tests.metrics.dataset, in UTC, with every rollup built."""
    settings.TIME_ZONE = "UTC"
    built = dataset.build()
    services.recompute(full=True)
    return built
