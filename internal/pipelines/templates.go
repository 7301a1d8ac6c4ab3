package pipelines

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// This file renders the steps into Argo's templates: a DAG task and a
// container template per step, and the exit handler's template.

// ArtifactRepository is where the steps' output artifacts are stored: an
// S3-compatible bucket. It is rendered as the archiveLocation of every step
// template, so that Argo needs no cluster-wide default repository.
type ArtifactRepository struct {
	Bucket, Endpoint, KeyPrefix, Region string
	// CredentialsSecret holds the keys accesskey and secretkey; without
	// one, Argo uses the cloud SDK's credentials (useSDKCreds).
	CredentialsSecret string
	Insecure          bool
}

// The keys of the credentials Secret, and the exit handler's template name
// (step templates are stepPrefix+<name>, so none can collide with it).
const (
	accessKeyKey = "accesskey"
	secretKeyKey = "secretkey"
	exitTemplate = "on-exit"
	// artifactKeySuffix makes each pod's artifacts a key of their own.
	artifactKeySuffix = "{{workflow.name}}/{{pod.name}}"
)

// Templates compiles the steps into Argo templates: the DAG (entrypoint)
// first, then one container template per step. Tasks keep the
// configuration's order (Argo orders the runs by the dependencies), so that
// reading the template back gives the steps as configured. repo, when not
// nil, is every step's archive location.
func Templates(steps []Step, repo *ArtifactRepository) []any {
	tasks := make([]any, 0, len(steps))
	templates := make([]any, 0, len(steps)+1)
	for _, s := range steps {
		tasks = append(tasks, dagTask(s))
	}
	templates = append(templates, map[string]any{"name": dagTemplate, "dag": map[string]any{"tasks": tasks}})
	for _, s := range steps {
		templates = append(templates, stepTemplate(stepPrefix+s.Name, s, repo))
	}
	return templates
}

// ExitTemplate renders the exit handler: a container template that Argo
// runs after the DAG, whether it succeeded or failed.
func ExitTemplate(s Step) map[string]any { return stepTemplate(exitTemplate, s, nil) }

func dagTask(s Step) map[string]any {
	task := map[string]any{"name": s.Name, "template": stepPrefix + s.Name}
	if len(s.DependsOn) > 0 {
		task["dependencies"] = tfval.ToAny(s.DependsOn)
	}
	if s.When != "" {
		task["when"] = s.When
	}
	if len(s.WithItems) > 0 {
		task["withItems"] = tfval.ToAny(s.WithItems)
	}
	args := map[string]any{}
	if passed := passedParameters(s); len(passed) > 0 {
		params := make([]any, len(passed))
		for i, p := range passed {
			params[i] = map[string]any{"name": p.name, "value": p.value}
		}
		args["parameters"] = params
	}
	if len(s.InputArtifacts) > 0 {
		arts := make([]any, 0, len(s.InputArtifacts))
		for _, name := range tfval.SortedKeys(s.InputArtifacts) {
			step, art, _ := strings.Cut(s.InputArtifacts[name].From, ".")
			arts = append(arts, map[string]any{"name": name, "from": artifactRef(step, art)})
		}
		args["artifacts"] = arts
	}
	if len(args) > 0 {
		task["arguments"] = args
	}
	return task
}

// passed is a value that Argo resolves only in a DAG task's scope (an
// earlier task's output parameter, or the fan-out's {{item}}), used in the
// step's container: the task passes it as the input parameter name, and
// the container reads {{inputs.parameters.<name>}}.
type passed struct{ name, value string }

// passedRefRegex finds what a step's container uses from the task's scope.
var passedRefRegex = regexp.MustCompile(`\{\{tasks\.([^.{}\s]+)\.outputs\.parameters\.([^.{}\s]+)\}\}|\{\{item\}\}`)

