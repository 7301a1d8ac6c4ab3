package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// scenario is one fault: a configuration, applied once while the fault
// happens, then again without it, then planned.
type scenario struct {
	name  string
	fault string
	short bool // part of --short
	kind  string
	// n is the number of endpoints, or of registered models (each with two
	// versions and an alias).
	n int
	// provider is the body of the provider block.
	provider string
	rollout  bool
	// before, when set, is applied without a fault first (the endpoints that a
	// rollout then updates); the fault apply and the rest use var.model=v2.
	before bool
	// toxics are added to the proxy before the fault apply and removed after.
	proxy  string
	toxics []toxic
	// inject runs beside the fault apply and returns once the servers are
	// back.
	inject func(ctx context.Context, s *suite, r *run) error
	// verify checks the end state beyond the counts; it returns what is wrong.
	verify func(ctx context.Context, s *suite, r *run) string
}

// run is one scenario's working data.
type run struct {
	sc     scenario
	dir    string
	prefix string // registered models' names
	ns     string // endpoints' namespace
	apply  *tfRun
}

// scenarios lists the faults in the order they run: the short suite's
// (--short, in CI), then the rest.
func scenarios(nEndpoints, nModels int) []scenario {
	return append(shortScenarios(nEndpoints, nModels), longScenarios(nEndpoints, nModels)...)
}

// shortScenarios are the faults --short runs: a server killed under each
// API, a burst of refusals, and Terraform killed mid-rollout.
func shortScenarios(nEndpoints, nModels int) []scenario {
	return []scenario{
		{
			name: "kube-apiserver restart", short: true, kind: "endpoints", n: nEndpoints,
			fault: fmt.Sprintf("kube-apiserver SIGKILLed once %d of %d endpoints exist, down 3 s, restarted on its port", nEndpoints/2, nEndpoints),
			inject: func(ctx context.Context, s *suite, r *run) error {
				if err := s.waitEndpoints(ctx, r, nEndpoints/2, nil); err != nil {
					return err
				}
				return s.restartAPIServer(ctx, 3)
			},
		},
		{
			name: "MLflow killed mid-apply", short: true, kind: "registry", n: nModels,
			fault: fmt.Sprintf("MLflow SIGKILLed once %d of %d versions exist, restarted 3 s later (down 3 s plus its start-up)", nModels/2, 2*nModels),
			inject: func(ctx context.Context, s *suite, r *run) error {
				if err := s.waitVersions(ctx, r, nModels/2); err != nil {
					return err
				}
				return s.restartMLflow(ctx, 3)
			},
		},
		{
			name: "MLflow 503 burst", short: true, kind: "registry", n: nModels, proxy: "mlflow",
			fault:  "the first 8 creates answered 503 with Retry-After: 1 (toxic http_status)",
			toxics: httpStatus(503, 8, "/create"),
		},
		{
			name: "Terraform SIGKILL mid-rollout", short: true, kind: "endpoints", n: 2, rollout: true, before: true,
			fault: "Terraform and the provider SIGKILLed 2 s into a rollout step's bake, then applied again",
			inject: func(ctx context.Context, s *suite, r *run) error {
				return s.signalDuringRollout(ctx, r, syscall.SIGKILL)
			},
			verify: verifyRolledOut,
		},
	}
}

