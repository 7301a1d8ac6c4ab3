// Command mlops-faults is TEST INFRASTRUCTURE, not part of the provider: the
// fault suite that scripts/faults.sh runs. It applies configurations of
// registry objects and endpoints with the provider built from this checkout
// while a fault happens through a real process (MLflow or kube-apiserver
// killed and restarted by PID, Terraform killed mid-rollout, toxiproxy in
// front of each server injecting latency, resets, timeouts and 429/503
// bursts), applies again without the fault, plans, and prints one row per
// scenario: objects in state and on the server, orphans, duplicates, objects
// destroyed without need, panics, and seconds. It exits 1 when a scenario
// leaves an orphan, a duplicate or a needless destroy, panics, or does not
// converge.
//
//	mlops-faults --root DIR --work DIR --terraform BIN --toxiproxy-api URL \
//	  --mlflow-dir DIR --kube-dir DIR [--short] [--only NAME] [--endpoints N] [--models N]
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// suite holds what every scenario shares.
type suite struct {
	root, work, terraform, terraformrc string
	mlflowDir, kubeDir                 string
	toxi                               toxiproxy
	mlflowProxy                        string // 127.0.0.1:PORT of the proxy in front of MLflow
	apiUpstream                        string // kube-apiserver's own address
	proxyKubeconfig                    string // the cluster's kubeconfig with the proxy as server
	kube                               dynamic.Interface
	proxies                            proxies
	start                              time.Time
}

// result is one row of the table.
type result struct {
	name, fault  string
	tally        tally
	firstApply   string // "ok", "error (exit 1)", "killed", ...
	reapply      bool
	planEmpty    bool
	panics       int
	seconds      float64
	problem      string // what went wrong beyond the counts
	destroyError bool
}

func (r result) failed() bool {
	return r.tally.Orphans > 0 || r.tally.Duplicates > 0 || r.tally.NeedlessDestroys > 0 || r.panics > 0 ||
		!r.reapply || !r.planEmpty || r.problem != "" || r.tally.InState != r.tally.OnServer
}

func main() {
	var s suite
	var short bool
	var only string
	var nEndpoints, nModels int
	flag.StringVar(&s.root, "root", ".", "the repository")
	flag.StringVar(&s.work, "work", ".run/faults", "working folder (configurations, states, logs)")
	flag.StringVar(&s.terraform, "terraform", ".tools/bin/terraform", "Terraform binary")
	flag.StringVar(&s.terraformrc, "terraformrc", "", "Terraform CLI configuration with dev_overrides for the provider")
	toxiAPI := flag.String("toxiproxy-api", "http://127.0.0.1:8474", "toxiproxy's API")
	flag.StringVar(&s.mlflowDir, "mlflow-dir", "", "MLflow's state folder (MLOPS_MLFLOW_DIR)")
	flag.StringVar(&s.kubeDir, "kube-dir", "", "the cluster's state folder (MLOPS_KUBE_DIR)")
	flag.BoolVar(&short, "short", false, "run the short subset")
	flag.StringVar(&only, "only", "", "run the scenarios whose name matches this regular expression")
	flag.IntVar(&nEndpoints, "endpoints", 20, "endpoints in the endpoint scenarios")
	flag.IntVar(&nModels, "models", 10, "registered models (each with 2 versions and an alias) in the registry scenarios")
	flag.Parse()
	s.toxi = toxiproxy{api: *toxiAPI}
	if short {
		nEndpoints = min(nEndpoints, 10)
		nModels = min(nModels, 5)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := s.setup(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "mlops-faults:", err)
		os.Exit(2)
	}
	var filter *regexp.Regexp
	if only != "" {
		filter = regexp.MustCompile(only)
	}
	var results []result
	for i, sc := range scenarios(nEndpoints, nModels) {
		if (short && !sc.short) || (filter != nil && !filter.MatchString(sc.name)) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		s.note("scenario %q: %s", sc.name, sc.fault)
		res := s.run(ctx, i, sc)
		s.note("scenario %q: %s", sc.name, res.summary())
		results = append(results, res)
	}
	failed := printTable(os.Stdout, results, time.Since(s.start))
	if failed > 0 || len(results) == 0 {
		os.Exit(1)
	}
}