// passedParameters lists them, sorted by name: tasks_<step>_<output> (a
// step name has no '_', so no two references share a name) and item.
func passedParameters(s Step) []passed {
	found := map[string]string{}
	scan := func(v string) {
		for _, m := range passedRefRegex.FindAllStringSubmatch(v, -1) {
			if m[1] == "" {
				found["item"] = m[0]
			} else {
				found["tasks_"+m[1]+"_"+m[2]] = m[0]
			}
		}
	}
	for _, v := range append(append([]string(nil), s.Command...), s.Args...) {
		scan(v)
	}
	for _, v := range s.Env {
		scan(v)
	}
	out := make([]passed, 0, len(found))
	for _, n := range tfval.SortedKeys(found) {
		out = append(out, passed{name: n, value: found[n]})
	}
	return out
}

// inContainer rewrites the passed values into the container's references
// to its inputs.
func inContainer(passed []passed) *strings.Replacer {
	pairs := make([]string, 0, 2*len(passed))
	for _, p := range passed {
		pairs = append(pairs, p.value, "{{inputs.parameters."+p.name+"}}")
	}
	return strings.NewReplacer(pairs...)
}

// artifactRef is Argo's reference to a task's output artifact.
func artifactRef(step, artifact string) string {
	return "{{tasks." + step + ".outputs.artifacts." + artifact + "}}"
}

func stepTemplate(name string, s Step, repo *ArtifactRepository) map[string]any {
	passed := passedParameters(s)
	t := map[string]any{"name": name, "container": container(s, inContainer(passed))}
	inputs := map[string]any{}
	if len(passed) > 0 {
		params := make([]any, len(passed))
		for i, p := range passed {
			params[i] = map[string]any{"name": p.name}
		}
		inputs["parameters"] = params
	}
	if r := retryStrategy(s); r != nil {
		t["retryStrategy"] = r
	}
	if s.TimeoutSeconds != nil {
		t["activeDeadlineSeconds"] = *s.TimeoutSeconds
	}
	if len(s.InputArtifacts) > 0 {
		arts := make([]any, 0, len(s.InputArtifacts))
		for _, n := range tfval.SortedKeys(s.InputArtifacts) {
			arts = append(arts, map[string]any{"name": n, "path": s.InputArtifacts[n].Path})
		}
		inputs["artifacts"] = arts
	}
	if len(inputs) > 0 {
		t["inputs"] = inputs
	}
	if out := outputs(s); out != nil {
		t["outputs"] = out
	}
	if len(s.Volumes) > 0 {
		t["volumes"] = volumes(s.Volumes)
	}
	if len(s.NodeSelector) > 0 {
		t["nodeSelector"] = tfval.MapToAny(s.NodeSelector)
	}
	if len(s.Tolerations) > 0 {
		t["tolerations"] = workload.TolerationsList(s.Tolerations)
	}
	if repo != nil {
		t["archiveLocation"] = repo.location()
	}
	return t
}

func container(s Step, rewrite *strings.Replacer) map[string]any {
	c := map[string]any{"image": s.Image}
	if len(s.Command) > 0 {
		c["command"] = tfval.ToAny(rewriteAll(s.Command, rewrite))
	}
	if len(s.Args) > 0 {
		c["args"] = tfval.ToAny(rewriteAll(s.Args, rewrite))
	}
	if len(s.Env) > 0 || len(s.EnvFromSecrets) > 0 {
		env := make(map[string]string, len(s.Env))
		for k, v := range s.Env {
			env[k] = rewrite.Replace(v)
		}
		c["env"] = workload.EnvList(env, s.EnvFromSecrets)
	}
	if r := resources(s); r != nil {
		c["resources"] = r
	}
	if len(s.Volumes) > 0 {
		mounts := make([]any, len(s.Volumes))
		for i, v := range s.Volumes {
			mounts[i] = map[string]any{"name": v.Name, "mountPath": v.MountPath}
		}
		c["volumeMounts"] = mounts
	}
	return c
}

