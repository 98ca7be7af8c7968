#!/usr/bin/env bash
# Run every test, installing on the way what a fresh machine lacks: a Java runtime (reasoner),
# Chromium (browser tests), Virtuoso (store tests), the test extras including the Oxigraph server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_java
ensure_chromium
ensure_virtuoso
ensure_venv test
mkdir -p test-artifacts
.venv/bin/ruff check src tests
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
