// Command mlops-standin is TEST AND DEVELOPMENT INFRASTRUCTURE, not part of
// the provider: a stand-in for the KServe and Argo controllers, which cannot
// run where nothing runs pods. It installs the project's CRDs and writes the
// status of InferenceServices and CronWorkflows as the real controllers do.
//
//	mlops-standin install-crds --kubeconfig FILE CRD.yaml...
//	mlops-standin run --kubeconfig FILE [--serve-with VENV_BIN --mlflow-tracking-uri URI --log-dir DIR]
//
// With --serve-with, it is also a LOCAL DEVELOPMENT STAND-IN FOR KSERVE'S
// DATA PLANE: it serves each InferenceService's models for real with
// MLflow's model server behind a weighted proxy (see internal/testinfra/standin/serve.go).
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
	serveWith := fs.String("serve-with", "", "development serving: the bin directory of a virtualenv with MLflow; models are served for real with `mlflow models serve`")
	trackingURI := fs.String("mlflow-tracking-uri", os.Getenv("MLFLOW_TRACKING_URI"), "MLflow server the model servers load registry versions from")
	logDir := fs.String("log-dir", os.TempDir(), "where the model servers' logs go")
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
		logger := log.New(os.Stderr, "standin ", log.LstdFlags|log.Lmicroseconds)
		c := standin.New(dyn, logger)
		if *serveWith != "" {
			c.EnableServing(standin.NewServer(*serveWith, *trackingURI, *logDir, logger))
			logger.Printf("development serving on: models are served by %s/mlflow models serve", *serveWith)
		}
		if err := c.Run(ctx); err != nil && ctx.Err() == nil {
			log.Fatal(err)
		}
	default:
		log.Fatalf("unknown command %q", os.Args[1])
	}
}
