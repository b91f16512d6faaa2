#!/usr/bin/env bash
# Deploy a built image tag to a Docker host over SSH (JASMIN cloud VM or any VM), blue-green.
#   remote-deploy.sh <user@host> <image tag> <registry> <registry user> <registry password> <image prefix>
# Copies the compose file and the deploy scripts to $MPA_REMOTE_DIR (default /srv/mpa-twin), logs
# the host in to the registry (password on stdin, never on a command line) and runs
# .ci/deploy/bluegreen.sh deploy there. The host keeps its own .env and secrets/.
set -euo pipefail
host="${1:?user@host}" tag="${2:?image tag}" registry="${3:?registry}" reg_user="${4:?registry user}"
reg_password="${5:?registry password}" prefix="${6:?image prefix}"
remote_dir="${MPA_REMOTE_DIR:-/srv/mpa-twin}"
key="${MPA_SSH_KEY:-$HOME/.ssh/id_deploy}"
ssh_opts=(-i "$key" -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=20)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

ssh "${ssh_opts[@]}" "$host" "mkdir -p '$remote_dir/.ci/deploy' '$remote_dir/docs/deploy' && test -f '$remote_dir/.env'" \
  || { echo "remote-deploy: $host:$remote_dir/.env is missing (copy .env.example there and fill it in)" >&2; exit 1; }
scp "${ssh_opts[@]}" -q "$root/docker-compose.yml" "$host:$remote_dir/docker-compose.yml"
scp "${ssh_opts[@]}" -q "$root/.ci/deploy/bluegreen.sh" "$host:$remote_dir/.ci/deploy/bluegreen.sh"
scp "${ssh_opts[@]}" -q "$root/docs/deploy/compose.bluegreen.yml" "$host:$remote_dir/docs/deploy/compose.bluegreen.yml"
printf '%s' "$reg_password" | ssh "${ssh_opts[@]}" "$host" "docker login --username '$reg_user' --password-stdin '$registry' >/dev/null"
ssh "${ssh_opts[@]}" "$host" "cd '$remote_dir' && MPA_IMAGE_PREFIX='$prefix' bash .ci/deploy/bluegreen.sh deploy '$tag'"
