#!/usr/bin/env bash
# Starts or stops a real MLflow tracking server for tests and the quickstart:
# SQLite store and local artifacts under .run/mlflow, on a free loopback port.
#
#   scripts/mlflow-server.sh start   # installs MLflow if missing, starts, waits for /health
#   scripts/mlflow-server.sh stop    # stops it (its data stays until `clean`)
#   scripts/mlflow-server.sh clean   # stops it and removes its data
#   scripts/mlflow-server.sh env     # prints `export MLFLOW_TRACKING_URI=...`
#
# The server's log is .run/mlflow/server.log; it is kept after stop so that a
# failed run can be read. MLOPS_MLFLOW_DIR puts a second, separate server's
# state elsewhere (the tests use .run/mlflow-test, fresh each run).
# MLOPS_MLFLOW_AUTH=1 runs MLflow's authentication app (`--app-name
# basic-auth`): users in its own SQLite database, an admin whose password is
# made once per state folder, NO_PERMISSIONS for other users until granted.
# Its env file then also exports the admin's MLFLOW_TRACKING_USERNAME and
# MLFLOW_TRACKING_PASSWORD.
source "$(dirname "$0")/lib.sh"
dir="${MLOPS_MLFLOW_DIR:-$RUN_DIR/mlflow}"
pidfile="$dir/server.pid"
envfile="$dir/env"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  if running && [ -f "$envfile" ]; then
    # shellcheck disable=SC1090
    source "$envfile"
    if wait_http "$MLFLOW_TRACKING_URI/health" 5; then
      log "MLflow already running at $MLFLOW_TRACKING_URI"
      return 0
    fi
    stop
  fi
  local bin
  bin=$("$ROOT/scripts/install-mlflow.sh")
  mkdir -p "$dir/artifacts"
  local port
  port=$(free_port)
  log "starting MLflow $MLFLOW_VERSION on 127.0.0.1:$port (log: $dir/server.log)"
  # Registry webhooks (mlops_registry_webhook): locally they deliver to
  # http:// receivers on loopback (Argo's server), and their secrets are
  # encrypted with a key of this state folder's, so that they stay readable
  # after a restart. MLflow caches its list of webhooks for
  # MLFLOW_WEBHOOK_CACHE_TTL seconds (60 by default): a second here, so that a
  # webhook just applied takes effect at once.
  [ -s "$dir/webhook-secret.key" ] || python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())' >"$dir/webhook-secret.key"
  local auth=()
  echo "export MLFLOW_TRACKING_URI=http://127.0.0.1:$port" >"$envfile"
  if [ "${MLOPS_MLFLOW_AUTH:-}" = 1 ]; then
    auth_config
    auth=(--app-name basic-auth)
    export MLFLOW_AUTH_CONFIG_PATH="$dir/basic_auth.ini" MLFLOW_FLASK_SERVER_SECRET_KEY="$(cat "$dir/flask-secret.key")"
    printf 'export MLFLOW_TRACKING_USERNAME=admin MLFLOW_TRACKING_PASSWORD=%s\n' "$(cat "$dir/admin-password")" >>"$envfile"
  fi
  # setsid: the server and its workers form one process group, stopped together.
  MLFLOW_WEBHOOK_ALLOWED_SCHEMES=http,https MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS=true MLFLOW_WEBHOOK_CACHE_TTL=1 \
  MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY="$(cat "$dir/webhook-secret.key")" \
  setsid "$bin/mlflow" server "${auth[@]}" --host 127.0.0.1 --port "$port" --workers 2 \
    --backend-store-uri "sqlite:///$dir/mlflow.db" \
    --artifacts-destination "$dir/artifacts" \
    --default-artifact-root mlflow-artifacts:/ \
    >"$dir/server.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  if ! wait_http "http://127.0.0.1:$port/health" 180; then
    tail -n 50 "$dir/server.log" >&2 || true
    stop
    die "MLflow did not become healthy within 180s"
  fi
  log "MLflow is up at http://127.0.0.1:$port"
}

# auth_config writes the authentication app's configuration and secrets
# into the state folder (once: the admin exists after the first start).
auth_config() {
  local k
  for k in admin-password flask-secret.key; do
    [ -s "$dir/$k" ] || python3 -c 'import secrets; print(secrets.token_urlsafe(24))' >"$dir/$k"
  done
  cat >"$dir/basic_auth.ini" <<EOF
[mlflow]
default_permission = NO_PERMISSIONS
database_uri = sqlite:///$dir/basic_auth.db
admin_username = admin
admin_password = $(cat "$dir/admin-password")
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
grant_default_workspace_access = false
auth_cache_ttl_seconds = 60
EOF
}

stop() {
  if [ -f "$pidfile" ]; then
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    log "MLflow stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  clean) stop; rm -rf "$dir" ;;
  env) [ -f "$envfile" ] && cat "$envfile" ;;
  *) echo "usage: $0 start|stop|clean|env" >&2; exit 2 ;;
esac