// longScenarios are the other faults: interrupts, throttling, latency,
// resets and swallowed answers.
func longScenarios(nEndpoints, nModels int) []scenario {
	return []scenario{
		{
			name: "Terraform SIGINT mid-rollout", kind: "endpoints", n: 2, rollout: true, before: true,
			fault: "Ctrl-C (SIGINT to Terraform and the provider) 2 s into a rollout step's bake, then applied again",
			inject: func(ctx context.Context, s *suite, r *run) error {
				return s.signalDuringRollout(ctx, r, syscall.SIGINT)
			},
			verify: verifyRolledOut,
		},
		{
			name: "Terraform SIGINT mid-create", kind: "endpoints", n: nEndpoints,
			fault: fmt.Sprintf("Ctrl-C (SIGINT to Terraform and the provider) once %d of %d endpoints exist, then applied again", nEndpoints/2, nEndpoints),
			inject: func(ctx context.Context, s *suite, r *run) error {
				if err := s.waitEndpoints(ctx, r, nEndpoints/2, nil); err != nil {
					return err
				}
				s.note("sending interrupt to Terraform and the provider (process group %d)", r.apply.cmd.Process.Pid)
				return r.apply.signal(syscall.SIGINT)
			},
		},
		{
			name: "MLflow 429 burst", kind: "registry", n: nModels, proxy: "mlflow",
			fault:  "the first 12 requests answered 429 with Retry-After: 1 (toxic http_status)",
			toxics: httpStatus(429, 12, ""),
		},
		{
			name: "MLflow latency", kind: "registry", n: nModels, proxy: "mlflow",
			fault:  "300 ms ± 100 ms added each way on every MLflow connection (toxic latency)",
			toxics: latency(300, 100),
		},
		{
			name: "MLflow resets after the answer", kind: "registry", n: nModels, proxy: "mlflow",
			fault: "30% of MLflow connections reset when the server's answer arrives (toxic reset_peer, downstream): the server acted, the client never hears",
			toxics: []toxic{
				{Name: "reset", Type: "reset_peer", Stream: "downstream", Toxicity: 0.3, Attributes: map[string]any{"timeout": 0}},
			},
		},
		{
			name: "MLflow timeouts after the answer", kind: "registry", n: nModels, proxy: "mlflow",
			provider: `mlflow = { request_timeout = "4s", max_retries = 3 }`,
			fault:    "20% of MLflow connections swallow the server's answers (toxic timeout, downstream); request_timeout 4s",
			toxics: []toxic{
				{Name: "hang", Type: "timeout", Stream: "downstream", Toxicity: 0.2, Attributes: map[string]any{"timeout": 0}},
			},
		},
		{
			name: "kube-apiserver latency", kind: "endpoints", n: nEndpoints / 2, proxy: "kube",
			fault:  "200 ms ± 50 ms added each way on every kube-apiserver connection (toxic latency)",
			toxics: latency(200, 50),
		},
		{
			name: "kube-apiserver resets", kind: "endpoints", n: nEndpoints / 2, proxy: "kube",
			fault: "half of kube-apiserver connections reset 2 s after they open (toxic reset_peer): watches and requests in flight cut",
			toxics: []toxic{
				{Name: "reset", Type: "reset_peer", Stream: "downstream", Toxicity: 0.5, Attributes: map[string]any{"timeout": 2000}},
			},
		},
	}
}

// latency adds ms ± jitter milliseconds each way on every connection.
func latency(ms, jitter int) []toxic {
	return []toxic{
		{Name: "lat-up", Type: "latency", Stream: "upstream", Attributes: map[string]any{"latency": ms, "jitter": jitter}},
		{Name: "lat-down", Type: "latency", Stream: "downstream", Attributes: map[string]any{"latency": ms, "jitter": jitter}},
	}
}

func httpStatus(status, n int, path string) []toxic {
	return []toxic{
		{Name: "status", Type: "http_status", Stream: "upstream", Attributes: map[string]any{"status": status, "count": n, "retry_after": 1, "path": path}},
		{Name: "status-reply", Type: "http_status_reply", Stream: "downstream", Attributes: map[string]any{}},
	}
}

func (r *run) config() string {
	var b strings.Builder
	fmt.Fprintf(&b, "terraform {\n  required_providers {\n    mlops = { source = \"mlopsprovider/mlops\" }\n  }\n}\n\nprovider \"mlops\" {\n  %s\n}\n\n", r.sc.provider)
	b.WriteString("variable \"model\" {\n  type    = string\n  default = \"v1\"\n}\n\n")
	switch r.sc.kind {
	case "registry":
		fmt.Fprintf(&b, `resource "mlops_registered_model" "m" {
  count = %[1]d
  name  = "%[2]s-${count.index}"
  tags  = { suite = "faults" }
}

resource "mlops_model_version" "v" {
  count      = %[3]d
  model_name = mlops_registered_model.m[floor(count.index / 2)].name
  source     = "s3://faults/%[2]s/${count.index}"
}

resource "mlops_model_alias" "champion" {
  count      = %[1]d
  model_name = mlops_registered_model.m[count.index].name
  alias      = "champion"
  version    = mlops_model_version.v[2 * count.index + 1].version
}
`, r.sc.n, r.prefix, 2*r.sc.n)
	case "endpoints":
		rollout := ""
		if r.sc.rollout {
			rollout = "\n  rollout = { steps = [50], interval = \"10s\" }"
		}
		fmt.Fprintf(&b, `resource "mlops_endpoint" "e" {
  count     = %d
  name      = "ep-${count.index}"
  namespace = %q
  model = {
    storage_uri = "s3://models/faults/${var.model}/${count.index}"
    format      = "sklearn"
  }
  scaling = { min_replicas = 1, max_replicas = 1 }%s
}
`, r.sc.n, r.ns, rollout)
	}
	return b.String()
}

