#!/usr/bin/env bash
# Install what the tests need (the package with its [test] extra, Debian's
# Chromium for the browser tests and poppler-utils for the PDF tests) and run the whole test suite.
# Set TEST_DATABASE_URL to run every database test on PostgreSQL as well.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
# Debian packages: Chromium for the browser tests, poppler's pdftoppm to open rendered PDFs
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -x /usr/bin/pdftoppm ] || missing="$missing poppler-utils"
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
exec .venv/bin/python -m pytest "$@"
