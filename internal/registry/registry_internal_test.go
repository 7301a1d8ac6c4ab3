package registry

import (
	"context"
	"reflect"
	"sort"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

func TestUserTagsIgnoreSystemTags(t *testing.T) {
	got := userTags([]mlflow.Tag{{Key: "team", Value: "risk"}, {Key: "mlflow.source.type", Value: "JOB"}})
	if !reflect.DeepEqual(got, map[string]string{"team": "risk"}) {
		t.Fatalf("got %v", got)
	}
}

func TestTagChanges(t *testing.T) {
	have := map[string]string{"a": "1", "b": "2", "mlflow.x": "sys", "gone": "x"}
	want := map[string]string{"a": "1", "b": "3", "new": "n"}
	set, del := tagChanges(have, want)
	sort.Strings(del)
	if !reflect.DeepEqual(set, map[string]string{"b": "3", "new": "n"}) || !reflect.DeepEqual(del, []string{"gone"}) {
		t.Fatalf("set %v del %v", set, del)
	}
}

func TestFlattenExpandTags(t *testing.T) {
	if v := tfval.MapOrNull(map[string]string{}, types.MapNull(types.StringType)); !v.IsNull() {
		t.Fatalf("no tags with a null prior must stay null, got %v", v)
	}
	empty := types.MapValueMust(types.StringType, nil)
	if v := tfval.MapOrNull(map[string]string{}, empty); v.IsNull() || len(v.Elements()) != 0 {
		t.Fatalf("no tags with an empty prior must stay an empty map, got %v", v)
	}
	v := tfval.MapOrNull(map[string]string{"k": "v"}, types.MapNull(types.StringType))
	var d diag.Diagnostics
	if got := tfval.StringMapOf(context.Background(), v, &d); !reflect.DeepEqual(got, map[string]string{"k": "v"}) || d.HasError() {
		t.Fatalf("round trip gave %v %v", got, d)
	}
	if got := tfval.StringMapOf(context.Background(), types.MapUnknown(types.StringType), &d); len(got) != 0 {
		t.Fatalf("unknown gave %v", got)
	}
}

func TestOptionalString(t *testing.T) {
	if v := optionalString("", types.StringNull()); !v.IsNull() {
		t.Fatal(`"" with a null prior must be null`)
	}
	if v := optionalString("", types.StringValue("")); v.IsNull() || v.ValueString() != "" {
		t.Fatal(`"" with a "" prior must stay ""`)
	}
	if v := optionalString("", types.StringValue("old")); !v.IsNull() {
		t.Fatal(`a description cleared outside Terraform must read as null`)
	}
	if v := optionalString("x", types.StringNull()); v.ValueString() != "x" {
		t.Fatal("x")
	}
}

func TestRunIDFromSource(t *testing.T) {
	for src, want := range map[string]string{
		"runs:/abc123/model":        "abc123",
		"runs:///abc123/deep/model": "abc123",
		"runs:/abc123":              "abc123",
		"models:/m-1":               "",
		"s3://bucket/runs:/x/y":     "",
	} {
		if got := runIDFromSource(src); got != want {
			t.Errorf("%s -> %q, want %q", src, got, want)
		}
	}
}

func TestVersionOrdering(t *testing.T) {
	vs := []mlflow.ModelVersion{{Version: "10", Status: "READY"}, {Version: "9", Status: "READY"}, {Version: "11", Status: "FAILED_REGISTRATION"}, {Version: "2", Status: "READY"}}
	if got := versionNumbers(vs); !reflect.DeepEqual(got, []string{"2", "9", "10", "11"}) {
		t.Fatalf("got %v", got)
	}
	if got := highestReady(vs); got == nil || got.Version != "10" {
		t.Fatalf("highest READY = %v, want 10", got)
	}
	if got := highestReady(vs[2:3]); got != nil {
		t.Fatalf("no READY version, got %v", got)
	}
}

func TestIsVersionNumber(t *testing.T) {
	for s, want := range map[string]bool{"1": true, "42": true, "0": false, "01": false, "": false, "v1": false, "latest": false} {
		if isVersionNumber(s) != want {
			t.Errorf("%q", s)
		}
	}
}
