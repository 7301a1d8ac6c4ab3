// Command mlops-cluster is TEST INFRASTRUCTURE, not part of the provider:
// the local cluster's scripts (scripts/kube-server.sh) use it to apply
// manifests and to prepare KServe's.
//
//	mlops-cluster apply --kubeconfig FILE [--namespace NS] [--status] PATH...
//	mlops-cluster kserve-manifests --kserve-dir DIR --webhook-url URL --ca FILE [--ingress-domain D] [--webhooks]
//
// apply server-side applies every object of the YAML files (a directory
// stands for its *.yaml files), waiting for each CRD to be Established.
// kserve-manifests prints KServe's namespace, ConfigMap and default storage
// container (or, with --webhooks, its webhook configurations), made from
// KServe's module directory, for apply.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/cluster"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mlops-cluster apply|kserve-manifests [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig file")
	namespace := fs.String("namespace", "default", "namespace of namespaced objects that name none")
	kserveDir := fs.String("kserve-dir", "", "KServe's module directory")
	webhookURL := fs.String("webhook-url", "", "base URL of KServe's webhook server")
	caFile := fs.String("ca", "", "CA certificate of the webhook server")
	ingressDomain := fs.String("ingress-domain", "example.com", "KServe's ingressDomain")
	withStatus := fs.Bool("status", false, "apply: apply the objects' status too (through the status subresource)")
	webhooks := fs.Bool("webhooks", false, "print the webhook configurations instead of the rest")
	_ = fs.Parse(os.Args[2:])
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	switch os.Args[1] {
	case "apply":
		cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
		if err != nil {
			log.Fatalf("kubeconfig: %v", err)
		}
		cfg.QPS, cfg.Burst = 100, 200
		objs, err := cluster.ReadObjects(fs.Args())
		if err != nil {
			log.Fatal(err)
		}
		a, err := cluster.NewApplier(cfg)
		if err != nil {
			log.Fatal(err)
		}
		// Generous: installing the full CRDs takes a minute on an idle machine, several on a loaded one.
		ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		defer cancel()
		if err := a.Apply(ctx, objs, *namespace, *withStatus); err != nil {
			log.Fatal(err)
		}
	case "kserve-manifests":
		objs, hooks, err := cluster.KServeManifests(*kserveDir, *webhookURL, *caFile, *ingressDomain)
		if err != nil {
			log.Fatal(err)
		}
		if *webhooks {
			objs = hooks
		}
		if err := cluster.EncodeObjects(os.Stdout, objs); err != nil {
			log.Fatal(err)
		}
	default:
		log.Fatalf("unknown command %q", os.Args[1])
	}
}