// waitEndpoints waits until at least n InferenceServices exist in the
// scenario's namespace (and, if match is set, one of them matches), or the
// apply ended.
func (s *suite) waitEndpoints(ctx context.Context, r *run, n int, match func(*unstructured.Unstructured) bool) error {
	for {
		if r.apply.exited() {
			return fmt.Errorf("the apply ended before the fault could be injected")
		}
		list, err := s.kube.Resource(isvcGVR).Namespace(r.ns).List(ctx, metav1.ListOptions{})
		if err == nil && len(list.Items) >= n {
			if match == nil {
				return nil
			}
			for i := range list.Items {
				if match(&list.Items[i]) {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitVersions waits until at least n versions of the scenario's models
// exist, or the apply ended.
func (s *suite) waitVersions(ctx context.Context, r *run, n int) error {
	base, err := mlflowURL(s.mlflowDir)
	if err != nil {
		return err
	}
	for {
		if r.apply.exited() {
			return fmt.Errorf("the apply ended before the fault could be injected")
		}
		if vs, err := mlflowVersions(ctx, base, r.prefix); err == nil && len(vs) >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// restartAPIServer kills kube-apiserver by its PID and starts it again after
// down seconds (scripts/kube-server.sh restart-apiserver). The proxy follows
// the server: it is closed from the kill until the server's port accepts
// connections again, so the provider sees what it would see of the server
// itself (connections cut, then refused).
func (s *suite) restartAPIServer(ctx context.Context, down int) error {
	if err := s.toxi.enable(ctx, "kube", false); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(s.root, "scripts", "kube-server.sh"), "restart-apiserver", strconv.Itoa(down))
	cmd.Env = append(os.Environ(), "MLOPS_KUBE_DIR="+s.kubeDir)
	out, err := os.Create(filepath.Join(s.work, "restart-apiserver.log"))
	if err != nil {
		return err
	}
	defer func() { _ = out.Close() }()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	s.note("kube-apiserver killed (pid file %s/apiserver.pid), down %d s", s.kubeDir, down)
	for dialable(s.apiUpstream) { // until the kill took effect
		time.Sleep(20 * time.Millisecond)
	}
	var err2 error
	waited := false
	for !dialable(s.apiUpstream) && !waited {
		select {
		case err2 = <-done:
			waited = true
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := s.toxi.enable(ctx, "kube", true); err != nil {
		return err
	}
	if !waited {
		err2 = <-done
	}
	if err2 != nil {
		return fmt.Errorf("restarting kube-apiserver: %w (log: %s)", err2, out.Name())
	}
	s.note("kube-apiserver ready again")
	return nil
}

// restartMLflow kills MLflow's server (its process group, by the PID its
// script recorded) and starts it again after down seconds. It comes back on
// another port: the proxy, closed meanwhile, is pointed there.
func (s *suite) restartMLflow(ctx context.Context, down int) error {
	if err := s.toxi.enable(ctx, "mlflow", false); err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(s.mlflowDir, "server.pid"))
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return err
	}
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("killing MLflow (pid %d): %w", pid, err)
	}
	s.note("MLflow killed (pid %d), down %d s", pid, down)
	time.Sleep(time.Duration(down) * time.Second)
	cmd := exec.CommandContext(ctx, filepath.Join(s.root, "scripts", "mlflow-server.sh"), "start")
	cmd.Env = append(os.Environ(), "MLOPS_MLFLOW_DIR="+s.mlflowDir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("restarting MLflow: %w: %s", err, out)
	}
	u, err := mlflowURL(s.mlflowDir)
	if err != nil {
		return err
	}
	s.proxies["mlflow"] = [2]string{s.proxies["mlflow"][0], strings.TrimPrefix(u, "http://")}
	if err := s.toxi.setUpstream(ctx, "mlflow", s.proxies["mlflow"][1]); err != nil {
		return err
	}
	if err := s.toxi.enable(ctx, "mlflow", true); err != nil {
		return err
	}
	s.note("MLflow up again at %s", u)
	return nil
}

// signalDuringRollout waits until the rollout's canary is on the server,
// lets it bake 2 s, and signals Terraform's process group.
func (s *suite) signalDuringRollout(ctx context.Context, r *run, sig syscall.Signal) error {
	hasCanary := func(o *unstructured.Unstructured) bool {
		c, _, _ := unstructured.NestedSlice(o.Object, "spec", "canary")
		return len(c) > 0
	}
	if err := s.waitEndpoints(ctx, r, 1, hasCanary); err != nil {
		return err
	}
	time.Sleep(2 * time.Second)
	s.note("sending %v to Terraform and the provider (process group %d)", sig, r.apply.cmd.Process.Pid)
	return r.apply.signal(sig)
}

// verifyRolledOut checks that every endpoint serves the new model alone.
func verifyRolledOut(ctx context.Context, s *suite, r *run) string {
	list, err := s.kube.Resource(isvcGVR).Namespace(r.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err.Error()
	}
	var bad []string
	for _, o := range list.Items {
		c, _, _ := unstructured.NestedSlice(o.Object, "spec", "canary")
		uri, _, _ := unstructured.NestedString(o.Object, "spec", "predictor", "model", "storageUri")
		if len(c) > 0 || !strings.Contains(uri, "/v2/") {
			bad = append(bad, fmt.Sprintf("%s serves %s with %d canaries", o.GetName(), uri, len(c)))
		}
	}
	return strings.Join(bad, "; ")
}

func dialable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}
