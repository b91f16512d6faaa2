#!/usr/bin/env bash
# Blue-green deployment of MPA Twin on one Docker host, with health checks and automatic rollback.
#
#   bluegreen.sh deploy <image tag>   bring up the idle colour, wait until it is ready, switch the
#                                     edge nginx to it, stop the old colour; roll back on failure
#   bluegreen.sh rollback             switch back to the previous colour and the release it ran
#   bluegreen.sh status               which colour is live, and on which port
#
# Layout on the host (MPA_DEPLOY_DIR, default: the current directory): docker-compose.yml, .env,
# secrets/, and this script's companion docs/deploy/compose.bluegreen.yml. Stateful services run
# once in the project "mpa-data" (PostgreSQL, SeaweedFS; set MPA_DATA_SERVICES="" when the database
# and the object store are external, e.g. on JASMIN). Each colour is a compose project
# ("mpa-blue", "mpa-green") of the stateless services, published on loopback (blue 8081, green
# 8082). The edge nginx owns the public port and proxies to the upstream in MPA_EDGE_UPSTREAM_FILE,
# which this script rewrites (docs/deploy/edge-nginx.conf).
#
# Every external command can be replaced through the environment (MPA_COMPOSE, MPA_EDGE_TEST_CMD,
# MPA_EDGE_RELOAD_CMD), which is how the switch-and-rollback logic is tested without Docker.
set -euo pipefail

DEPLOY_DIR="${MPA_DEPLOY_DIR:-$(pwd)}"
STATE_DIR="${MPA_STATE_DIR:-$DEPLOY_DIR/.deploy}"
COMPOSE="${MPA_COMPOSE:-docker compose}"
COMPOSE_FILES="${MPA_COMPOSE_FILES:--f $DEPLOY_DIR/docker-compose.yml -f $DEPLOY_DIR/docs/deploy/compose.bluegreen.yml}"
DATA_SERVICES="${MPA_DATA_SERVICES-postgres seaweedfs}"
APP_SERVICES="${MPA_APP_SERVICES:-tiler backend frontend}"
EDGE_UPSTREAM_FILE="${MPA_EDGE_UPSTREAM_FILE:-/etc/nginx/conf.d/mpa-upstream.conf}"
EDGE_TEST_CMD="${MPA_EDGE_TEST_CMD:-nginx -t}"
EDGE_RELOAD_CMD="${MPA_EDGE_RELOAD_CMD:-nginx -s reload}"
EDGE_PID_FILE="${MPA_EDGE_PID_FILE:-/run/nginx.pid}"
EDGE_URL="${MPA_EDGE_URL:-http://127.0.0.1}"
BLUE_PORT="${MPA_BLUE_PORT:-8081}"
GREEN_PORT="${MPA_GREEN_PORT:-8082}"
TIMEOUT_S="${MPA_DEPLOY_TIMEOUT_S:-180}"
EDGE_TIMEOUT_S="${MPA_EDGE_TIMEOUT_S:-60}"
DRAIN_S="${MPA_DRAIN_S:-30}"
# Paths polled through a colour's front end before it gets traffic (all must answer 2xx).
CHECK_PATHS="${MPA_CHECK_PATHS:-/healthz /api/health}"

