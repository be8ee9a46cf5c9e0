#!/usr/bin/env bash
# `make up`: ShelfPulse on a local kind cluster, for users with Docker and kind.
# Creates the cluster (the node port of the Gateway's proxy mapped to host port
# 80), builds the image archives (images/build.sh) and loads them, installs
# Envoy Gateway (a maintained Gateway API implementation, from its Helm chart)
# with a Gateway for Grafana's host name, installs the chart with Grafana behind
# the chart's HTTPRoute, applies examples/shelffleet.yaml, and prints the
# Grafana URL and how to read its password.
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
# Envoy Gateway's chart (it brings the Gateway API CRDs): a pinned release.
ENVOY_GATEWAY_VERSION="${ENVOY_GATEWAY_VERSION:-v1.10.0}"
GATEWAY_NODE_PORT=30080

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
    extraPortMappings:
      # The Gateway's proxy Service listens on this node port (EnvoyProxy below).
      - { containerPort: 30080, hostPort: 80, protocol: TCP }
KIND
fi
kubectl config use-context "kind-$CLUSTER" >/dev/null

say "building images $REGISTRY/shelfpulse-{operator,simulator}:$TAG"
# The same daemonless build and archives the tests run (images/build.sh): no registry needed.
make images IMAGE_REGISTRY="$REGISTRY" IMAGE_TAG="$TAG"
for image in shelfpulse-operator shelfpulse-simulator; do
  kind load image-archive "dist/images/$image.tar" --name "$CLUSTER"
done

say "installing Envoy Gateway $ENVOY_GATEWAY_VERSION and a Gateway for $HOST"
"$HELM" upgrade --install eg oci://docker.io/envoyproxy/gateway-helm --version "$ENVOY_GATEWAY_VERSION" \
  --namespace envoy-gateway-system --create-namespace --wait --timeout 5m
kubectl create namespace "$NAMESPACE" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
# kind has no load balancer: the proxy's Service is a NodePort on the port kind maps to host port 80.
kubectl apply -f - <<GATEWAY
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyProxy
metadata: { name: shelfpulse-kind, namespace: envoy-gateway-system }
spec:
  provider:
    type: Kubernetes
    kubernetes:
      envoyService:
        type: NodePort
        patch:
          type: StrategicMerge
          value:
            spec:
              ports: [{ port: 80, nodePort: $GATEWAY_NODE_PORT }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: shelfpulse }
spec:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller
  parametersRef:
    { group: gateway.envoyproxy.io, kind: EnvoyProxy, name: shelfpulse-kind, namespace: envoy-gateway-system }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: shelfpulse, namespace: $NAMESPACE }
spec:
  gatewayClassName: shelfpulse
  listeners:
    - { name: http, protocol: HTTP, port: 80, hostname: "$HOST", allowedRoutes: { namespaces: { from: Same } } }
GATEWAY
kubectl wait --namespace "$NAMESPACE" gateway/shelfpulse --for=condition=Programmed --timeout=5m

say "installing the chart (release $RELEASE in namespace $NAMESPACE)"
"$HELM" upgrade --install "$RELEASE" charts/shelfpulse \
  --namespace "$NAMESPACE" --create-namespace \
  --set image.registry="${REGISTRY%%/*}" --set image.repository="${REGISTRY#*/}/shelfpulse-operator" --set image.tag="$TAG" \
  --set simulatorImage.registry="${REGISTRY%%/*}" --set simulatorImage.repository="${REGISTRY#*/}/shelfpulse-simulator" --set simulatorImage.tag="$TAG" \
  --set image.pullPolicy=IfNotPresent --set simulatorImage.pullPolicy=IfNotPresent \
  --set grafana.httpRoute.enabled=true --set 'grafana.httpRoute.parentRefs[0].name=shelfpulse' \
  --set "grafana.httpRoute.hostnames[0]=$HOST" --set grafana.httpRoute.https=false \
  --wait --timeout 5m

say "applying examples/shelffleet.yaml"
kubectl apply --namespace "$NAMESPACE" -f examples/shelffleet.yaml
kubectl get shelffleets --namespace "$NAMESPACE"

say "ShelfPulse is running"
# The chart's NOTES say where Grafana is and how to read its generated password.
"$HELM" get notes "$RELEASE" --namespace "$NAMESPACE"
cat <<EOF2

  Grafana    http://$HOST/  (through Envoy Gateway; $HOST resolves to 127.0.0.1)
  scale      kubectl scale shelffleet/aisle-7 --namespace $NAMESPACE --replicas=10
  remove     helm uninstall $RELEASE --namespace $NAMESPACE && kind delete cluster --name $CLUSTER
EOF2
if ! docker port "$CLUSTER-control-plane" 30080/tcp >/dev/null 2>&1; then
  cat <<EOF2
  note       this kind cluster was created before make up mapped the Gateway's node port;
             recreate it (kind delete cluster --name $CLUSTER && make up) or use the port-forward in the notes.
EOF2
EOF2
fi
