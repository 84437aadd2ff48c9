#!/usr/bin/env bash
# `make prod`: loanflow on one machine with production settings, on
# PostgreSQL and Redis: gunicorn (WEB_WORKERS workers, default 2) and
# WORKER_PROCESSES `manage.py qcluster` processes (default 2), after migrate,
# collectstatic and setup_schedules. Ctrl-C (or SIGTERM/SIGHUP to this
# script) stops them all; so does any one of them stopping.
#
# Plain http on loopback: SECURE_SSL_REDIRECT=0 and SECURE_COOKIES=0 are set
# here for that, and only here; behind TLS leave them on (deploy/env.example).
#
#   make prod
#   PORT=8140 WEB_WORKERS=4 WORKER_PROCESSES=1 make prod
#   DATABASE_URL=postgres://... Q_BROKER_URL=redis://... CACHE_URL=redis://... make prod
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
GUNICORN=${GUNICORN:-.venv/bin/gunicorn}

# SECRET_KEY and BORROWER_LINK_KEY: from the environment, else from a file
# outside the repository, made on the first run (mode 600). Kept, so that
# sessions and the borrowers' links survive a restart.
keys_file=${PROD_KEYS_FILE:-${XDG_CONFIG_HOME:-$HOME/.config}/loanflow/prod-keys.env}
if [ -z "${SECRET_KEY:-}" ] || [ -z "${BORROWER_LINK_KEY:-}" ]; then
  if [ ! -f "$keys_file" ]; then
    mkdir -p "$(dirname "$keys_file")"
    (umask 077 && "$PY" -c 'import secrets
print("SECRET_KEY=" + secrets.token_urlsafe(50))
print("BORROWER_LINK_KEY=" + secrets.token_urlsafe(50))' > "$keys_file")
    echo "run_prod: new SECRET_KEY and BORROWER_LINK_KEY written to $keys_file"
  fi
  while IFS='=' read -r name value; do
    case "$name" in
      SECRET_KEY) export SECRET_KEY="${SECRET_KEY:-$value}" ;;
      BORROWER_LINK_KEY) export BORROWER_LINK_KEY="${BORROWER_LINK_KEY:-$value}" ;;
    esac
  done < "$keys_file"
fi

export DEBUG=0
export PORT=${PORT:-8000}
export WEB_WORKERS=${WEB_WORKERS:-2}
WORKER_PROCESSES=${WORKER_PROCESSES:-2}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/loanflow_prod}
export Q_BROKER_URL=${Q_BROKER_URL:-redis://127.0.0.1:6379/0}
export CACHE_URL=${CACHE_URL:-redis://127.0.0.1:6379/1}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
export SITE_URL=${SITE_URL:-http://127.0.0.1:$PORT}
export SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT:-0}
export SECURE_COOKIES=${SECURE_COOKIES:-0}

# The database (created if missing) and Redis must answer before anything starts.
"$PY" - <<'PYEOF'
import os
import sys

import dj_database_url
import psycopg
import redis

db = dj_database_url.parse(os.environ["DATABASE_URL"])
if db["ENGINE"] != "django.db.backends.postgresql":
    sys.exit("run_prod: DATABASE_URL must name a PostgreSQL database")
server = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"] or None,
          "password": db["PASSWORD"] or None}
try:
    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **server) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
            print(f"run_prod: created database {db['NAME']}")
except psycopg.Error as exc:
    sys.exit(f"run_prod: PostgreSQL at {server['host']}:{server['port']} does not answer: {exc}")
for name in ("Q_BROKER_URL", "CACHE_URL"):
    try:
        redis.Redis.from_url(os.environ[name], socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        sys.exit(f"run_prod: Redis at {name}={os.environ[name]} does not answer: {exc}")
PYEOF

"$PY" manage.py migrate --noinput
"$PY" manage.py collectstatic --noinput --verbosity 0
"$PY" manage.py setup_schedules

# Each process in its own session, so that Ctrl-C in the terminal reaches
# only this script, which then stops each one the way it stops cleanly.
# gunicorn: SIGTERM to the arbiter, whose workers finish their requests.
# qcluster: SIGTERM to the main process only, never its group: signalling
# every process drops the tasks in hand and can leave it hung (FIELD-NOTES).
pids=()
names=()
start() {
  local name=$1; shift
  setsid "$@" &
  pids+=("$!")
  names+=("$name")
}

# Messages never stop the stopping: with `make prod | tee log`, Ctrl-C ends
# tee too, and a write to its pipe would otherwise end this script.
say() { echo "run_prod: $*" >&2 || true; }

stopping=0
stop_all() {
  [ "$stopping" = 1 ] && return
  stopping=1
  trap '' INT TERM HUP PIPE
  say "stopping ${#pids[@]} processes"
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  # gunicorn's graceful_timeout is 30 s; then whatever is left is killed.
  local deadline=$((SECONDS + ${STOP_TIMEOUT:-70}))
  for i in "${!pids[@]}"; do
    while kill -0 "${pids[$i]}" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      say "${names[$i]} (pid ${pids[$i]}) did not stop in time; killing it"
    fi
    # The main process and anything it left behind in its session.
    kill -KILL -- "-${pids[$i]}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  say "all stopped"
}
trap 'stop_all; exit 0' INT TERM HUP

start gunicorn "$GUNICORN" --config deploy/gunicorn.conf.py loanflow.wsgi
for i in $(seq 1 "$WORKER_PROCESSES"); do
  start "qcluster $i" "$PY" manage.py qcluster
done
echo "run_prod: loanflow on $SITE_URL/ with $WEB_WORKERS web workers and $WORKER_PROCESSES qcluster processes" \
     "(database ${DATABASE_URL##*/}); Ctrl-C stops them all."
echo "run_prod: no users yet? DEBUG=1 DATABASE_URL=$DATABASE_URL $PY manage.py createsuperuser"

# Until a signal comes (the trap runs) or one process ends on its own.
status=0
wait -n || status=$?
for i in "${!pids[@]}"; do
  if ! kill -0 "${pids[$i]}" 2>/dev/null; then
    say "${names[$i]} (pid ${pids[$i]}) stopped (exit status $status); stopping the rest"
  fi
done
stop_all
exit 1
