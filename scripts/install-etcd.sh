#!/usr/bin/env bash
# Installs etcd (go.etcd.io/etcd/server/v3, pinned in tools/etcd) into
# .tools/bin. etcd 3.5 or later is needed: with 3.4, kwok's and Argo's watches
# fail in a loop (no watch progress notifications).
source "$(dirname "$0")/lib.sh"
build_wrapper etcd .=etcd
