#!/usr/bin/env bash
# Install the server into .venv, create or upgrade the database with the demo
# banks and accounts, then start the production server on every LAN address.
# Extra arguments go to `exam-server serve` (e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
.venv/bin/exam-server init --demo
exec .venv/bin/exam-server serve "$@"
