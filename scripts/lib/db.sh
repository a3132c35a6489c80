# shellcheck shell=bash
# Sourced, not executed: provides prepare_database.
#
#   prepare_database
#     Needs PG_ADMIN_URL (run ensure_postgres from pg.sh first). Builds
#     schoolops-admin, runs `schoolops-admin setup --admin-url "$PG_ADMIN_URL"`
#     (creates the roles and the database, applies the migrations) and exports
#     the `export NAME='value'` lines it prints on stdout (DATABASE_URL,
#     DATABASE_OWNER_URL, ...). SCHOOLOPS_DATABASE names the database
#     (default: schoolops-admin's, `schoolops`).
#
# Also sets TARGET_DIR, cargo's target directory as an absolute path.

SCHOOLOPS_REPO="${SCHOOLOPS_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

TARGET_DIR="${CARGO_TARGET_DIR:-$SCHOOLOPS_REPO/target}"
# cargo reads a relative CARGO_TARGET_DIR from its working directory, the repo
# top in these scripts.
[[ "$TARGET_DIR" == /* ]] || TARGET_DIR="$SCHOOLOPS_REPO/$TARGET_DIR"

prepare_database() {
  if [[ -z "${PG_ADMIN_URL:-}" ]]; then
    echo "prepare_database: PG_ADMIN_URL is not set (run ensure_postgres first)" >&2
    return 1
  fi
  echo "database: building schoolops-admin" >&2
  (cd "$SCHOOLOPS_REPO" && cargo build -q -p api --bin schoolops-admin) || return 1

  echo "database: schoolops-admin setup" >&2
  local out line
  # Captured first: inside `eval "$(...)"` a failure of the tool would go unnoticed.
  local named=()
  [[ -n "${SCHOOLOPS_DATABASE:-}" ]] && named=(--database "$SCHOOLOPS_DATABASE")
  out="$("$TARGET_DIR/debug/schoolops-admin" setup --admin-url "$PG_ADMIN_URL" "${named[@]}")" || {
    echo "database: schoolops-admin setup failed" >&2
    return 1
  }
  # Only `export NAME=...` lines are evaluated: anything else on stdout is a bug.
  while IFS= read -r line; do
    [[ -z "$line" ]] && continue
    if [[ ! "$line" =~ ^export\ [A-Za-z_][A-Za-z0-9_]*= ]]; then
      echo "database: unexpected line from schoolops-admin setup: $line" >&2
      return 1
    fi
  done <<<"$out"
  eval "$out"
  if [[ -z "${DATABASE_URL:-}" ]]; then
    echo "database: schoolops-admin setup printed no DATABASE_URL" >&2
    return 1
  fi
  echo "database: ready ($(printf '%s' "$DATABASE_URL" | sed -E 's#^[A-Za-z][A-Za-z0-9+.-]*://##; s#^[^@/?]*@##; s#\?.*$##'))" >&2
}
