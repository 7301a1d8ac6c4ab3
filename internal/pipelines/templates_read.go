package pipelines

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// This file reads the steps, the exit handler and the artifact repository
// back from a WorkflowTemplate's spec: the inverse of templates.go.

// templatesByName indexes a spec's templates.
func templatesByName(spec map[string]any) map[string]map[string]any {
	templates, _, _ := unstructured.NestedSlice(spec, "templates")
	byName := map[string]map[string]any{}
	for _, item := range templates {
		if t, ok := item.(map[string]any); ok {
			name, _ := t["name"].(string)
			byName[name] = t
		}
	}
	return byName
}

// stepsFromTemplates reads the steps back: the DAG's tasks in order, each
// with its container template.
func stepsFromTemplates(spec map[string]any) []Step {
	byName := templatesByName(spec)
	entry, _ := spec["entrypoint"].(string)
	tasks, _, _ := unstructured.NestedSlice(byName[entry], "dag", "tasks")
	var steps []Step
	for _, item := range tasks {
		task, ok := item.(map[string]any)
		if !ok {
			continue
		}
		tname, _ := task["template"].(string)
		s := readTemplate(byName[tname])
		s.Name, _ = task["name"].(string)
		readTask(task, &s)
		readPassed(task, &s)
		steps = append(steps, s)
	}
	return steps
}

// readTask reads what a DAG task holds: dependencies, when, items and
// where the input artifacts come from (their paths are in the template).
func readTask(task map[string]any, s *Step) {
	s.DependsOn, _, _ = unstructured.NestedStringSlice(task, "dependencies")
	s.When, _ = task["when"].(string)
	if items, ok := task["withItems"].([]any); ok {
		s.WithItems = make([]string, 0, len(items))
		for _, it := range items {
			if str, ok := it.(string); ok {
				s.WithItems = append(s.WithItems, str)
			} else {
				s.WithItems = append(s.WithItems, fmt.Sprint(it))
			}
		}
	}
	arts, _, _ := unstructured.NestedSlice(task, "arguments", "artifacts")
	for _, item := range arts {
		a, _ := item.(map[string]any)
		name, _ := a["name"].(string)
		from, _ := a["from"].(string)
		ia := s.InputArtifacts[name]
		if m := artifactRefRegex.FindStringSubmatch(from); m != nil {
			ia.From = m[1] + "." + m[2]
		} else {
			ia.From = from
		}
		if s.InputArtifacts == nil {
			s.InputArtifacts = map[string]InputArtifact{}
		}
		s.InputArtifacts[name] = ia
	}
}

// readPassed puts the values a task passes to its container back where the
// step's configuration has them (see passedParameters).
func readPassed(task map[string]any, s *Step) {
	params, _, _ := unstructured.NestedSlice(task, "arguments", "parameters")
	var pairs []string
	for _, item := range params {
		p, _ := item.(map[string]any)
		name, _ := p["name"].(string)
		value, _ := p["value"].(string)
		pairs = append(pairs, "{{inputs.parameters."+name+"}}", value)
	}
	if len(pairs) == 0 {
		return
	}
	r := strings.NewReplacer(pairs...)
	s.Command, s.Args = rewriteAll(s.Command, r), rewriteAll(s.Args, r)
	for k, v := range s.Env {
		s.Env[k] = r.Replace(v)
	}
}

var artifactRefRegex = regexp.MustCompile(`^\{\{tasks\.([^.}]+)\.outputs\.artifacts\.([^.}]+)\}\}$`)

// readTemplate reads a container template into a step (without its name).
func readTemplate(t map[string]any) Step {
	c, _, _ := unstructured.NestedMap(t, "container")
	s := Step{}
	s.Image, _ = c["image"].(string)
	s.Command, _, _ = unstructured.NestedStringSlice(c, "command")
	s.Args, _, _ = unstructured.NestedStringSlice(c, "args")
	if env, ok := c["env"].([]any); ok {
		s.Env, s.EnvFromSecrets = workload.ReadEnv(env, nil)
	}
	if r := workload.ReadResources(c); r != nil {
		s.CPU, s.Memory, s.GPU = r.CPU, r.Memory, r.GPU
	}
	readRetry(t, &s)
	s.TimeoutSeconds = kube.Int64(t, "activeDeadlineSeconds")
	readInputsOutputs(t, &s)
	s.Volumes = readVolumes(t, c)
	if ns, ok, _ := unstructured.NestedStringMap(t, "nodeSelector"); ok && len(ns) > 0 {
		s.NodeSelector = ns
	}
	if ts, ok := t["tolerations"].([]any); ok && len(ts) > 0 {
		s.Tolerations = workload.ReadTolerations(ts)
	}
	return s
}

