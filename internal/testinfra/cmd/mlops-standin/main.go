// Command mlops-standin is TEST AND DEVELOPMENT INFRASTRUCTURE, not part of
// the provider: the two parts of KServe that cannot run on this machine
// (see internal/testinfra/standin).
//
//	mlops-standin knative --kubeconfig FILE
//	mlops-standin serve --kubeconfig FILE --serve-with VENV_BIN --mlflow-tracking-uri URI --log-dir DIR --address-file FILE
//
// knative writes the status of Knative-mode InferenceServices (no Knative
// here); KServe's real controller handles every Standard-mode one.
//
// serve is a LOCAL DEVELOPMENT STAND-IN FOR KSERVE'S DATA PLANE: it serves
// the models that Standard-mode InferenceServices ask for, for real, with
// MLflow's model server, behind one gateway on loopback that routes by the
// Host of each endpoint's URL. It writes the gateway's address to
// --address-file and never writes to the cluster.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/standin"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mlops-standin knative|serve --kubeconfig FILE [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig file")
	serveWith := fs.String("serve-with", "", "serve: the bin directory of a virtualenv with MLflow; models are served with `mlflow models serve`")
	trackingURI := fs.String("mlflow-tracking-uri", os.Getenv("MLFLOW_TRACKING_URI"), "serve: MLflow server the model servers load registry versions from")
	logDir := fs.String("log-dir", os.TempDir(), "serve: where the model servers' logs go")
	addressFile := fs.String("address-file", "", "serve: where to write the gateway's host:port")
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
	logger := log.New(os.Stderr, "standin ", log.LstdFlags|log.Lmicroseconds)
	switch os.Args[1] {
	case "knative":
		if err := standin.NewKnativeStandIn(dyn, logger).Run(ctx); err != nil && ctx.Err() == nil {
			log.Fatal(err)
		}
	case "serve":
		if *serveWith == "" || *addressFile == "" {
			log.Fatal("serve needs --serve-with and --address-file")
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*addressFile, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
		s := standin.NewServer(*serveWith, *trackingURI, *logDir, logger)
		if err := s.Follow(ctx, dyn, ln); err != nil {
			log.Fatal(err)
		}
	default:
		log.Fatalf("unknown command %q", os.Args[1])
	}
}
