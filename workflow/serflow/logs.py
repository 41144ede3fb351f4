"""Sending a rule script's messages, warnings and progress bars to the rule's log file."""

from __future__ import annotations

import logging
import sys


def log_to_file(path: str) -> logging.Logger:
    """Route logging, warnings and stderr (progress bars) of this process to ``path``.

    Snakemake shows the log of a failed job, so everything a user needs to see goes there.
    """
    stream = open(path, "a", buffering=1)  # noqa: SIM115 - stays open for the process' life
    sys.stderr = stream
    logging.basicConfig(
        stream=stream,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        force=True,
    )
    logging.captureWarnings(True)
    return logging.getLogger("serflow")
