# Shared set-up steps for scripts/setup.sh and scripts/test.sh.

_apt_updated=""
_apt_install() {
  local sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  if [ -z "$_apt_updated" ]; then
    $sudo apt-get update -qq >/dev/null
    _apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_java() {
  if ! command -v java >/dev/null 2>&1; then
    echo "installing a Java runtime for the reasoner (HermiT)..."
    _apt_install default-jre-headless
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null 2>&1; then
    echo "installing Chromium for the browser tests..."
    _apt_install chromium
  fi
}

ensure_virtuoso() {
  if ! command -v virtuoso-t >/dev/null 2>&1; then
    echo "installing Virtuoso (Debian's virtuoso-opensource) for the store tests..."
    _apt_install virtuoso-opensource
  fi
}

ensure_venv() {
  local extra="${1:-}"
  local python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  local stamp=".venv/.mmkg-installed${extra:+-$extra}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    if [ -n "$extra" ]; then
      .venv/bin/python -m pip install -q -e ".[$extra]"
    else
      .venv/bin/python -m pip install -q -e .
    fi
    touch "$stamp"
  fi
}
