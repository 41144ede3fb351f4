#!/usr/bin/env bash
# Sets up serflow from nothing: a virtual environment in .venv with the pinned runtime and
# development dependencies and serflow itself (for `serflow` commands and the tests; the workflow's
# rules use the library in workflow/serflow whether or not it is installed). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
pip=".venv/bin/pip --disable-pip-version-check -q"
# torch first, so that the CPU build is taken and nothing pulls a CUDA build later.
$pip install "$(grep '^torch==' requirements.txt)"
$pip install -r requirements-dev.txt
$pip install --no-deps -e .
echo "serflow is set up in .venv"
