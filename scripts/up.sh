#!/usr/bin/env bash
# `make up`: ShelfPulse on a local kind cluster, for users with Docker and kind.
# Creates the cluster (with host ports 80/443 for an Ingress controller), builds
# the image archives (images/build.sh) and loads them, installs the chart with Grafana behind an Ingress,
# applies examples/shelffleet.yaml, and prints the Grafana URL and password.
#
# Every step is one the tests exercise here: helm install of this chart,
# kubectl apply of the example, and the images' entry points.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CLUSTER="${CLUSTER:-shelfpulse}"
NAMESPACE="${NAMESPACE:-shelfpulse}"
RELEASE="${RELEASE:-shelfpulse}"
HOST="${GRAFANA_HOST:-grafana.127.0.0.1.nip.io}"
REGISTRY="${IMAGE_REGISTRY:-ghcr.io/shelfpulse}"
TAG="${IMAGE_TAG:-dev}"

say() { printf '\n==> %s\n' "$*"; }
need() { command -v "$1" >/dev/null || { echo "make up needs $1 on the PATH ($2)" >&2; exit 1; }; }
need docker "https://docs.docker.com/get-docker/"
need kind "https://kind.sigs.k8s.io/"
need kubectl "https://kubernetes.io/docs/tasks/tools/"
HELM="$(command -v helm || true)"
[ -n "$HELM" ] || HELM="$(hack/ensure-bins.sh)/helm"
docker info >/dev/null 2>&1 || { echo "Docker is installed but its engine is not running" >&2; exit 1; }

if ! kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  say "creating kind cluster $CLUSTER"
  kind create cluster --name "$CLUSTER" --config - <<'KIND'
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
    labels:
      ingress-ready: "true"
    extraPortMappings:
      - { containerPort: 80, hostPort: 80, protocol: TCP }
      - { containerPort: 443, hostPort: 443, protocol: TCP }
KIND
fi
kubectl config use-context "kind-$CLUSTER" >/dev/null

say "building images $REGISTRY/shelfpulse-{operator,simulator}:$TAG"
# The same daemonless build and archives the tests run (images/build.sh): no registry needed.
make images IMAGE_REGISTRY="$REGISTRY" IMAGE_TAG="$TAG"
for image in shelfpulse-operator shelfpulse-simulator; do
  kind load image-archive "dist/images/$image.tar" --name "$CLUSTER"
done

INGRESS_CLASS="$(kubectl get ingressclass -o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true)"
if [ -z "$INGRESS_CLASS" ]; then
  echo "note: no IngressClass in the cluster; install an Ingress controller for kind (for example ingress-nginx, see kind's Ingress guide), then run make up again. Until then use the port-forward printed below."
fi

say "installing the chart (release $RELEASE in namespace $NAMESPACE)"
"$HELM" upgrade --install "$RELEASE" charts/shelfpulse \
  --namespace "$NAMESPACE" --create-namespace \
  --set image.registry="${REGISTRY%%/*}" --set image.repository="${REGISTRY#*/}/shelfpulse-operator" --set image.tag="$TAG" \
  --set simulatorImage.registry="${REGISTRY%%/*}" --set simulatorImage.repository="${REGISTRY#*/}/shelfpulse-simulator" --set simulatorImage.tag="$TAG" \
  --set image.pullPolicy=IfNotPresent --set simulatorImage.pullPolicy=IfNotPresent \
  --set grafana.ingress.enabled=true --set grafana.ingress.className="$INGRESS_CLASS" --set "grafana.ingress.hosts[0]=$HOST" \
  --wait --timeout 5m

say "applying examples/shelffleet.yaml"
kubectl apply --namespace "$NAMESPACE" -f examples/shelffleet.yaml
kubectl get shelffleets --namespace "$NAMESPACE"

say "ShelfPulse is running"
# The chart's NOTES say where Grafana is and how to read its generated password.
"$HELM" get notes "$RELEASE" --namespace "$NAMESPACE"
cat <<EOF2

  scale      kubectl scale shelffleet/aisle-7 --namespace $NAMESPACE --replicas=10
  remove     helm uninstall $RELEASE --namespace $NAMESPACE && kind delete cluster --name $CLUSTER
EOF2
