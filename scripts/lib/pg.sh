# shellcheck shell=bash
# Sourced, not executed: provides ensure_postgres and stop_private_postgres.
#
#   ensure_postgres
#     Exports PG_ADMIN_URL, the URL of a superuser-capable role on a running
#     PostgreSQL server, and SCHOOLOPS_PG_STARTED (1 when this call started a
#     private cluster, 0 otherwise).
#     1. Tries ${PG_ADMIN_URL:-${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}}
#        with psql, when psql is installed.
#     2. Otherwise runs a private cluster under $REPO/.data/pg (data/, log,
#        sock/) on 127.0.0.1:${SCHOOLOPS_PG_PORT:-5433}, installing Debian's
#        `postgresql` package with apt-get when no initdb is found.
#        SCHOOLOPS_PG_DIR overrides the directory.
#
#   stop_private_postgres
#     Stops the private cluster, only if ensure_postgres in this shell started it.
#
#   start_private_postgres DIR PORT
#     A private cluster of this shell's own in DIR on 127.0.0.1:PORT, never
#     the shared server: for scripts that stop and start it (scripts/faults).
#     Exports PG_ADMIN_URL. Fails if a cluster already runs in DIR.
#
#   stop_started_postgres [MODE] / start_started_postgres
#     pg_ctl stop (MODE fast by default) and start of the cluster that
#     start_private_postgres started, keeping its data.
#
# Progress goes to stderr; nothing is printed on stdout.

SCHOOLOPS_REPO="${SCHOOLOPS_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

_schoolops_pg_log() {
  printf 'postgres: %s\n' "$*" >&2
}

# host:port of a URL, without user or password.
_schoolops_pg_hostport() {
  local hp
  hp="$(printf '%s' "$1" | sed -E 's#^[A-Za-z][A-Za-z0-9+.-]*://##; s#^[^@/?]*@##; s#[/?].*$##')"
  printf '%s' "${hp:-local socket}"
}

# _schoolops_pg_answers PSQL URL: true when `select 1` answers 1.
_schoolops_pg_answers() {
  local out
  out="$(PGCONNECT_TIMEOUT=5 "$1" "$2" -Atqc 'select 1' </dev/null 2>/dev/null)" || return 1
  [[ "$out" == 1 ]]
}

# Prints the bin directory of the newest PostgreSQL with an initdb
# (or of version $1 when given).
_schoolops_pg_bindir() {
  local want="${1:-}" d
  if [[ -n "$want" ]]; then
    d="/usr/lib/postgresql/$want/bin"
    [[ -x "$d/initdb" ]] || return 1
    printf '%s\n' "$d"
    return 0
  fi
  d="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' -perm -u+x 2>/dev/null |
    sed 's#/initdb$##' | sort -V | tail -n 1)"
  [[ -n "$d" ]] || return 1
  printf '%s\n' "$d"
}

_schoolops_pg_install() {
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      _schoolops_pg_log "PostgreSQL is not installed, and installing it needs root (no sudo found)"
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    _schoolops_pg_log "PostgreSQL is not installed and apt-get is missing: install PostgreSQL or set PG_ADMIN_URL"
    return 1
  fi
  _schoolops_pg_log "installing the Debian package postgresql (apt-get)"
  "${sudo[@]}" apt-get update -q >&2 || return 1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 || return 1
}

# Runs a command as the cluster's owner: `postgres` when we are root
# (initdb and postgres refuse to run as root), ourselves otherwise.
_schoolops_pg_as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

_schoolops_pg_ensure_os_user() {
  [[ "$(id -u)" -eq 0 ]] || return 0
  getent passwd postgres >/dev/null 2>&1 && return 0
  _schoolops_pg_log "creating the system user postgres"
  useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
    --shell /bin/bash postgres
}

