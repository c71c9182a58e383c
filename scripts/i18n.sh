#!/usr/bin/env bash
# Refresh the translation catalogue after changing UI text, then compile it.
# Source strings are Chinese (the default UI language); translations/en holds English.
#   bash scripts/i18n.sh          extract, merge into en/messages.po, compile
# Edit exam_server/translations/en/LC_MESSAGES/messages.po between the two steps
# where new msgids have an empty msgstr, then run it again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=.venv/bin/pybabel
$PYBABEL extract -F babel.cfg -k _l -k N_ --no-location --sort-output \
    -o exam_server/translations/messages.pot exam_server question_bank >/dev/null 2>&1
if [ -f exam_server/translations/en/LC_MESSAGES/messages.po ]; then
    $PYBABEL update -i exam_server/translations/messages.pot -d exam_server/translations -l en \
        --no-fuzzy-matching --ignore-obsolete >/dev/null
else
    $PYBABEL init -i exam_server/translations/messages.pot -d exam_server/translations -l en >/dev/null
fi
$PYBABEL compile -d exam_server/translations --statistics
