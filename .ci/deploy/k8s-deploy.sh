#!/usr/bin/env bash
# Roll the Kubernetes deployment (docs/deploy/k8s/) to an image tag; undo the rollout on failure.
#   k8s-deploy.sh <image prefix> <tag>
# Readiness probes on /readyz gate the rolling update, so a release that cannot read the catalogue
# never receives traffic; if a rollout does not complete in time it is undone.
set -euo pipefail
prefix="${1:?image prefix}" tag="${2:?image tag}"
ns="${MPA_K8S_NAMESPACE:-mpa-twin}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
overlay="$(mktemp -d)"
trap 'rm -rf "$overlay"' EXIT
cp -r "$root/docs/deploy/k8s" "$overlay/base"
cat > "$overlay/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [base]
images:
  - {name: mpa-twin/backend, newName: $prefix/backend, newTag: "$tag"}
  - {name: mpa-twin/tiler, newName: $prefix/tiler, newTag: "$tag"}
  - {name: mpa-twin/frontend, newName: $prefix/frontend, newTag: "$tag"}
YAML
kubectl apply -k "$overlay" --dry-run=server >/dev/null
# Migrations first, once; a failed job stops the deployment before any pod changes.
kubectl -n "$ns" delete job mpa-migrate --ignore-not-found
kubectl apply -k "$overlay"
kubectl -n "$ns" wait --for=condition=complete job/mpa-migrate --timeout=300s
for d in backend tiler frontend; do
  if ! kubectl -n "$ns" rollout status "deployment/$d" --timeout=300s; then
    echo "k8s-deploy: $d did not become ready: rolling back" >&2
    for u in backend tiler frontend; do kubectl -n "$ns" rollout undo "deployment/$u" || true; done
    exit 1
  fi
done
echo "k8s-deploy: $tag is live"
