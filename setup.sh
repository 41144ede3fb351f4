#!/usr/bin/env bash
# Sets up serflow from nothing: a virtual environment in .venv with the pinned dependencies
# and serflow itself. Safe to run again: what is already installed is kept.
set -euo pipefail
cd "$(dirname "$0")"
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
pip=".venv/bin/pip --disable-pip-version-check -q"
# torch first, so that the CPU build is taken and nothing pulls a CUDA build later.
$pip install torch==2.13.0
$pip install -r envs/requirements.txt
$pip install --no-deps -e .
echo "serflow is set up in .venv"
