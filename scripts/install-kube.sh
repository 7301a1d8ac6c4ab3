#!/usr/bin/env bash
# Installs what the local Kubernetes API needs: etcd from Debian's packages,
# and kube-apiserver built from the k8s.io/kubernetes module through the
# project's wrapper module tools/kube-apiserver (kept out of the provider's
# go.mod). Both once; prints nothing but logs.
source "$(dirname "$0")/lib.sh"
if ! command -v etcd >/dev/null 2>&1; then
  log "installing etcd (Debian's etcd-server)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq etcd-server >&2
  # The package may start a system etcd on the default ports; ours uses others.
fi
command -v openssl >/dev/null 2>&1 || { apt-get update -qq >&2; apt-get install -y -qq openssl >&2; }
bin="$TOOLS_BIN/kube-apiserver"
stamp="$TOOLS/.kube-apiserver-$KUBE_VERSION"
if [ ! -x "$bin" ] || [ ! -f "$stamp" ]; then
  log "building kube-apiserver $KUBE_VERSION (a few minutes, once)"
  (cd "$ROOT/tools/kube-apiserver" && go build -o "$bin" k8s.io/kubernetes/cmd/kube-apiserver) >&2
  touch "$stamp"
fi
log "building the stand-in controller"
go build -o "$TOOLS_BIN/mlops-standin" "$ROOT/cmd/mlops-standin" >&2
