#!/usr/bin/env bash
# Set up mmkg on a fresh machine and run its main job: build, reason and validate the graph.
# Installs what is missing (a Java runtime for the reasoner), creates .venv, installs the
# project into it, then runs `mmkg build`. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_java
ensure_venv
.venv/bin/mmkg build "$@"
echo "mmkg is installed in .venv: run .venv/bin/mmkg --help (or 'source .venv/bin/activate')"