log() { printf '%s bluegreen: %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

port_of() { if [ "$1" = blue ]; then echo "$BLUE_PORT"; else echo "$GREEN_PORT"; fi; }
other() { if [ "$1" = blue ]; then echo green; else echo blue; fi; }
active() { cat "$STATE_DIR/active" 2>/dev/null || echo none; }

compose() { # compose <project> <args…>
  local project="$1"; shift
  # shellcheck disable=SC2086  # COMPOSE and COMPOSE_FILES are word lists on purpose
  $COMPOSE -p "$project" $COMPOSE_FILES "$@"
}

# Poll until every check path answers 2xx at <base>, or <timeout> seconds pass. With <upstream>
# (host:port), the answer must also come from that upstream: the edge names the upstream that
# served a request carrying "X-MPA-Probe: 1" in X-MPA-Upstream (docs/deploy/edge-nginx.conf), so a
# worker still running the previous configuration right after a reload does not count.
wait_ready() {
  local base="$1" timeout="${2:-$TIMEOUT_S}" upstream="${3:-}" deadline path failing headers
  deadline=$(( $(date +%s) + timeout ))
  while :; do
    failing=""
    for path in $CHECK_PATHS; do
      if ! headers="$(curl -fsS -o /dev/null -D - --max-time 5 -H 'X-MPA-Probe: 1' "$base$path")"; then
        failing="$failing $path"
      elif [ -n "$upstream" ] && ! printf '%s' "$headers" | tr -d '\r' | grep -qix "x-mpa-upstream: $upstream"; then
        failing="$failing $path(not yet from $upstream)"
      fi
    done
    [ -z "$failing" ] && return 0
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "not ready after ${timeout}s at $base:$failing"
      return 1
    fi
    sleep 1  # poll interval
  done
}

write_upstream() { # write_upstream <port>: atomically point the edge at 127.0.0.1:<port>
  local tmp="$EDGE_UPSTREAM_FILE.tmp.$$"
  printf '# written by bluegreen.sh at %s\nupstream mpa_active {\n    server 127.0.0.1:%s max_fails=0;\n    keepalive 16;\n}\n' \
    "$(date -u +%FT%TZ)" "$1" > "$tmp"
  mv -f "$tmp" "$EDGE_UPSTREAM_FILE"
}

edge_workers() { # the edge nginx's worker pids (children of its master), when its pid file is readable
  local master
  master="$(cat "$EDGE_PID_FILE" 2>/dev/null)" || return 0
  pgrep -P "$master" 2>/dev/null || true
}

still_accepting() { # still_accepting <pid>: an nginx worker that has not begun its graceful shutdown
  local title
  title="$(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null)" || return 1
  case "$title" in *"shutting down"*) return 1 ;; *"worker process"*) return 0 ;; *) return 1 ;; esac
}

# `nginx -s reload` returns as soon as the master has the signal. Until the master has told the
# workers of the previous configuration to quit, they keep accepting connections and forward them to
# the previous upstream, so one probe answered by the new colour proves nothing about the next
# request. Wait until every worker that ran before the reload has exited or is shutting down.
wait_old_workers() {
  local deadline pid
  deadline=$(( $(date +%s) + EDGE_TIMEOUT_S ))
  for pid in "$@"; do
    while still_accepting "$pid"; do
      if [ "$(date +%s)" -ge "$deadline" ]; then
        log "edge worker $pid of the previous configuration still accepts after ${EDGE_TIMEOUT_S}s"
        return 1
      fi
      sleep 0.1  # poll interval
    done
  done
}

reload_edge() {
  local old
  old="$(edge_workers)"
  [ -n "$old" ] || log "no edge workers found through $EDGE_PID_FILE: not waiting for the old ones to stop accepting"
  # shellcheck disable=SC2086
  $EDGE_TEST_CMD && $EDGE_RELOAD_CMD && wait_old_workers $old
}

switch_to() { # switch_to <colour>: edge -> colour; on any failure restore the previous file
  local colour="$1" port backup="$STATE_DIR/upstream.previous"
  port="$(port_of "$colour")"
  if [ -f "$EDGE_UPSTREAM_FILE" ]; then cp -f "$EDGE_UPSTREAM_FILE" "$backup"; else rm -f "$backup"; fi
  write_upstream "$port"
  if reload_edge && wait_ready "$EDGE_URL" "$EDGE_TIMEOUT_S" "127.0.0.1:$port"; then
    return 0
  fi
  log "edge check failed after switching to $colour: restoring the previous upstream"
  if [ -f "$backup" ]; then mv -f "$backup" "$EDGE_UPSTREAM_FILE"; else rm -f "$EDGE_UPSTREAM_FILE"; fi
  reload_edge || log "warning: edge reload after restore failed; check the edge nginx"
  return 1
}