func rewriteAll(ss []string, r *strings.Replacer) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = r.Replace(s)
	}
	return out
}

// resources renders the step's CPU, memory and GPUs as both requests and
// limits.
func resources(s Step) map[string]any {
	q := map[string]any{}
	if s.CPU != "" {
		q["cpu"] = s.CPU
	}
	if s.Memory != "" {
		q["memory"] = s.Memory
	}
	if s.GPU != nil && *s.GPU > 0 {
		q[workload.GPUResource] = fmt.Sprint(*s.GPU)
	}
	if len(q) == 0 {
		return nil
	}
	limits := map[string]any{}
	for k, v := range q {
		limits[k] = v
	}
	return map[string]any{"requests": q, "limits": limits}
}

// retryStrategy renders retry, or the bare limit of retries.
func retryStrategy(s Step) map[string]any {
	if s.Retry == nil {
		if s.Retries == nil {
			return nil
		}
		return map[string]any{"limit": *s.Retries}
	}
	r := map[string]any{"limit": s.Retry.Limit}
	if s.Retry.Policy != "" {
		r["retryPolicy"] = s.Retry.Policy
	}
	if b := s.Retry.Backoff; b != nil {
		bo := map[string]any{"duration": b.Duration}
		if b.Factor != nil {
			bo["factor"] = *b.Factor
		}
		if b.MaxDuration != "" {
			bo["maxDuration"] = b.MaxDuration
		}
		r["backoff"] = bo
	}
	return r
}

func outputs(s Step) map[string]any {
	out := map[string]any{}
	if len(s.OutputParameters) > 0 {
		params := make([]any, 0, len(s.OutputParameters))
		for _, n := range tfval.SortedKeys(s.OutputParameters) {
			params = append(params, map[string]any{"name": n, "valueFrom": map[string]any{"path": s.OutputParameters[n]}})
		}
		out["parameters"] = params
	}
	if len(s.OutputArtifacts) > 0 {
		arts := make([]any, 0, len(s.OutputArtifacts))
		for _, n := range tfval.SortedKeys(s.OutputArtifacts) {
			arts = append(arts, map[string]any{"name": n, "path": s.OutputArtifacts[n]})
		}
		out["artifacts"] = arts
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func volumes(vs []Volume) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		m := map[string]any{"name": v.Name}
		switch {
		case v.PVC != "":
			m["persistentVolumeClaim"] = map[string]any{"claimName": v.PVC}
		case v.Secret != "":
			m["secret"] = map[string]any{"secretName": v.Secret}
		case v.ConfigMap != "":
			m["configMap"] = map[string]any{"name": v.ConfigMap}
		default:
			m["emptyDir"] = map[string]any{}
		}
		out[i] = m
	}
	return out
}

// location renders the repository as an S3 archive location.
func (r *ArtifactRepository) location() map[string]any {
	key := artifactKeySuffix
	if p := strings.Trim(r.KeyPrefix, "/"); p != "" {
		key = p + "/" + key
	}
	s3 := map[string]any{"bucket": r.Bucket, "endpoint": r.Endpoint, "key": key}
	if r.Region != "" {
		s3["region"] = r.Region
	}
	if r.Insecure {
		s3["insecure"] = true
	}
	if r.CredentialsSecret != "" {
		s3["accessKeySecret"] = map[string]any{"name": r.CredentialsSecret, "key": accessKeyKey}
		s3["secretKeySecret"] = map[string]any{"name": r.CredentialsSecret, "key": secretKeyKey}
	} else {
		s3["useSDKCreds"] = true
	}
	return map[string]any{"s3": s3}
}

// Parameters compiles the pipeline's parameters into workflow arguments,
// sorted by name.
func Parameters(params map[string]string) []any {
	out := make([]any, 0, len(params))
	for _, k := range tfval.SortedKeys(params) {
		out = append(out, map[string]any{"name": k, "value": params[k]})
	}
	return out
}
