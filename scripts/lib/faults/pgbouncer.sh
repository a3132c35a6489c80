# shellcheck shell=bash
# Sourced by scripts/faults: the `pgbouncer` scenario. Debian's PgBouncer
# (installed with apt-get when missing) in transaction mode on a free
# loopback port in front of the drill's cluster, with a small server pool
# (FAULTS_PGBOUNCER_POOL, 3) and a wildcard database so every per-test
# database routes through it. The api and worker are restarted with
#   DATABASE_URL         PgBouncer (every query)
#   DATABASE_DIRECT_URL  the cluster itself (LISTEN, pruning's lock)
#   DATABASE_POOL_MODE   transaction
# then: the tenancy suites run with the tests' app pools through it; a
# payment burst is posted by the worker while a second school reads; and
# sessions outside a transaction are read for a school setting. Uses the
# helpers of scripts/faults (say, free_port, stop_pid, wait_for, call, sql,
# books, holds, verdict, alive, start_api, start_worker, ...).

PGB_POOL="${FAULTS_PGBOUNCER_POOL:-3}"
PGB_PID=""
PGB_DIR=""
PGB_PORT=""
PGB_BIN=""

ensure_pgbouncer() {
  PGB_BIN="$(command -v pgbouncer || true)"
  [[ -z "$PGB_BIN" && -x /usr/sbin/pgbouncer ]] && PGB_BIN=/usr/sbin/pgbouncer
  [[ -n "$PGB_BIN" ]] && return 0
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { say "need root or sudo to install pgbouncer"; return 1; }
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null 2>&1 || { say "pgbouncer is missing and apt-get is not available"; return 1; }
  say "installing the Debian package pgbouncer (apt-get)"
  "${sudo[@]}" apt-get update -q >&2 || return 1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends pgbouncer >&2 ||
    return 1
  PGB_BIN=/usr/sbin/pgbouncer
  [[ -x "$PGB_BIN" ]] || { say "no /usr/sbin/pgbouncer after apt-get"; return 1; }
}

# start_pgbouncer UPSTREAM_PORT: PgBouncer on a free port in front of
# 127.0.0.1:UPSTREAM_PORT; sets PGB_PORT and PGB_PID.
start_pgbouncer() {
  local upstream="$1" user
  PGB_PORT="$(free_port)"
  # Outside the repo: as root PgBouncer runs as postgres, who may not reach it.
  PGB_DIR="$(mktemp -d /tmp/schoolops-pgbouncer.XXXXXX)"
  # DEALLOCATE ALL after every transaction: sqlx 0.9 names each statement
  # even with its cache off (README, "Behind PgBouncer").
  cat >"$PGB_DIR/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$upstream

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = trust
auth_file = $PGB_DIR/userlist.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = $PGB_POOL
max_client_conn = 500
server_reset_query = DEALLOCATE ALL
server_reset_query_always = 1
ignore_startup_parameters = extra_float_digits
query_wait_timeout = 30
EOF
  for user in schoolops_app schoolops_owner postgres; do
    printf '"%s" ""\n' "$user"
  done >"$PGB_DIR/userlist.txt"
  local run=("$PGB_BIN" "$PGB_DIR/pgbouncer.ini")
  if [[ "$(id -u)" -eq 0 ]]; then
    chown -R postgres: "$PGB_DIR"
    run=("$PGB_BIN" -u postgres "$PGB_DIR/pgbouncer.ini")
  fi
  "${run[@]}" >>"$RUN/pgbouncer.log" 2>&1 &
  PGB_PID=$!
  wait_for 10 "PgBouncer" psql "postgres://postgres@127.0.0.1:$PGB_PORT/pgbouncer" -X -q -c 'SHOW VERSION'
  say "$("$PGB_BIN" --version | head -n 1) on $PGB_PORT, transaction mode, $PGB_POOL server connections per database and user"
}

stop_pgbouncer() {
  stop_pid "$PGB_PID"
  PGB_PID=""
  [[ -n "$PGB_DIR" ]] && rm -rf "$PGB_DIR"
  PGB_DIR=""
}

