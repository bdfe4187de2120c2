# Shared by scripts/run and scripts/test: make the project's virtualenv and front-end packages
# exist and match pyproject.toml / package-lock.json. Re-running costs a checksum, not a reinstall.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.11 or newer is needed" >&2; return 1
}

ensure_python_env() {  # $1: pip extras, e.g. "test" (may be empty)
  local extras="${1:-}" spec="." stamp
  [ -n "$extras" ] && spec=".[$extras]"
  if [ ! -x "$PY" ]; then
    echo "== creating virtualenv .venv" >&2
    "$(find_python)" -m venv "$VENV"
  fi
  stamp="$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
  if [ "$(cat "$VENV/.wms-installed-$extras" 2>/dev/null)" != "$stamp" ]; then
    echo "== installing Python packages ($spec)" >&2
    "$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
    (cd "$ROOT" && "$PY" -m pip install --quiet --disable-pip-version-check -e "$spec") >&2
    echo "$stamp" > "$VENV/.wms-installed-$extras"
  fi
}

ensure_node_modules() {
  local dir="$ROOT/handheld_web" stamp
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is needed for the handheld app's Socket.IO client" >&2; return 1
  fi
  stamp="$(sha256sum "$dir/package-lock.json" | cut -c1-16)"
  if [ "$(cat "$dir/node_modules/.wms-installed" 2>/dev/null)" != "$stamp" ]; then
    echo "== installing front-end packages (npm ci)" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
    echo "$stamp" > "$dir/node_modules/.wms-installed"
  fi
}

# Debian packages the tests drive for real: Chromium (browser tests) and a CJK font, CUPS (the zebra transport),
# PostgreSQL and Redis (tests/scale starts private instances of both; no system service is used), nginx
# (scripts/bench_scans.py --processes N runs one of its own, as a non-root process on 127.0.0.1).
ensure_apt_packages() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v cupsd >/dev/null 2>&1 || [ -x /usr/sbin/cupsd ] || missing+=(cups)
  command -v lpstat >/dev/null 2>&1 || missing+=(cups-client)
  command -v lpr >/dev/null 2>&1 || missing+=(cups-bsd)
  # A CJK font, so the browser tests' pages and screenshots show Chinese, not boxes.
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing Debian packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
