"""HiGHS instances that stay silent.

HiGHS prints its banner on standard output, at C level, when the first instance of a process is
made — even with ``output_flag`` off. That breaks ``--json`` output and ``-q``. Every model in
devoplan is created here, with the banner sent to /dev/null and logging off.
"""

from __future__ import annotations

import os
import sys

import highspy


def quiet_highs() -> highspy.Highs:
    """A HiGHS instance with logging off and no banner on standard output."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h
