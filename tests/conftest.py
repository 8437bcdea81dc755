"""Hypothesis profiles: ``dev`` (default, quick) and ``ci`` (more examples, no deadline)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def require(found: object, what: str, install: str) -> None:
    """Skip (saying how to install it) when a system tool is missing; under CI, where .ci/run installs
    everything, fail instead, so that nothing is skipped there."""
    import pytest

    if found:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing on CI: .ci/run should have installed it ({install})")
    pytest.skip(f"{what} is not installed here: {install}")
