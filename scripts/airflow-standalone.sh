#!/usr/bin/env bash
# Bring up `airflow standalone` with pickwave's DAGs on the embedded SQLite store.
#   scripts/airflow-standalone.sh            # UI on http://127.0.0.1:8080, user admin
# Password: $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AIRFLOW_HOME="${AIRFLOW_HOME:-$REPO/.airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$REPO/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
export AIRFLOW__API__HOST=127.0.0.1
# standalone starts its parts as plain `airflow`: the venv must be on PATH
export PATH="$REPO/.venv/bin:$PATH"
export PICKWAVE_DB_URL="${PICKWAVE_DB_URL:-sqlite:///$AIRFLOW_HOME/pickwave/pickwave.db}"
export PICKWAVE_OUTPUT_URL="${PICKWAVE_OUTPUT_URL:-$AIRFLOW_HOME/pickwave/waves}"
export PICKWAVE_INBOX_URL="${PICKWAVE_INBOX_URL:-$AIRFLOW_HOME/pickwave/inbox}"
export PICKWAVE_RETURNS_URL="${PICKWAVE_RETURNS_URL:-$PICKWAVE_INBOX_URL/returns}"
mkdir -p "$AIRFLOW_HOME/pickwave"
airflow db migrate >/dev/null
# the store's own schema (Alembic, revision 0002 included); tasks would also do it on first use
python -m engine.store.migrate upgrade --url "$PICKWAVE_DB_URL" >/dev/null
exec airflow standalone
