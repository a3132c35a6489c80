# shellcheck shell=bash
# Sourced, not executed: what `scripts/bench students|payments|sse|memory`
# (the load-bench benchmarks) need.
#
#   prepare_load_bench
#     Installs wrk and pgbench (Debian's wrk and postgresql-client) with
#     apt-get when missing, makes PostgreSQL ready (pg.sh) with the roles and
#     migrations (db.sh), raises the open-file limit (1,000 SSE connections
#     are 2,000 sockets between the client and the api), builds the release
#     binaries api, worker and load-bench, and sets an EXIT trap that stops
#     a private PostgreSQL.
#
#   run_load_bench BENCHMARK [load-bench flags...]
#     prepare_load_bench, then `load-bench BENCHMARK`, which starts api and
#     worker as separate processes on a fresh database and drops it
#     afterwards. Returns load-bench's status: 0 target met, 1 the run
#     failed, 2 a target was missed.

SCHOOLOPS_REPO="${SCHOOLOPS_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

# shellcheck source=SCRIPTDIR/pg.sh
. "$SCHOOLOPS_REPO/scripts/lib/pg.sh"
# shellcheck source=SCRIPTDIR/db.sh
. "$SCHOOLOPS_REPO/scripts/lib/db.sh"

_load_apt_install() {
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "tools: need root or sudo to install $*" >&2; return 1; }
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null 2>&1 || { echo "tools: $* missing and apt-get is not available" >&2; return 1; }
  echo "tools: installing the Debian package(s) $* (apt-get)" >&2
  "${sudo[@]}" apt-get update -q >&2 || return 1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
}

_load_has_pgbench() {
  command -v pgbench >/dev/null 2>&1 && return 0
  compgen -G '/usr/lib/postgresql/*/bin/pgbench' >/dev/null
}

ensure_load_tools() {
  local missing=()
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  _load_has_pgbench || missing+=(postgresql-client)
  ((${#missing[@]} == 0)) && return 0
  _load_apt_install "${missing[@]}" || return 1
  command -v wrk >/dev/null 2>&1 || { echo "tools: wrk is still missing" >&2; return 1; }
  _load_has_pgbench || { echo "tools: pgbench is still missing" >&2; return 1; }
}

# shellcheck disable=SC2317 # the EXIT trap
_load_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_private_postgres || true
  exit "$rc"
}

prepare_load_bench() {
  cd "$SCHOOLOPS_REPO" || return 1
  trap _load_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  ensure_load_tools || return 1
  ensure_postgres || return 1
  prepare_database || return 1
  # Two sockets per subscriber, both in processes started from here.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if (($(ulimit -n) < 4096)); then
    echo "bench: warning: only $(ulimit -n) open files allowed; the SSE benchmark needs about 2,100" >&2
  fi

  echo "bench: building api, worker and load-bench (release)" >&2
  cargo build -q --release -p api --bin api -p worker --bin worker -p bench --bin load-bench || return 1
}

run_load_bench() {
  local benchmark="$1"
  shift
  cd "$SCHOOLOPS_REPO" || return 1
  local arg
  for arg in "$@"; do
    if [[ "$arg" == "-h" || "$arg" == "--help" ]]; then
      cargo run -q --release -p bench --bin load-bench -- "$benchmark" --help
      return
    fi
  done
  prepare_load_bench || return 1
  local status=0
  "$TARGET_DIR/release/load-bench" "$benchmark" "$@" || status=$?
  return "$status"
}
