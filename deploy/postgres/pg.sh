#!/usr/bin/env bash
# A private PostgreSQL server for tests and local runs (no Docker needed).
#
# Usage: deploy/postgres/pg.sh install|start|stop|status|url [DB]
#   install  only make sure the binaries (and, as root, the postgres user) exist.
#
# Environment:
#   PG_DIR        run directory (default: <repo>/.run/postgres). It holds data/ (the
#                 cluster), socket/ (the unix socket) and postgres.log. When that socket
#                 path would not fit in 107 bytes, the socket goes to /tmp/pmf-pg-<port>.
#   PG_PORT       TCP port on 127.0.0.1 (default: 55432).
#   PG_DATABASES  space-separated databases to create, owned by role pmf, when missing
#                 (default: "pmf").
#   PG_FAST=1     fsync, synchronous_commit and full_page_writes off: for tests only,
#                 a crash of the machine may corrupt the cluster.
#   PG_EXTRA_CONF lines added to the server configuration (e.g. to load
#                 pg_stat_statements while profiling).
#   PG_BIN        directory holding initdb/pg_ctl/postgres (default: the newest
#                 /usr/lib/postgresql/*/bin, else PATH; installs Debian's postgresql
#                 package with apt-get when none is found).
#
# Security of this private server: it listens on 127.0.0.1 only. TCP logins use
# scram-sha-256 (role pmf, password pmf). The unix socket trusts every local user, but
# it lives in a directory only the server's user can enter; the admin steps below use it.
#
# PostgreSQL refuses to run as root, so when run as root the cluster and server belong to
# the `postgres` system user (created if missing) and the run directory is chown'ed to it.
# Every existing parent of PG_DIR must let that user pass: parents lacking the search bit
# for others (e.g. pytest's 0700 /tmp/pytest-of-root) get `o+x` added (not read), and the
# change is reported on stderr.
set -euo pipefail

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

PG_PORT="${PG_PORT:-55432}"
PG_DIR="${PG_DIR:-$(repo_root)/.run/postgres}"
PG_DATABASES="${PG_DATABASES:-pmf}"
PG_FAST="${PG_FAST:-0}"
PG_BIN="${PG_BIN:-}"
PG_SYSTEM_USER=postgres
APP_ROLE=pmf
APP_PASSWORD=pmf
READY_TIMEOUT=30

say() { echo "pg.sh: $*" >&2; }
die() { say "$*"; exit 1; }

PG_DIR="$(realpath -m "$PG_DIR")"
DATA_DIR="$PG_DIR/data"
LOG_FILE="$PG_DIR/postgres.log"