func (s *suite) note(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// setup creates the proxies (toxiproxy runs already) and the kubeconfig
// that goes through the proxy.
func (s *suite) setup(ctx context.Context) error {
	s.start = time.Now()
	if err := os.MkdirAll(s.work, 0o755); err != nil {
		return err
	}
	mlflowURL, err := mlflowURL(s.mlflowDir)
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(s.kubeDir, "kubeconfig")
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		return err
	}
	var server string
	for _, c := range cfg.Clusters {
		server = c.Server
	}
	s.apiUpstream = strings.TrimPrefix(server, "https://")
	mlflowPort, kubePort := freePort(), freePort()
	s.mlflowProxy = "127.0.0.1:" + mlflowPort
	s.proxies = proxies{
		"mlflow": {s.mlflowProxy, strings.TrimPrefix(mlflowURL, "http://")},
		"kube":   {"127.0.0.1:" + kubePort, s.apiUpstream},
	}
	if err := s.toxi.renew(ctx, s.proxies); err != nil {
		return err
	}
	// The server's certificate is for 127.0.0.1, which the proxy's address
	// is too: TLS passes through toxiproxy as TCP.
	for _, c := range cfg.Clusters {
		c.Server = "https://127.0.0.1:" + kubePort
	}
	s.proxyKubeconfig = filepath.Join(s.work, "kubeconfig-proxy")
	if err := clientcmd.WriteToFile(*cfg, s.proxyKubeconfig); err != nil {
		return err
	}
	rest, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	if s.kube, err = dynamic.NewForConfig(rest); err != nil {
		return err
	}
	s.note("proxies: MLflow %s -> %s, kube-apiserver 127.0.0.1:%s -> %s", s.mlflowProxy, mlflowURL, kubePort, s.apiUpstream)
	return nil
}

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer func() { _ = l.Close() }()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

// run runs one scenario: (setup apply), fault apply, re-apply, plan, counts,
// destroy.
func (s *suite) run(ctx context.Context, index int, sc scenario) (res result) {
	res = result{name: sc.name, fault: sc.fault}
	r, problem := s.prepare(ctx, index, sc)
	if problem != "" {
		res.problem = problem
		return res
	}
	defer s.cleanup(ctx, r, &res)
	var outputs []string
	seen, start, ok := s.faultApply(ctx, r, &res, &outputs)
	if !ok {
		return res
	}
	code, out, _ := s.tf(r.dir, "2-reapply", 15*time.Minute, "apply", "-auto-approve", "-var", "model=v2")
	outputs = append(outputs, out)
	res.reapply = code == 0
	code, out, _ = s.tf(r.dir, "3-plan", 10*time.Minute, "plan", "-detailed-exitcode", "-var", "model=v2")
	outputs = append(outputs, out)
	res.planEmpty = code == 0
	res.seconds = time.Since(start).Seconds()
	s.count(ctx, r, &res, seen, outputs)
	return res
}

// prepare makes the scenario's folder, configuration and namespace; it
// returns the problem that stops the scenario, or "".
func (s *suite) prepare(ctx context.Context, index int, sc scenario) (*run, string) {
	slug := strings.Trim(slugRE.ReplaceAllString(strings.ToLower(sc.name), "-"), "-")
	r := &run{sc: sc, dir: filepath.Join(s.work, slug), prefix: fmt.Sprintf("faults-%d-%d", index, time.Now().Unix()%100000), ns: fmt.Sprintf("faults-%d-%d", index, time.Now().Unix()%100000)}
	_ = os.RemoveAll(r.dir)
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return nil, err.Error()
	}
	if err := os.WriteFile(filepath.Join(r.dir, "main.tf"), []byte(r.config()), 0o644); err != nil {
		return nil, err.Error()
	}
	if sc.kind == "endpoints" {
		if err := s.namespace(ctx, r.ns); err != nil {
			return nil, err.Error()
		}
	}
	return r, ""
}

// cleanup heals the proxies and destroys what the scenario made.
func (s *suite) cleanup(ctx context.Context, r *run, res *result) {
	if err := s.toxi.renew(ctx, s.proxies); err != nil {
		res.problem += " (" + err.Error() + ")"
	}
	code, out, _ := s.tf(r.dir, "5-destroy", 10*time.Minute, "destroy", "-auto-approve", "-var", "model=v2")
	res.destroyError = code != 0
	res.panics += panics(out)
	if r.sc.kind == "endpoints" {
		// What the destroy left (orphans) goes with the namespace.
		s.deleteNamespace(ctx, r.ns)
	}
}

