# Sourced by scripts/run and scripts/test: make sure .venv exists and holds ioguide with its dev tools.
# Re-installs only when pyproject.toml changed since the last install (a stamp file records its hash).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PY" -m venv --help >/dev/null 2>&1 || ! "$PY" -c 'import ensurepip' >/dev/null 2>&1; then
    echo "ioguide: installing python3-venv (Debian) ..." >&2
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  fi
  "$PY" -m venv "$VENV"
fi

# pyradiomics-bhklab ships as an sdist: building it needs a C compiler and the Python headers.
if ! command -v gcc >/dev/null 2>&1 || ! "$PY" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
  echo "ioguide: installing gcc and the Python headers (Debian) ..." >&2
  apt-get update -qq && apt-get install -y -qq gcc python3-dev >/dev/null
fi

stamp="$VENV/.ioguide-installed"
want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "ioguide: installing the package and its tools into .venv ..." >&2
  log="$VENV/pip-install.log"
  if ! { "$VENV/bin/python" -m pip install -q --upgrade pip && "$VENV/bin/python" -m pip install -q -e "$ROOT[dev]"; } >"$log" 2>&1; then
    grep -v "is ignored: it is neither" "$log" >&2; echo "ioguide: pip install failed (log: $log)" >&2; exit 1
  fi
  echo "$want" > "$stamp"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
