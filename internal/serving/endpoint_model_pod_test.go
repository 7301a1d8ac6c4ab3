package serving

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// A timeout keeps the spelling of the configuration when it is the same
// length ("2m" stays "2m"); otherwise, and on import, it is in seconds.
func TestFlattenSeconds(t *testing.T) {
	secs := int64(120)
	for _, c := range []struct {
		prior types.String
		want  string
	}{
		{types.StringValue("2m"), "2m"},
		{types.StringValue("120s"), "120s"},
		{types.StringValue("1m"), "120s"},
		{types.StringNull(), "120s"},
	} {
		if got := flattenSeconds(&secs, c.prior); got.ValueString() != c.want {
			t.Errorf("prior %s: got %s, want %s", c.prior, got, c.want)
		}
	}
	if got := flattenSeconds(nil, types.StringValue("2m")); !got.IsNull() {
		t.Errorf("no live timeout: got %s, want null", got)
	}
}

// A pod block that applies nothing (pod = {}, or empty collections) reads
// back as configured, not as null (which Terraform would call an
// inconsistent result); without one, pod stays null.
func TestFlattenPodConfiguredEmpty(t *testing.T) {
	ctx := context.Background()
	var d diag.Diagnostics
	empty := types.ObjectValueMust(podAttrTypes, map[string]attr.Value{
		"service_account": types.StringNull(), "priority_class": types.StringNull(),
		"node_selector": types.MapValueMust(types.StringType, map[string]attr.Value{}), "tolerations": types.ListNull(workload.TolerationType),
		"image_pull_secrets": types.ListNull(types.StringType),
	})
	if got := flattenPod(ctx, nil, empty, &d); !got.Equal(empty) || d.HasError() {
		t.Fatalf("pod = { node_selector = {} } reads back as %s (%v)", got, d)
	}
	if got := flattenPod(ctx, nil, types.ObjectNull(podAttrTypes), &d); !got.IsNull() {
		t.Fatalf("no pod configured, none applied: %s", got)
	}
}

// A transformer (a container with its own replicas) reads back from its
// live spec into the state's object, and is expanded from it again.
func TestTransformerRoundTrip(t *testing.T) {
	ctx := context.Background()
	var d diag.Diagnostics
	two := int64(2)
	live := endpointSpec{Transformer: &transformerSpec{Container: containerSpec{Image: "acme/tx:1", Args: []string{"--fast"}}, MaxReplicas: &two}}
	m := endpointModel{Pod: types.ObjectNull(podAttrTypes), Container: types.ObjectNull(containerAttrTypes), Transformer: types.ObjectNull(transformerAttrTypes)}
	flattenRunning(ctx, live, &m, &d)
	var e endpointSpec
	expandRunning(ctx, m, &e, &d)
	if d.HasError() {
		t.Fatal(d)
	}
	got := e.Transformer
	if got == nil || got.Container.Image != "acme/tx:1" || len(got.Container.Args) != 1 || got.Container.Args[0] != "--fast" ||
		got.MaxReplicas == nil || *got.MaxReplicas != 2 || got.MinReplicas != nil {
		t.Fatalf("transformer after a round trip: %+v", got)
	}
}
