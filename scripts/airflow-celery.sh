#!/usr/bin/env bash
# Bring up pickwave's DAGs on Airflow's CeleryExecutor: PostgreSQL for the metadata DB, the Celery
# results and the pickwave store, Redis as broker, and api-server, scheduler, dag-processor and
# $CELERY_WORKERS workers in the background (logs in $AIRFLOW_HOME/logs/*.out).
#   scripts/airflow-celery.sh          # start; UI on http://127.0.0.1:8080, user admin
#   scripts/airflow-celery.sh stop     # stop what start launched
# Password: $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$REPO/.venv/bin:$PATH"
export AIRFLOW_HOME="${AIRFLOW_HOME:-$REPO/.airflow-celery}"
PIDS="$AIRFLOW_HOME/pids"

stop() {
  [[ -f $PIDS ]] || { echo "nothing to stop ($PIDS missing)"; return 0; }
  # each part was started with setsid: signal its whole group (task processes included)
  while read -r _ pid; do kill -TERM -- "-$pid" 2>/dev/null || true; done <"$PIDS"
  for _ in $(seq 30); do
    alive=0
    while read -r _ pid; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done <"$PIDS"
    ((alive)) || break
    sleep 1
  done
  while read -r name pid; do
    kill -0 -- "-$pid" 2>/dev/null && { echo "killing $name ($pid)"; kill -KILL -- "-$pid" 2>/dev/null || true; }
  done <"$PIDS"
  rm -f "$PIDS"
  echo "stopped"
}
if [[ ${1:-start} == stop ]]; then stop; exit 0; fi
if [[ -f $PIDS ]]; then echo "already started ($PIDS); run: $0 stop" >&2; exit 1; fi

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
AIRFLOW_DB="${AIRFLOW_DB:-airflow_celery}"
PICKWAVE_DB="${PICKWAVE_DB:-pickwave_celery}"
PG="postgresql+psycopg://$PGUSER@$PGHOST:$PGPORT"
API_PORT="${AIRFLOW__API__PORT:-8080}"
CELERY_WORKERS="${CELERY_WORKERS:-2}"
CELERY_CONCURRENCY="${CELERY_CONCURRENCY:-1}"
# a time-limited wave gives each zone group the time its share allows with this many at once
export PICKWAVE_GROUP_WORKERS="${PICKWAVE_GROUP_WORKERS:-$((CELERY_WORKERS * CELERY_CONCURRENCY))}"

export AIRFLOW__CORE__DAGS_FOLDER="$REPO/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__EXECUTOR=CeleryExecutor
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-$PG/$AIRFLOW_DB}"
# Airflow derives the async URL as postgresql+asyncpg (not installed); psycopg 3 does async too
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC:-$AIRFLOW__DATABASE__SQL_ALCHEMY_CONN}"
export AIRFLOW__CELERY__BROKER_URL="${AIRFLOW__CELERY__BROKER_URL:-redis://127.0.0.1:6379/0}"
# explicit +psycopg: psycopg2 is not installed (SQLAlchemy < 2.1 would default to it)
export AIRFLOW__CELERY__RESULT_BACKEND="${AIRFLOW__CELERY__RESULT_BACKEND:-db+$PG/$AIRFLOW_DB}"
export AIRFLOW__API__HOST="${AIRFLOW__API__HOST:-127.0.0.1}"
export AIRFLOW__API__PORT="$API_PORT"
export AIRFLOW__API__WORKERS="${AIRFLOW__API__WORKERS:-1}"
# task processes on the workers talk to the api-server, not to the DB
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-http://$AIRFLOW__API__HOST:$API_PORT/execution/}"
# 0 = no scheduled runs, waves only when triggered; set e.g. 15 for a wave every 15 minutes
export AIRFLOW_VAR_PICKWAVE_WAVE_INTERVAL_MIN="${AIRFLOW_VAR_PICKWAVE_WAVE_INTERVAL_MIN:-0}"
export AIRFLOW_VAR_PICKWAVE_FULFILMENT_INTERVAL_MIN="${AIRFLOW_VAR_PICKWAVE_FULFILMENT_INTERVAL_MIN:-0}"
export PICKWAVE_DB_URL="${PICKWAVE_DB_URL:-$PG/$PICKWAVE_DB}"
# mapped tasks of one run land on different workers: outputs and staging must be a shared folder
export PICKWAVE_OUTPUT_URL="${PICKWAVE_OUTPUT_URL:-$AIRFLOW_HOME/pickwave/waves}"
export PICKWAVE_INBOX_URL="${PICKWAVE_INBOX_URL:-$AIRFLOW_HOME/pickwave/inbox}"
export PICKWAVE_RETURNS_URL="${PICKWAVE_RETURNS_URL:-$PICKWAVE_INBOX_URL/returns}"

# the CLI (dags unpause/trigger) needs the same settings: `source $AIRFLOW_HOME/env`
mkdir -p "$AIRFLOW_HOME"
export -p | grep -E '^declare -x (AIRFLOW|PICKWAVE_|PG(HOST|PORT|USER)=|PATH=)' >"$AIRFLOW_HOME/env"

for db in "$AIRFLOW_DB" "$PICKWAVE_DB"; do
  [[ $(psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'") == 1 ]] ||
    psql -d postgres -qc "CREATE DATABASE \"$db\""
done
LOGS="$AIRFLOW_HOME/logs"
mkdir -p "$LOGS" "$AIRFLOW_HOME/pickwave"
airflow db migrate >"$LOGS/db-migrate.out" 2>&1 || { tail -20 "$LOGS/db-migrate.out" >&2; exit 1; }
# the store's own schema (Alembic): once here, before workers can pick up tasks
(cd "$REPO" && python -m engine.store.migrate upgrade --url "$PICKWAVE_DB_URL" >/dev/null)

# setsid: own process group per part, so `stop` also reaches the task processes they fork
start() {
  local name=$1; shift
  setsid "$@" >"$LOGS/$name.out" 2>&1 </dev/null &
  echo "$name $!" >>"$PIDS"
}
start api-server airflow api-server
start scheduler airflow scheduler
start dag-processor airflow dag-processor
for i in $(seq "$CELERY_WORKERS"); do
  # one machine, one log-server port per worker (8794 is the triggerer's default)
  port=$((i == 1 ? 8793 : 8793 + i))
  AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=$port start "worker-$i" \
    airflow celery worker --concurrency "$CELERY_CONCURRENCY" --celery-hostname "w$i@%h"
done

for _ in $(seq 90); do
  curl -sf "http://$AIRFLOW__API__HOST:$API_PORT/api/v2/monitor/health" >/dev/null && break
  sleep 1
done
cat <<EOF
UI:     http://$AIRFLOW__API__HOST:$API_PORT  (user admin, password in $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated)
logs:   $LOGS/*.out     waves: $PICKWAVE_OUTPUT_URL
CLI:    source $AIRFLOW_HOME/env; airflow dags unpause wave_planning  (DAGs start paused)
stop:   $0 stop
EOF
