package standin

// Development serving: a LOCAL DEVELOPMENT STAND-IN FOR KSERVE'S DATA PLANE,
// not KServe. KServe's real controller turns each Standard-mode
// InferenceService into Deployments whose pods kwok only simulates, so
// nothing would answer a request. This follows what KServe was asked to run
// (the predictor's model and each canary with its share of traffic) and
// serves those models for real, on loopback ports, with MLflow's own model
// server (`mlflow models serve`, loading the registry version), behind one
// gateway that routes by Host header, as an ingress gateway would: a request
// to the gateway with the host of the endpoint's URL (KServe's status.url)
// reaches its models, split by the declared percentages, in KServe's
// data-plane protocols (Open Inference Protocol v2 and v1) in front of
// MLflow's /invocations. It never writes to the cluster.

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
)

// Server runs model servers and the gateway.
type Server struct {
	pythonBin   string // the bin directory of a venv with MLflow
	trackingURI string
	logDir      string
	log         *log.Logger

	mu     sync.Mutex
	models map[string]*modelProc // by model URI
	routes map[string]*proxy     // by host of the endpoint's URL
	hosts  map[string]string     // namespace/name -> host
}

// NewServer returns a development server. pythonBin is the bin directory
// of a virtualenv with MLflow; logs of the model servers go to logDir.
func NewServer(pythonBin, trackingURI, logDir string, logger *log.Logger) *Server {
	return &Server{pythonBin: pythonBin, trackingURI: trackingURI, logDir: logDir, log: logger,
		models: map[string]*modelProc{}, routes: map[string]*proxy{}, hosts: map[string]string{}}
}

type modelProc struct {
	uri    string
	port   int
	cmd    *exec.Cmd
	ready  atomic.Bool
	failed atomic.Pointer[string]
}

func (m *modelProc) baseURL() string { return fmt.Sprintf("http://127.0.0.1:%d", m.port) }

// model returns the server of uri, starting it if needed; notify is called
// when it becomes ready or fails.
func (s *Server) model(uri string, notify func()) *modelProc {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.models[uri]; ok {
		return m
	}
	m := &modelProc{uri: uri}
	s.models[uri] = m
	port, err := freePort()
	if err != nil {
		msg := err.Error()
		m.failed.Store(&msg)
		return m
	}
	m.port = port
	logPath := filepath.Join(s.logDir, fmt.Sprintf("model-%d.log", port))
	logFile, err := os.Create(logPath)
	if err != nil {
		msg := err.Error()
		m.failed.Store(&msg)
		return m
	}
	cmd := exec.Command(filepath.Join(s.pythonBin, "mlflow"), "models", "serve", "-m", uri,
		"--env-manager", "local", "-h", "127.0.0.1", "-p", fmt.Sprint(port), "-w", "1")
	cmd.Env = append(os.Environ(), "MLFLOW_TRACKING_URI="+s.trackingURI, "PATH="+s.pythonBin+":"+os.Getenv("PATH"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		msg := err.Error()
		m.failed.Store(&msg)
		return m
	}
	m.cmd = cmd
	s.log.Printf("serving %s on port %d (log: %s)", uri, port, logPath)
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close()
		close(exited)
	}()
	go func() {
		deadline := time.Now().Add(5 * time.Minute)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				msg := fmt.Sprintf("the model server for %s exited: %s", uri, lastLines(logPath, 3))
				m.failed.Store(&msg)
				notify()
				return
			case <-time.After(300 * time.Millisecond):
			}
			resp, err := http.Get(m.baseURL() + "/ping")
			if err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					m.ready.Store(true)
					notify()
					return
				}
			}
		}
		msg := fmt.Sprintf("the model server for %s did not answer /ping within 5 minutes", uri)
		m.failed.Store(&msg)
		notify()
	}()
	return m
}

// release stops the model servers no proxy uses any more.
func (s *Server) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	used := map[string]bool{}
	for _, p := range s.routes {
		cfg := p.cfg.Load()
		if cfg.model != nil {
			used[cfg.model.uri] = true
		}
		if cfg.canary != nil {
			used[cfg.canary.uri] = true
		}
	}
	for uri, m := range s.models {
		if !used[uri] {
			if m.cmd != nil && m.cmd.Process != nil {
				_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGTERM)
			}
			delete(s.models, uri)
			s.log.Printf("stopped serving %s", uri)
		}
	}
}

// Stop stops every model server.
func (s *Server) Stop() {
	s.mu.Lock()
	s.routes = map[string]*proxy{}
	s.hosts = map[string]string{}
	s.mu.Unlock()
	s.release()
}

