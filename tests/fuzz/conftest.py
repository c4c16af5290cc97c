"""Hypothesis profiles for the property-based (fuzz) tests.

`ci` (1,000 examples, derandomized so a failure reproduces on any machine) is loaded when
$CI is set or ASSESSMENT_NO_SKIP=1; `dev` (200 examples, random) otherwise. Set
HYPOTHESIS_PROFILE to choose one by name. Two properties run fewer examples because
each one is costly: saving a draft (a database write, 200) and XLSX uploads (300).

The profile is loaded when pytest collects this folder, so it is also the default for
hypothesis tests collected after it that do not set their own `max_examples`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from assessment.settings import NO_SKIP

settings.register_profile(
    "ci",
    max_examples=1000,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def profile_name() -> str:
    """The profile this run uses (see the module docstring)."""
    chosen = os.environ.get("HYPOTHESIS_PROFILE")
    if chosen:
        return chosen
    if os.environ.get("CI") or NO_SKIP.get():
        return "ci"
    return "dev"


settings.load_profile(profile_name())
