"""The live lines' clock and spinner (the waiting line, the thinking title): one place
the screenshot script holds still, so pictures do not depend on the machine's speed.
Read as `spinner.clock()` and `spinner.SPINNER`, so a clock set here is the one used."""

from __future__ import annotations

import time

# Where the answer widgets read the time (elapsed seconds, the live labels).
clock = time.monotonic
# One frame per tick.
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
TICK = 0.25  # seconds


def frame(ticks: int) -> str:
    """The spinner after `ticks` ticks."""
    return SPINNER[ticks % len(SPINNER)]