// route points the host of one InferenceService (key namespace/name) at
// its models.
func (s *Server) route(key, host string, model, canary *modelProc, canaryPercent int64) {
	s.mu.Lock()
	if old, ok := s.hosts[key]; ok && old != host {
		delete(s.routes, old)
	}
	p, ok := s.routes[host]
	if !ok {
		p = &proxy{}
		s.routes[host] = p
	}
	s.hosts[key] = host
	p.cfg.Store(&proxyConfig{model: model, canary: canary, canaryPercent: canaryPercent})
	s.mu.Unlock()
	s.release()
}

// forget removes the route of a deleted InferenceService.
func (s *Server) forget(key string) {
	s.mu.Lock()
	if host, ok := s.hosts[key]; ok {
		delete(s.routes, host)
		delete(s.hosts, key)
	}
	s.mu.Unlock()
	s.release()
}

// ServeHTTP is the gateway: it routes by Host header (port ignored).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	s.mu.Lock()
	p := s.routes[host]
	s.mu.Unlock()
	if p == nil {
		http.Error(w, fmt.Sprintf(`{"error":"no endpoint serves host %q"}`, host), http.StatusNotFound)
		return
	}
	p.ServeHTTP(w, r)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = ln.Close() }()
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return 0, fmt.Errorf("unexpected address %v", ln.Addr())
	}
	return addr.Port, nil
}

func lastLines(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// Follow serves what the Standard-mode InferenceServices ask for until ctx
// ends, on the gateway's listener.
func (s *Server) Follow(ctx context.Context, dyn dynamic.Interface, ln net.Listener) error {
	factory := dynamicinformer.NewDynamicSharedInformerFactory(dyn, 10*time.Minute)
	inf := factory.ForResource(InferenceServiceGVR).Informer()
	sync := func(obj any) {
		if u, ok := obj.(*unstructured.Unstructured); ok && !isKnative(u) {
			s.follow(u)
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    sync,
		UpdateFunc: func(_, obj any) { sync(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if u, ok := obj.(*unstructured.Unstructured); ok {
				s.forget(u.GetNamespace() + "/" + u.GetName())
			}
		},
	}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
		s.Stop()
	}()
	s.log.Printf("development gateway on http://%s: send requests with the Host of an endpoint's URL", ln.Addr())
	if err := srv.Serve(ln); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// follow points the host of one InferenceService at the models its spec
// names: the predictor's, and the first canary's with its share.
func (s *Server) follow(obj *unstructured.Unstructured) {
	key := obj.GetNamespace() + "/" + obj.GetName()
	if obj.GetDeletionTimestamp() != nil {
		s.forget(key)
		return
	}
	rawURL, _, _ := unstructured.NestedString(obj.Object, "status", "url")
	u, err := url.Parse(rawURL)
	if rawURL == "" || err != nil || u.Hostname() == "" {
		return // KServe has not given it a URL yet
	}
	predictor, _, _ := unstructured.NestedMap(obj.Object, "spec", "predictor")
	model := s.modelFor(obj, predictor)
	var canary *modelProc
	var percent int64
	if canaries, _, _ := unstructured.NestedSlice(obj.Object, "spec", "canary"); len(canaries) > 0 {
		first, _ := canaries[0].(map[string]any)
		cp, _, _ := unstructured.NestedMap(first, "predictor")
		canary = s.modelFor(obj, cp)
		percent, _, _ = unstructured.NestedInt64(first, "trafficPercent")
	}
	s.route(key, u.Hostname(), model, canary, percent)
}

// modelFor starts (or finds) the model server of one predictor: the
// registry version that the provider recorded in the predictor's
// annotations when there is one, else its storage URI when MLflow can load
// that.
func (s *Server) modelFor(obj *unstructured.Unstructured, predictor map[string]any) *modelProc {
	storageURI, _, _ := unstructured.NestedString(predictor, "model", "storageUri")
	refJSON, _, _ := unstructured.NestedString(predictor, "annotations", "mlops.terraform.io/model")
	uri := serveURI(refJSON, storageURI)
	if uri == "" {
		s.log.Printf("%s/%s: development serving loads MLflow models only, not %s", obj.GetNamespace(), obj.GetName(), storageURI)
		return nil
	}
	return s.model(uri, func() {})
}

// serveURI is the MLflow URI to load: models:/NAME/VERSION for a registry
// reference without a storage override, else the storage URI itself when
// MLflow can load it.
func serveURI(refJSON, storageURI string) string {
	var ref struct {
		RegisteredModel string `json:"registered_model"`
		ResolvedVersion string `json:"resolved_version"`
		StorageURI      string `json:"storage_uri"`
	}
	if json.Unmarshal([]byte(refJSON), &ref) == nil && ref.RegisteredModel != "" && ref.ResolvedVersion != "" && ref.StorageURI == "" {
		return fmt.Sprintf("models:/%s/%s", ref.RegisteredModel, ref.ResolvedVersion)
	}
	for _, scheme := range []string{"models:/", "runs:/", "mlflow-artifacts:/", "file:/", "/"} {
		if strings.HasPrefix(storageURI, scheme) {
			return storageURI
		}
	}
	return ""
}