// faultApply applies (after the setup apply, if any) with the fault on,
// then heals the proxies. It returns the objects seen before and after,
// when the fault began, and false when the scenario cannot go on.
func (s *suite) faultApply(ctx context.Context, r *run, res *result, outputs *[]string) ([][]object, time.Time, bool) {
	sc := r.sc
	var seen [][]object
	if sc.before {
		code, out, err := s.tf(r.dir, "0-before", 10*time.Minute, "apply", "-auto-approve")
		*outputs = append(*outputs, out)
		if err != nil || code != 0 {
			res.problem = "the apply before the fault failed"
			return nil, time.Time{}, false
		}
	}
	snap, err := s.objects(ctx, r)
	if err != nil {
		res.problem = err.Error()
		return nil, time.Time{}, false
	}
	seen = append(seen, snap)
	start := time.Now()
	for _, x := range sc.toxics {
		if err := s.toxi.add(ctx, sc.proxy, x); err != nil {
			res.problem = err.Error()
			return nil, start, false
		}
	}
	if r.apply, err = s.startTF(r.dir, "1-fault-apply", "apply", "-auto-approve", "-var", "model=v2"); err != nil {
		res.problem = err.Error()
		return nil, start, false
	}
	var injectErr error
	if sc.inject != nil {
		injectErr = sc.inject(ctx, s, r)
	}
	res.firstApply = applyOutcome(r.apply.wait(), r.apply.out.String())
	*outputs = append(*outputs, r.apply.out.String())
	if injectErr != nil {
		res.problem = "fault not injected: " + injectErr.Error()
	}
	if err := s.toxi.renew(ctx, s.proxies); err != nil {
		res.problem = err.Error()
		return nil, start, false
	}
	if snap, err := s.objects(ctx, r); err == nil {
		seen = append(seen, snap)
	}
	return seen, start, true
}

// applyOutcome says how the apply under the fault ended.
func applyOutcome(code int, out string) string {
	switch {
	case code == -1:
		return "killed"
	case code != 0:
		if line := firstError(out); line != "" {
			return "error: " + line
		}
		return "error"
	}
	return "ok"
}

// count compares what is on the server with the state and what was seen
// before, and runs the scenario's own check.
func (s *suite) count(ctx context.Context, r *run, res *result, seen [][]object, outputs []string) {
	final, err := s.objects(ctx, r)
	if err != nil {
		res.problem = err.Error()
		return
	}
	show := exec.CommandContext(ctx, s.terraform, "-chdir="+r.dir, "show", "-json")
	show.Env = s.tfEnv(r.dir)
	showJSON, err := show.Output()
	if err != nil {
		res.problem = "terraform show: " + err.Error()
		return
	}
	state, err := stateObjects(showJSON)
	if err != nil {
		res.problem = err.Error()
		return
	}
	res.tally = count(final, state, seen)
	log, _ := os.ReadFile(filepath.Join(r.dir, "provider.log"))
	res.panics = panics(append(outputs, string(log))...)
	if r.sc.verify != nil {
		if p := r.sc.verify(ctx, s, r); p != "" {
			res.problem = p
		}
	}
	details := strings.Join(res.tally.Details, "\n")
	_ = os.WriteFile(filepath.Join(r.dir, "tally.txt"), []byte(details+"\n"), 0o644)
	for _, d := range res.tally.Details {
		s.note("  %s", d)
	}
}

// objects lists the scenario's objects on its server.
func (s *suite) objects(ctx context.Context, r *run) ([]object, error) {
	if r.sc.kind == "registry" {
		return mlflowObjects(ctx, s.mlflowDir, r.prefix)
	}
	return endpointObjects(ctx, s.kube, r.ns)
}

func (s *suite) namespace(ctx context.Context, ns string) error {
	rest, err := clientcmd.BuildConfigFromFlags("", filepath.Join(s.kubeDir, "kubeconfig"))
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(rest)
	if err != nil {
		return err
	}
	_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

func (s *suite) deleteNamespace(ctx context.Context, ns string) {
	rest, err := clientcmd.BuildConfigFromFlags("", filepath.Join(s.kubeDir, "kubeconfig"))
	if err != nil {
		return
	}
	if cs, err := kubernetes.NewForConfig(rest); err == nil {
		_ = cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
	}
}

var errorLineRE = regexp.MustCompile(`(?m)^Error: (.*)$`)

// firstError is the first "Error:" summary of Terraform's output, and how
// many there were.
func firstError(out string) string {
	all := errorLineRE.FindAllStringSubmatch(out, -1)
	if len(all) == 0 {
		return ""
	}
	first := strings.TrimSpace(all[0][1])
	if len(all) > 1 {
		return fmt.Sprintf("%d errors, first %q", len(all), first)
	}
	return fmt.Sprintf("%q", first)
}

func (r result) summary() string {
	verdict := "ok"
	if r.failed() {
		verdict = "FAIL"
	}
	return fmt.Sprintf("%s: first apply %s; state %d / server %d; orphans %d, duplicates %d, needless destroys %d, panics %d; re-apply %v, plan empty %v; %.1f s %s",
		verdict, r.firstApply, r.tally.InState, r.tally.OnServer, r.tally.Orphans, r.tally.Duplicates, r.tally.NeedlessDestroys, r.panics,
		r.reapply, r.planEmpty, r.seconds, r.problem)
}
