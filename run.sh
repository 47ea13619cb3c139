#!/usr/bin/env bash
# One entry point for people and CI:
#   bash run.sh start   install (first time) and start the app on the bundled sample reports
#   bash run.sh test    install (first time) and run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  touch "$stamp"
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False
case "${1:-start}" in
  start) shift || true; exec .venv/bin/python app.py "$@" ;;
  test)  shift || true; exec .venv/bin/python -m pytest "$@" ;;
  *) echo "usage: bash run.sh start|test" >&2; exit 2 ;;
esac
