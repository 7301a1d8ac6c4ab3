package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// tfRun is one Terraform command, started in a process group of its own so
// that a fault can signal Terraform and its provider together, as a CI runner
// or a terminal's Ctrl-C does.
type tfRun struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	log  *os.File
	done chan struct{}
	err  error
}

func (s *suite) startTF(dir, step string, args ...string) (*tfRun, error) {
	args = append([]string{"-chdir=" + dir}, args...)
	args = append(args, "-input=false", "-no-color")
	cmd := exec.Command(s.terraform, args...)
	cmd.Env = s.tfEnv(dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	f, err := os.Create(filepath.Join(dir, step+".log"))
	if err != nil {
		return nil, err
	}
	r := &tfRun{cmd: cmd, log: f, done: make(chan struct{})}
	fmt.Fprintf(f, "$ terraform %s\n", strings.Join(args, " "))
	cmd.Stdout = io.MultiWriter(&r.out, f)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, err
	}
	go func() {
		r.err = cmd.Wait()
		_ = f.Close()
		close(r.done)
	}()
	return r, nil
}

// wait waits for the command and returns its exit code (-1 when signalled).
func (r *tfRun) wait() int {
	<-r.done
	if r.err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(r.err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func (r *tfRun) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// signal sends sig to Terraform's process group (Terraform and its provider).
func (r *tfRun) signal(sig syscall.Signal) error {
	return syscall.Kill(-r.cmd.Process.Pid, sig)
}

// tf runs a Terraform command to the end, giving up after limit (then it is
// killed and reported as failed).
func (s *suite) tf(dir, step string, limit time.Duration, args ...string) (int, string, error) {
	r, err := s.startTF(dir, step, args...)
	if err != nil {
		return -1, "", err
	}
	timer := time.AfterFunc(limit, func() { _ = r.signal(syscall.SIGKILL) })
	defer timer.Stop()
	code := r.wait()
	return code, r.out.String(), nil
}

func (s *suite) tfEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "TF_"), strings.HasPrefix(k, "MLFLOW_"), strings.HasPrefix(k, "KUBE"), k == "MLOPS_NAMESPACE":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"TF_CLI_CONFIG_FILE="+s.terraformrc,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		// Provider logs at WARN (retries are logged there), for the panic
		// count and for the reader.
		"TF_LOG_PROVIDER=WARN",
		"TF_LOG_PATH="+filepath.Join(dir, "provider.log"),
		"MLFLOW_TRACKING_URI=http://"+s.mlflowProxy,
		"KUBE_CONFIG_PATH="+s.proxyKubeconfig,
		"KUBECONFIG="+s.proxyKubeconfig,
	)
}

// panics counts the lines of Terraform's output and of the provider's log
// that report a crash or an internal error.
func panics(texts ...string) int {
	n := 0
	for _, t := range texts {
		for _, line := range strings.Split(t, "\n") {
			if strings.Contains(line, "panic:") || strings.Contains(line, "This is always an error in the provider") ||
				strings.Contains(line, "TERRAFORM CRASH") || strings.Contains(line, "Plugin did not respond") {
				n++
			}
		}
	}
	return n
}