deploy() {
  local tag="${1:?usage: bluegreen.sh deploy <image tag>}" live new port
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/lock"
  flock -n 9 || die "another deployment is running"
  live="$(active)"
  if [ "$live" = blue ]; then new=green; else new=blue; fi
  port="$(port_of "$new")"
  export MPA_IMAGE_TAG="$tag" MPA_HTTP_BIND=127.0.0.1 MPA_HTTP_PORT="$port"
  log "deploying $tag as $new on port $port (live: $live)"

  if [ -n "$DATA_SERVICES" ]; then
    # shellcheck disable=SC2086
    compose mpa-data up -d --wait --wait-timeout "$TIMEOUT_S" $DATA_SERVICES
  fi
  # shellcheck disable=SC2086
  compose "mpa-$new" pull --quiet --ignore-pull-failures $APP_SERVICES migrate
  compose "mpa-$new" run --rm --no-deps migrate || die "migrations failed; nothing switched"

  # shellcheck disable=SC2086
  if ! compose "mpa-$new" up -d --no-deps --wait --wait-timeout "$TIMEOUT_S" $APP_SERVICES \
     || ! wait_ready "http://127.0.0.1:$port"; then
    log "new colour $new is not healthy: removing it, $live stays live"
    compose "mpa-$new" logs --tail 50 >&2 || true
    compose "mpa-$new" down --remove-orphans || true
    exit 1
  fi

  if ! switch_to "$new"; then
    compose "mpa-$new" down --remove-orphans || true
    die "switch to $new failed and was rolled back; $live stays live"
  fi
  if [ "$live" != none ]; then echo "$live" > "$STATE_DIR/previous"; fi
  echo "$new" > "$STATE_DIR/active"
  echo "$tag" > "$STATE_DIR/tag.$new"
  log "$new is live ($tag)"

  if [ "$live" != none ]; then
    log "draining $live for ${DRAIN_S}s, then stopping it (kept for rollback: bluegreen.sh rollback)"
    sleep "$DRAIN_S"  # in-flight requests finish on the old colour
    # shellcheck disable=SC2086
    compose "mpa-$live" stop $APP_SERVICES || log "warning: could not stop $live"
  fi
}

rollback() {
  local live previous
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/lock"
  flock -n 9 || die "another deployment is running"
  live="$(active)"
  previous="$(cat "$STATE_DIR/previous" 2>/dev/null || true)"
  [ -n "$previous" ] || die "no previous colour recorded"
  MPA_IMAGE_TAG="$(cat "$STATE_DIR/tag.$previous")"
  export MPA_IMAGE_TAG MPA_HTTP_BIND=127.0.0.1 MPA_HTTP_PORT="$(port_of "$previous")"
  # `up`, not `start`: the previous colour may have been stopped after the switch or removed by a
  # failed deployment since; either way it comes back with the release it last ran.
  # shellcheck disable=SC2086
  compose "mpa-$previous" up -d --no-deps --wait --wait-timeout "$TIMEOUT_S" $APP_SERVICES \
    || die "$previous ($MPA_IMAGE_TAG) does not get healthy; $live stays live"
  wait_ready "http://127.0.0.1:$(port_of "$previous")" || die "$previous does not get ready; $live stays live"
  switch_to "$previous" || die "switch back to $previous failed; $live stays live"
  echo "$previous" > "$STATE_DIR/active"
  echo "$live" > "$STATE_DIR/previous"
  log "rolled back: $previous is live ($MPA_IMAGE_TAG)"
}

status() {
  local live
  live="$(active)"
  if [ "$live" = none ]; then echo "no colour is live"; return 0; fi
  echo "live: $live on 127.0.0.1:$(port_of "$live") ($(cat "$STATE_DIR/tag.$live" 2>/dev/null || echo '?'))"
}

case "${1:-}" in
  deploy) shift; deploy "$@" ;;
  rollback) rollback ;;
  status) status ;;
  *) echo "usage: $0 deploy <image tag> | rollback | status" >&2; exit 2 ;;
esac