[[ "$PG_PORT" =~ ^[0-9]+$ ]] || die "PG_PORT must be a number, got '$PG_PORT'"

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# The unix socket path (dir + "/.s.PGSQL.<port>") must fit in sun_path (107 bytes).
socket_dir() {
  local dir="$PG_DIR/socket"
  if (( ${#dir} + 20 > 100 )); then
    dir="/tmp/pmf-pg-$PG_PORT"
  fi
  echo "$dir"
}

# --- binaries -------------------------------------------------------------------------

find_bin_dir() {
  if [[ -n "$PG_BIN" ]]; then
    [[ -x "$PG_BIN/initdb" ]] && { echo "$PG_BIN"; return 0; }
    return 1
  fi
  local newest
  newest="$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n 1 || true)"
  if [[ -n "$newest" && -x "$newest/initdb" && -x "$newest/pg_ctl" && -x "$newest/postgres" ]]
  then
    echo "$newest"; return 0
  fi
  local initdb
  initdb="$(command -v initdb || true)"
  if [[ -n "$initdb" ]]; then
    dirname "$initdb"; return 0
  fi
  return 1
}

install_postgres() {
  is_root || die "PostgreSQL is not installed and installing it needs root"
  say "initdb not found: installing Debian's postgresql package"
  # Keep the package from starting its own 'main' cluster service.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1
  fi
  local rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; } >&2 || rc=$?
  (( created_policy )) && rm -f "$policy"
  (( rc == 0 )) || die "apt-get install postgresql failed (exit $rc)"
}

resolve_bins() {
  BIN_DIR="$(find_bin_dir || true)"
  if [[ -z "$BIN_DIR" && -n "$PG_BIN" ]]; then
    die "PG_BIN=$PG_BIN holds no initdb"
  fi
  if [[ -z "$BIN_DIR" ]]; then
    install_postgres
    BIN_DIR="$(find_bin_dir || true)"
    [[ -n "$BIN_DIR" ]] || die "no initdb found even after installing postgresql"
  fi
  INITDB="$BIN_DIR/initdb"
  PG_CTL="$BIN_DIR/pg_ctl"
  PSQL="$BIN_DIR/psql"; [[ -x "$PSQL" ]] || PSQL="$(command -v psql)"
  PG_ISREADY="$BIN_DIR/pg_isready"; [[ -x "$PG_ISREADY" ]] || PG_ISREADY="$(command -v pg_isready || true)"
}

# --- the server's user ----------------------------------------------------------------

ensure_system_user() {
  is_root || return 0
  id -u "$PG_SYSTEM_USER" >/dev/null 2>&1 && return 0
  say "creating system user $PG_SYSTEM_USER"
  useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash \
    "$PG_SYSTEM_USER"
}

# Run a command as the server's user (as is when not root), from / so that a private cwd
# does not produce warnings.
as_pg() {
  if is_root; then
    (cd / && runuser -u "$PG_SYSTEM_USER" -- "$@")
  else
    (cd / && "$@")
  fi
}

# Let the server's user traverse every existing parent of the run directory.
grant_parent_search() {
  is_root || return 0
  local dir="$PG_DIR"
  local -a parents=()
  while [[ "$dir" != "/" ]]; do
    dir="$(dirname "$dir")"
    parents+=("$dir")
  done
  local p
  for p in "${parents[@]}"; do
    [[ -d "$p" ]] || continue
    if ! runuser -u "$PG_SYSTEM_USER" -- test -x "$p"; then
      say "granting search permission (o+x) on $p so $PG_SYSTEM_USER can reach $PG_DIR"
      chmod o+x "$p"
    fi
  done
}

prepare_dirs() {
  local sock
  sock="$(socket_dir)"
  mkdir -p "$PG_DIR" "$sock"
  if is_root; then
    chown "$PG_SYSTEM_USER:" "$PG_DIR" "$sock"
    [[ -d "$DATA_DIR" ]] && chown -R "$PG_SYSTEM_USER:" "$DATA_DIR"
    [[ -e "$LOG_FILE" ]] && chown "$PG_SYSTEM_USER:" "$LOG_FILE"
    grant_parent_search
  fi
  chmod 0700 "$PG_DIR" "$sock"
}

# --- cluster --------------------------------------------------------------------------

init_cluster() {
  [[ -f "$DATA_DIR/PG_VERSION" ]] && return 0
  say "initialising a cluster in $DATA_DIR"
  as_pg "$INITDB" --pgdata="$DATA_DIR" --username=postgres --encoding=UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  as_pg sh -c "cat >> '$DATA_DIR/postgresql.conf'" <<'EOF'

# --- pmf private server (deploy/postgres/pg.sh) ---
shared_buffers = 64MB
max_connections = 100
logging_collector = off
include_if_exists = 'pmf.conf'
EOF
}

# Settings that may change from one start to the next (port, socket, fast mode).
write_runtime_conf() {
  local fast=""
  if [[ "$PG_FAST" == "1" ]]; then
    fast=$'fsync = off\nsynchronous_commit = off\nfull_page_writes = off'
  fi
  as_pg sh -c "cat > '$DATA_DIR/pmf.conf'" <<EOF
# Written by deploy/postgres/pg.sh at every start; do not edit.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$(socket_dir)'
$fast
${PG_EXTRA_CONF:-}
EOF
}

is_running() {
  [[ -f "$DATA_DIR/PG_VERSION" ]] || return 1
  as_pg "$PG_CTL" status -D "$DATA_DIR" >/dev/null 2>&1
}

log_tail() {
  say "last lines of $LOG_FILE:"
  tail -n 40 "$LOG_FILE" >&2 2>/dev/null || true
}

wait_ready() {
  local deadline=$(( SECONDS + READY_TIMEOUT ))
  while (( SECONDS < deadline )); do
    if [[ -n "$PG_ISREADY" ]]; then
      "$PG_ISREADY" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 && return 0
    else
      admin_sql "select 1" >/dev/null 2>&1 && return 0
    fi
    sleep 0.2
  done
  return 1
}

admin_sql() {
  as_pg "$PSQL" -X -q -v ON_ERROR_STOP=1 -At -h "$(socket_dir)" -p "$PG_PORT" \
    -U postgres -d postgres -c "$1"
}

ensure_role_and_databases() {
  admin_sql "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_ROLE') THEN
      CREATE ROLE $APP_ROLE LOGIN PASSWORD '$APP_PASSWORD' NOSUPERUSER CREATEDB;
    ELSE
      ALTER ROLE $APP_ROLE LOGIN PASSWORD '$APP_PASSWORD' NOSUPERUSER CREATEDB;
    END IF;
  END \$\$;"
  local db exists
  for db in $PG_DATABASES; do
    [[ "$db" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "bad database name '$db'"
    exists="$(admin_sql "SELECT 1 FROM pg_database WHERE datname = '$db'")"
    if [[ "$exists" != "1" ]]; then
      say "creating database $db"
      admin_sql "CREATE DATABASE \"$db\" OWNER $APP_ROLE"
    fi
  done
}

# --- subcommands ----------------------------------------------------------------------

cmd_start() {
  resolve_bins
  ensure_system_user
  prepare_dirs
  init_cluster
  if is_running; then
    say "already running ($DATA_DIR)"
  else
    write_runtime_conf
    is_root && touch "$LOG_FILE" && chown "$PG_SYSTEM_USER:" "$LOG_FILE"
    if ! as_pg "$PG_CTL" start -D "$DATA_DIR" -l "$LOG_FILE" -w -t "$READY_TIMEOUT" \
      >/dev/null 2>"$PG_DIR/pg_ctl.err"; then
      cat "$PG_DIR/pg_ctl.err" >&2 || true
      log_tail
      die "PostgreSQL did not start on 127.0.0.1:$PG_PORT"
    fi
  fi
  if ! wait_ready; then
    log_tail
    die "PostgreSQL does not answer on 127.0.0.1:$PG_PORT after ${READY_TIMEOUT}s"
  fi
  ensure_role_and_databases
  say "ready on 127.0.0.1:$PG_PORT (data $DATA_DIR)"
}

cmd_install() {
  resolve_bins
  ensure_system_user
  say "PostgreSQL binaries in $BIN_DIR"
}

cmd_stop() {
  if [[ ! -f "$DATA_DIR/PG_VERSION" ]]; then
    say "no cluster in $DATA_DIR: nothing to stop"; return 0
  fi
  resolve_bins
  if ! is_running; then
    say "not running"; return 0
  fi
  as_pg "$PG_CTL" stop -D "$DATA_DIR" -m fast -w -t "$READY_TIMEOUT" >/dev/null
  say "stopped"
}

cmd_status() {
  if [[ ! -f "$DATA_DIR/PG_VERSION" ]]; then
    echo "no cluster in $DATA_DIR"; return 3
  fi
  resolve_bins
  if is_running; then
    echo "running on 127.0.0.1:$PG_PORT (data $DATA_DIR)"; return 0
  fi
  echo "not running (data $DATA_DIR)"; return 3
}

cmd_url() {
  local base="postgresql+psycopg://$APP_ROLE:$APP_PASSWORD@127.0.0.1:$PG_PORT"
  if [[ $# -ge 1 && -n "$1" ]]; then
    echo "$base/$1"
  else
    echo "$base"
  fi
}

usage() {
  echo "usage: $0 install|start|stop|status|url [DB]" >&2
  exit 2
}

main() {
  [[ $# -ge 1 ]] || usage
  local cmd="$1"; shift
  case "$cmd" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url) cmd_url "$@" ;;
    *) usage ;;
  esac
}

main "$@"
