// Command etcd runs etcd's own server main (go.etcd.io/etcd/server/v3), built
// from the Go module proxy. Test infrastructure: the local Kubernetes API
// needs etcd 3.5 or later for watch progress notifications, which kwok and
// Argo's informers rely on; Debian's etcd is 3.4.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
