// Command mlops-standin is TEST AND DEVELOPMENT INFRASTRUCTURE, not part of
// the provider: a stand-in for the KServe and Argo controllers, which cannot
// run where nothing runs pods. It installs the project's CRDs and writes the
// status of InferenceServices and CronWorkflows as the real controllers do.
//
//	mlops-standin install-crds --kubeconfig FILE CRD.yaml...
//	mlops-standin run --kubeconfig FILE
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

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/standin"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mlops-standin install-crds|run --kubeconfig FILE [args]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig file")
	_ = fs.Parse(os.Args[2:])
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("kubeconfig: %v", err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	switch os.Args[1] {
	case "install-crds":
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		if err := standin.InstallCRDs(ctx, dyn, fs.Args()); err != nil {
			log.Fatal(err)
		}
	case "run":
		c := standin.New(dyn, log.New(os.Stderr, "standin ", log.LstdFlags|log.Lmicroseconds))
		if err := c.Run(ctx); err != nil && ctx.Err() == nil {
			log.Fatal(err)
		}
	default:
		log.Fatalf("unknown command %q", os.Args[1])
	}
}