# through_pgbouncer URL: URL with PgBouncer's host and port.
through_pgbouncer() {
  sed -E "s#@[^/@]+/#@127.0.0.1:$PGB_PORT/#" <<<"$1"
}

# pool_sample: "clients servers waiting" of the runtime role's pool on
# the drill's database, from PgBouncer's SHOW POOLS.
pool_sample() {
  psql "postgres://postgres@127.0.0.1:$PGB_PORT/pgbouncer" -X -q -A -F '|' -c 'SHOW POOLS' 2>/dev/null |
    awk -F '|' -v db="$DATABASE_NAME" '
      NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
      $col["database"] == db && $col["user"] == "schoolops_app" {
        print $col["cl_active"] + $col["cl_waiting"],
          $col["sv_active"] + $col["sv_idle"] + $col["sv_used"] + $col["sv_tested"] + $col["sv_login"],
          $col["cl_waiting"] }'
}

# sessions_outside_transactions N FILE: N psql sessions through PgBouncer,
# one after another, each answering "school|backend pid" outside any
# transaction; appended to FILE.
sessions_outside_transactions() {
  local i
  for ((i = 0; i < $1; i++)); do
    psql "$PGB_APP_URL" -X -q -At -c \
      "SELECT coalesce(current_setting('app.current_school_id', true), '') || '|' || pg_backend_pid()" \
      >>"$2" 2>>"$RUN/pgbouncer-sessions.err" || true
  done
}

