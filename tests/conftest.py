"""Test-wide settings.

Hypothesis runs derandomised under CI (the `ci` profile, chosen when CI or DEVOPLAN_CI is set, and by
`make test`), so a red build always reproduces; developers get fresh examples with the default
profile (`HYPOTHESIS_PROFILE=dev`). Neither profile has a per-example deadline: timing is checked by
benchmarks, not tests.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                          print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") or
                                     os.environ.get("DEVOPLAN_CI") else "dev"))