_schoolops_pg_private() {
  local base="${SCHOOLOPS_PG_DIR:-$SCHOOLOPS_REPO/.data/pg}"
  local port="${SCHOOLOPS_PG_PORT:-5433}"
  local bindir data log sock url version i

  if ! bindir="$(_schoolops_pg_bindir)"; then
    _schoolops_pg_install || { _schoolops_pg_log "could not install PostgreSQL"; return 1; }
    bindir="$(_schoolops_pg_bindir)" || { _schoolops_pg_log "no initdb under /usr/lib/postgresql/*/bin after installing"; return 1; }
  fi
  _schoolops_pg_ensure_os_user || return 1

  mkdir -p "$base" || return 1
  base="$(cd "$base" && pwd)"
  if [[ "$(id -u)" -eq 0 ]]; then
    chown postgres: "$base" && chmod 700 "$base" || return 1
    if ! runuser -u postgres -- test -w "$base" 2>/dev/null; then
      # An ancestor of the repo (/root, say) is closed to the postgres user.
      local fallback
      fallback="/tmp/schoolops-pg-$(printf '%s' "$base" | cksum | cut -d' ' -f1)"
      _schoolops_pg_log "the postgres user cannot reach $base; using $fallback instead"
      base="$fallback"
      mkdir -p "$base" && chown postgres: "$base" && chmod 700 "$base" || return 1
    fi
  fi
  data="$base/data"
  log="$base/log"

  # A unix socket path is limited to 107 bytes.
  sock="$base/sock"
  if (( ${#sock} + ${#port} + 10 > 107 )); then
    sock="/tmp/schoolops-pg-$(id -u)-$(printf '%s' "$base" | cksum | cut -d' ' -f1)"
  fi
  mkdir -p "$sock" || return 1
  if [[ "$(id -u)" -eq 0 ]]; then chown postgres: "$sock" || return 1; fi
  chmod 700 "$sock" || return 1

  if [[ -f "$data/PG_VERSION" ]]; then
    version="$(cat "$data/PG_VERSION")"
    if ! bindir="$(_schoolops_pg_bindir "$version")"; then
      _schoolops_pg_log "$data was made by PostgreSQL $version, which is not installed; remove $base to start afresh"
      return 1
    fi
  else
    local locale=C
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then locale=C.UTF-8; fi
    _schoolops_pg_log "initializing a private cluster in $data"
    if ! (cd "$base" && _schoolops_pg_as_owner "$bindir/initdb" -D "$data" -A trust -U postgres \
      -E UTF8 --locale="$locale" >"$base/initdb.log" 2>&1); then
      cat "$base/initdb.log" >&2
      _schoolops_pg_log "initdb failed"
      return 1
    fi
    printf "\n# Written by scripts/lib/pg.sh on each start.\ninclude_if_exists = 'schoolops.conf'\n" \
      >>"$data/postgresql.conf" || return 1
  fi

  # Already running (pid file, and the server says so)? Reuse it on its own port.
  if [[ -f "$data/postmaster.pid" ]] &&
    (cd "$base" && _schoolops_pg_as_owner "$bindir/pg_ctl" status -D "$data" >/dev/null 2>&1); then
    local running_port
    running_port="$(sed -n 4p "$data/postmaster.pid")"
    url="postgres://postgres@127.0.0.1:${running_port:-$port}/postgres"
    for ((i = 0; i < 30; i++)); do
      if _schoolops_pg_answers "$bindir/psql" "$url"; then
        export PG_ADMIN_URL="$url" SCHOOLOPS_PG_STARTED=0
        _schoolops_pg_log "reusing the private cluster in ${base#"$SCHOOLOPS_REPO"/} on ${running_port:-$port}"
        return 0
      fi
      sleep 1
    done
    _schoolops_pg_log "a private cluster runs in $base but does not answer on ${running_port:-$port}; see $log"
    return 1
  fi

  local sock_q="${sock//\'/\'\'}"
  printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n" \
    "$port" "$sock_q" >"$data/schoolops.conf" || return 1
  if [[ "$(id -u)" -eq 0 ]]; then chown postgres: "$data/schoolops.conf" || return 1; fi

  url="postgres://postgres@127.0.0.1:$port/postgres"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    _schoolops_pg_log "port $port is taken by another program; set SCHOOLOPS_PG_PORT to a free port"
    return 1
  fi
  if ! (cd "$base" && _schoolops_pg_as_owner "$bindir/pg_ctl" start -D "$data" -l "$log" -w -t 60 \
    >/dev/null 2>&1); then
    tail -n 20 "$log" >&2 2>/dev/null || true
    _schoolops_pg_log "could not start the private cluster (log: $log)"
    return 1
  fi
  _SCHOOLOPS_PG_BASE="$base"
  _SCHOOLOPS_PG_DATA="$data"
  _SCHOOLOPS_PG_BINDIR="$bindir"
  export SCHOOLOPS_PG_STARTED=1
  for ((i = 0; i < 60; i++)); do
    if _schoolops_pg_answers "$bindir/psql" "$url"; then
      export PG_ADMIN_URL="$url"
      _schoolops_pg_log "started private cluster in ${base#"$SCHOOLOPS_REPO"/} on $port"
      return 0
    fi
    sleep 0.5
  done
  tail -n 20 "$log" >&2 2>/dev/null || true
  _schoolops_pg_log "the private cluster started but does not answer on $port (log: $log)"
  stop_private_postgres
  return 1
}

ensure_postgres() {
  local candidate="${PG_ADMIN_URL:-${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
  export SCHOOLOPS_PG_STARTED=0
  if command -v psql >/dev/null 2>&1 && _schoolops_pg_answers psql "$candidate"; then
    export PG_ADMIN_URL="$candidate"
    _schoolops_pg_log "using $(_schoolops_pg_hostport "$candidate")"
    return 0
  fi
  if command -v psql >/dev/null 2>&1; then
    _schoolops_pg_log "nothing answers at $(_schoolops_pg_hostport "$candidate"); using a private cluster"
  else
    _schoolops_pg_log "psql not found; using a private cluster"
  fi
  _schoolops_pg_private
}

stop_private_postgres() {
  if [[ "${SCHOOLOPS_PG_STARTED:-0}" != 1 || -z "${_SCHOOLOPS_PG_DATA:-}" ]]; then
    return 0
  fi
  _schoolops_pg_log "stopping the private cluster in ${_SCHOOLOPS_PG_BASE#"$SCHOOLOPS_REPO"/}"
  if ! (cd "$_SCHOOLOPS_PG_BASE" &&
    _schoolops_pg_as_owner "$_SCHOOLOPS_PG_BINDIR/pg_ctl" stop -D "$_SCHOOLOPS_PG_DATA" -m fast -w -t 60 \
      >/dev/null 2>&1); then
    _schoolops_pg_log "pg_ctl stop failed (log: $_SCHOOLOPS_PG_BASE/log)"
    return 1
  fi
  export SCHOOLOPS_PG_STARTED=0
  unset _SCHOOLOPS_PG_BASE _SCHOOLOPS_PG_DATA _SCHOOLOPS_PG_BINDIR
}

start_private_postgres() {
  local dir="$1" port="$2"
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    _schoolops_pg_log "a cluster already runs in $dir; stop it first"
    return 1
  fi
  SCHOOLOPS_PG_DIR="$dir" SCHOOLOPS_PG_PORT="$port" _schoolops_pg_private || return 1
  if [[ "${SCHOOLOPS_PG_STARTED:-0}" != 1 ]]; then
    _schoolops_pg_log "reused a running cluster in $dir instead of starting one"
    return 1
  fi
}

stop_started_postgres() {
  local mode="${1:-fast}"
  [[ -n "${_SCHOOLOPS_PG_DATA:-}" ]] || { _schoolops_pg_log "no cluster of this shell's own to stop"; return 1; }
  (cd "$_SCHOOLOPS_PG_BASE" &&
    _schoolops_pg_as_owner "$_SCHOOLOPS_PG_BINDIR/pg_ctl" stop -D "$_SCHOOLOPS_PG_DATA" -m "$mode" -w -t 60 \
      >/dev/null 2>&1) || { _schoolops_pg_log "pg_ctl stop failed (log: $_SCHOOLOPS_PG_BASE/log)"; return 1; }
}

start_started_postgres() {
  [[ -n "${_SCHOOLOPS_PG_DATA:-}" ]] || { _schoolops_pg_log "no cluster of this shell's own to start"; return 1; }
  (cd "$_SCHOOLOPS_PG_BASE" &&
    _schoolops_pg_as_owner "$_SCHOOLOPS_PG_BINDIR/pg_ctl" start -D "$_SCHOOLOPS_PG_DATA" -l "$_SCHOOLOPS_PG_BASE/log" \
      -w -t 60 >/dev/null 2>&1) || { _schoolops_pg_log "pg_ctl start failed (log: $_SCHOOLOPS_PG_BASE/log)"; return 1; }
}