scenario_pgbouncer() {
  local ok=1 problems=() tests_log="$RUN/pgbouncer-tests.log" tests passed
  ensure_pgbouncer || { verdict pgbouncer 0 "PgBouncer could not be installed"; return; }
  start_pgbouncer "$DATABASE_PORT"
  PGB_APP_URL="$(through_pgbouncer "$DATABASE_URL")"

  # (a) The tenancy suites and the PgBouncer tests, the app's pools through it.
  say "tenancy suites through PgBouncer (log: ${tests_log#"$REPO"/})"
  if SCHOOLOPS_TEST_PGBOUNCER_PORT="$PGB_PORT" DATABASE_URL="$DATABASE_URL" \
    DATABASE_OWNER_URL="$DATABASE_OWNER_URL" NO_COLOR=1 RUST_LOG=warn \
    cargo test -q -p api --test api -- tenancy pgbouncer --nocapture >"$tests_log" 2>&1; then
    tests=ok
  else
    tests=failed
    problems+=("the tests through PgBouncer failed (see ${tests_log#"$REPO"/})")
  fi
  passed="$(grep -oE '[0-9]+ passed' "$tests_log" | tail -n 1 || true)"

  # (b) The api and worker through PgBouncer; LISTEN direct.
  PGB_SERVICE_ENV=(DATABASE_URL="$PGB_APP_URL" DATABASE_DIRECT_URL="$DATABASE_URL"
    DATABASE_POOL_MODE=transaction)
  stop_worker main
  stop_pid "$API_PID"
  start_api
  start_worker main
  new_school pgbouncer-reader
  local reader_token="$TOKEN" reader_school="$SCHOOL" reader_class reader_students
  reader_class="$(new_class "Grade 4 Reader")"
  seed "$reader_class" 10 READ
  reader_students="$(sql "SELECT coalesce(json_agg(id), '[]') FROM students")"
  new_school pgbouncer
  local class students=60 payer_students burst b samples="$RUN/pgbouncer-pools.txt" sessions="$RUN/pgbouncer-sessions.txt"
  class="$(new_class "Grade 4 Burst")"
  seed "$class" "$students" BURST
  generate "$class"
  payer_students="$(sql "SELECT json_agg(id) FROM students")"
  : >"$samples"
  : >"$sessions"
  (while :; do pool_sample >>"$samples"; sleep 0.2; done) &
  local sampler=$!
  sessions_outside_transactions 100 "$sessions" &
  local session_reader=$!
  burst="$(jq -nc --arg api "$API" --arg pt "$TOKEN" --arg ps "$SCHOOL" --argjson pstu "$payer_students" \
    --arg rt "$reader_token" --arg rs "$reader_school" --argjson rstu "$reader_students" \
    '{api: $api, connections: 16,
      payer: {token: $pt, school: $ps, students: $pstu, amounts: [5000, 15000]},
      reader: {token: $rt, school: $rs, students: $rstu}}' | "$PY" "$LIB/pay_burst.py")"
  say "burst: $burst"
  local expected=$((students * 2))
  wait_for 120 "every payment to be posted" sql_is \
    "SELECT count(*) FROM payments WHERE posting_status = 'POSTED'" "$expected" || true
  wait "$session_reader" || true
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  b="$(books)"

  # (c) What the reader was shown, and the sessions outside a transaction.
  holds "$burst" ".payments == $expected and .failed == 0" ||
    problems+=("burst $(jq -c '{payments, failed, failures}' <<<"$burst")")
  holds "$burst" '.foreign_rows == 0 and (.read_failures | length) == 0 and .reads > 0' ||
    problems+=("reader $(jq -c '{reads, foreign, read_failures}' <<<"$burst")")
  holds "$b" ".payments == $expected and .posted == $expected and .payment_entries == $expected" ||
    problems+=("$(jq -c '{payments, posted, payment_entries}' <<<"$b")")
  holds "$b" ".doubled_sources == 0 and .unbalanced_entries == 0 and .debits == .credits" ||
    problems+=("journal off")
  holds "$b" ".receivable == .open_balances" || problems+=("1100 differs from open invoices")
  holds "$b" ".received == $((students * 20000)) and .paid_on_invoices + .credit_held == .received and .credit_held == $((students * 1500))" ||
    problems+=("received $(jq .received <<<"$b"), on invoices $(jq .paid_on_invoices <<<"$b"), credit $(jq .credit_held <<<"$b")")
  local read_sessions leaked servers max_clients max_servers max_waiting
  read_sessions="$(wc -l <"$sessions")"
  leaked="$(grep -cv '^|' "$sessions" || true)"
  servers="$(cut -d'|' -f2 "$sessions" | sort -u | wc -l)"
  read -r max_clients max_servers max_waiting < <(awk '
    { if ($1 > c) c = $1; if ($2 > s) s = $2; if ($3 > w) w = $3 }
    END { print c + 0, s + 0, w + 0 }' "$samples")
  ((read_sessions >= 90)) || problems+=("only $read_sessions of 100 sessions answered")
  ((leaked == 0)) || problems+=("$leaked sessions outside a transaction had a school set: $(grep -v '^|' "$sessions" | head -n 3 | tr '\n' ' ')")
  ((max_servers <= PGB_POOL)) || problems+=("$max_servers server connections, more than the pool's $PGB_POOL")
  ((max_clients > max_servers)) || problems+=("the pool was never shared: $max_clients clients on $max_servers servers")
  local why
  why="$(alive)" || problems+=("$why")

  # Back to direct connections for any scenario after this one.
  PGB_SERVICE_ENV=()
  stop_worker main
  stop_pid "$API_PID"
  start_api
  start_worker main
  stop_pgbouncer
  ((${#problems[@]} == 0)) || ok=0
  verdict pgbouncer "$ok" "PgBouncer transaction mode, $PGB_POOL server connections: tenancy suites and PgBouncer tests $tests (${passed:-0 passed}); $(jq -r '"burst of \(.payments) payments by 16 connections in \(.seconds)s"' <<<"$burst"): $(jq -r '"\(.posted) POSTED, \(.payment_entries) payment journal entries, received \(.received) = on invoices \(.paid_on_invoices) + credit on 2000 \(.credit_held), DR \(.debits) = CR \(.credits), 1100 \(.receivable) = open invoices \(.open_balances)"' <<<"$b"); up to $max_clients api and worker connections on $max_servers server connections ($max_waiting waiting); the other school read $(jq .reads <<<"$burst") times meanwhile, $(jq .foreign_rows <<<"$burst") foreign rows; $read_sessions sessions outside a transaction on $servers server connections, $leaked with a school set${problems:+; PROBLEMS: ${problems[*]}}"
}
