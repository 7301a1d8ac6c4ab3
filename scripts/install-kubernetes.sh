#!/usr/bin/env bash
# Installs the Kubernetes control plane (kube-apiserver,
# kube-controller-manager, kube-scheduler) into .tools/bin, built from
# k8s.io/kubernetes through the wrapper module tools/kubernetes.
source "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null 2>&1 || { apt-get update -qq >&2; apt-get install -y -qq openssl >&2; }
build_wrapper kubernetes \
  k8s.io/kubernetes/cmd/kube-apiserver=kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager=kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler=kube-scheduler
