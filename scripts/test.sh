#!/usr/bin/env bash
# The whole test suite: TypeScript (vitest, against a real Temporal dev server
# and the real trainer) and the trainer's own Python tests (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
npx --no-install tsc -p tsconfig.json --noEmit
npx --no-install vitest run "$@"
(cd trainer && ../.venv/bin/python -m pytest -q -p no:cacheprovider)