// readRetry reads retryStrategy: a bare limit as retries (as the provider
// renders retries), anything more as retry.
func readRetry(t map[string]any, s *Step) {
	rs, ok, _ := unstructured.NestedMap(t, "retryStrategy")
	if !ok {
		return
	}
	limit := intOrString(rs["limit"])
	policy, _ := rs["retryPolicy"].(string)
	bo, hasBackoff, _ := unstructured.NestedMap(rs, "backoff")
	if policy == "" && !hasBackoff {
		s.Retries = limit
		return
	}
	s.Retry = &Retry{Policy: policy}
	if limit != nil {
		s.Retry.Limit = *limit
	}
	if hasBackoff {
		b := &Backoff{Factor: intOrString(bo["factor"])}
		b.Duration, _ = bo["duration"].(string)
		b.MaxDuration, _ = bo["maxDuration"].(string)
		s.Retry.Backoff = b
	}
}

// intOrString reads one of Argo's IntOrString fields.
func intOrString(v any) *int64 {
	if n := kube.Int64(map[string]any{"v": v}, "v"); n != nil {
		return n
	}
	if str, ok := v.(string); ok {
		var n int64
		if _, err := fmt.Sscan(str, &n); err == nil {
			return &n
		}
	}
	return nil
}

func readInputsOutputs(t map[string]any, s *Step) {
	params, _, _ := unstructured.NestedSlice(t, "outputs", "parameters")
	for _, item := range params {
		p, _ := item.(map[string]any)
		name, _ := p["name"].(string)
		file, _, _ := unstructured.NestedString(p, "valueFrom", "path")
		s.OutputParameters = setKey(s.OutputParameters, name, file)
	}
	arts, _, _ := unstructured.NestedSlice(t, "outputs", "artifacts")
	for _, item := range arts {
		a, _ := item.(map[string]any)
		name, _ := a["name"].(string)
		file, _ := a["path"].(string)
		s.OutputArtifacts = setKey(s.OutputArtifacts, name, file)
	}
	ins, _, _ := unstructured.NestedSlice(t, "inputs", "artifacts")
	for _, item := range ins {
		a, _ := item.(map[string]any)
		name, _ := a["name"].(string)
		if s.InputArtifacts == nil {
			s.InputArtifacts = map[string]InputArtifact{}
		}
		ia := s.InputArtifacts[name]
		ia.Path, _ = a["path"].(string)
		s.InputArtifacts[name] = ia
	}
}

func setKey(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// readVolumes reads the template's volumes with their mount paths in the
// container, in the order of the mounts.
func readVolumes(t, c map[string]any) []Volume {
	vols, _, _ := unstructured.NestedSlice(t, "volumes")
	sources := map[string]map[string]any{}
	for _, item := range vols {
		v, _ := item.(map[string]any)
		name, _ := v["name"].(string)
		sources[name] = v
	}
	mounts, _, _ := unstructured.NestedSlice(c, "volumeMounts")
	var out []Volume
	for _, item := range mounts {
		m, _ := item.(map[string]any)
		v := Volume{}
		v.Name, _ = m["name"].(string)
		v.MountPath, _ = m["mountPath"].(string)
		src := sources[v.Name]
		v.PVC, _, _ = unstructured.NestedString(src, "persistentVolumeClaim", "claimName")
		v.Secret, _, _ = unstructured.NestedString(src, "secret", "secretName")
		v.ConfigMap, _, _ = unstructured.NestedString(src, "configMap", "name")
		_, v.EmptyDir = src["emptyDir"]
		out = append(out, v)
	}
	return out
}

// readExit reads the exit handler; nil without one.
func readExit(spec map[string]any) *Step {
	name, _ := spec["onExit"].(string)
	if name == "" {
		return nil
	}
	t, ok := templatesByName(spec)[name]
	if !ok {
		return nil
	}
	s := readTemplate(t)
	return &s
}

// readArtifactRepository reads the S3 archive location of the first step
// template that has one; nil when none has.
func readArtifactRepository(spec map[string]any) *ArtifactRepository {
	templates, _, _ := unstructured.NestedSlice(spec, "templates")
	for _, item := range templates {
		t, _ := item.(map[string]any)
		if name, _ := t["name"].(string); !strings.HasPrefix(name, stepPrefix) {
			continue
		}
		s3, ok, _ := unstructured.NestedMap(t, "archiveLocation", "s3")
		if !ok {
			continue
		}
		r := &ArtifactRepository{}
		r.Bucket, _ = s3["bucket"].(string)
		r.Endpoint, _ = s3["endpoint"].(string)
		r.Region, _ = s3["region"].(string)
		r.Insecure, _ = s3["insecure"].(bool)
		r.CredentialsSecret, _, _ = unstructured.NestedString(s3, "accessKeySecret", "name")
		key, _ := s3["key"].(string)
		r.KeyPrefix = strings.TrimSuffix(strings.TrimSuffix(key, artifactKeySuffix), "/")
		return r
	}
	return nil
}
