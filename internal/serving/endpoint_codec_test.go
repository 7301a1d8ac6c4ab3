package serving

import (
	"context"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// richEndpoint is a model with most attributes set: a flattened object with
// a canary, scaling, a pod, a transformer and a status.
func richEndpoint(t *testing.T) endpointModel {
	t.Helper()
	ctx := context.Background()
	s := endpointSchema(ctx)
	nulls := map[string]tftypes.Value{}
	for name, typ := range s.Type().TerraformType(ctx).(tftypes.Object).AttributeTypes {
		nulls[name] = tftypes.NewValue(typ, nil)
	}
	var m endpointModel
	if d := (tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nulls)}).Get(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	model := modelSpec{StorageURI: "s3://m/1", Format: "mlflow", Protocol: "v2", Env: map[string]string{"A": "1"},
		Resources: &workload.Resources{CPU: "1", Memory: "2Gi"}, Ref: registryRefSpec{RegisteredModel: "churn", Alias: "champion", ResolvedVersion: "7"}}
	canary := model
	canary.StorageURI, canary.Ref = "s3://m/2", registryRefSpec{RegisteredModel: "churn", Version: "8", ResolvedVersion: "8"}
	spec := endpointSpec{Name: "churn", Namespace: "ns", Mode: ModeStandard, Model: model, Canary: &canary, CanaryPercent: 10,
		Labels: map[string]string{"team": "ds"}, Scaling: &scalingSpec{MinReplicas: i64(1), MaxReplicas: i64(4), Metric: "cpu"},
		Pod:         &podSpec{ServiceAccount: "sa", NodeSelector: map[string]string{"pool": "gpu"}},
		Transformer: &transformerSpec{Container: containerSpec{Image: "feat:1", Args: []string{"-m", "t"}}}, Timeout: i64(60)}
	obj := spec.toObject()
	obj.Object["status"] = map[string]any{"url": "http://churn.ns", "conditions": []any{
		map[string]any{"type": "Ready", "status": "True"}, map[string]any{"type": "PredictorReady", "status": "True", "reason": "r", "message": "m"}}}
	var d diag.Diagnostics
	flatten(ctx, obj, &m, &d)
	if d.HasError() {
		t.Fatal(d)
	}
	return m
}

// The codec reads and writes an endpoint exactly as the framework's Get and
// Set do.
func TestEndpointCodecMatchesFramework(t *testing.T) {
	ctx := context.Background()
	s := endpointSchema(ctx)
	codec := endpointCodec()
	m := richEndpoint(t)
	var state tfsdk.State
	state.Schema = s
	if d := state.Set(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	raw, d := codec.Value(ctx, &m)
	if d.HasError() || !raw.Equal(state.Raw) {
		t.Fatalf("codec wrote %s (%v)\nthe framework %s", raw, d, state.Raw)
	}
	var viaCodec, viaFramework endpointModel
	if d := codec.Get(ctx, state.Raw, &viaCodec); d.HasError() {
		t.Fatal(d)
	}
	if d := state.Get(ctx, &viaFramework); d.HasError() {
		t.Fatal(d)
	}
	if !codec.Equal(&viaCodec, &viaFramework) || !codec.Equal(&viaCodec, &m) || !reflect.DeepEqual(viaCodec, viaFramework) {
		t.Fatalf("codec read %+v\nthe framework %+v", viaCodec, viaFramework)
	}
	changed := m
	changed.Ready = basetypes.NewBoolValue(!m.Ready.ValueBool())
	if codec.Equal(&m, &changed) {
		t.Fatal("a changed ready is equal")
	}
	nullState := tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
	unknownState := tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), tftypes.UnknownValue)}
	for _, st := range []tfsdk.State{state, nullState, unknownState} {
		model := reflect.TypeFor[endpointModel]()
		for i := range model.NumField() {
			name := model.Field(i).Tag.Get("tfsdk")
			got, want := reflect.New(model.Field(i).Type), reflect.New(model.Field(i).Type)
			gd := codec.GetAttribute(ctx, st.Raw, name, got.Interface())
			wd := st.GetAttribute(ctx, path.Root(name), want.Interface())
			if gd.HasError() != wd.HasError() || !got.Elem().Interface().(attr.Value).Equal(want.Elem().Interface().(attr.Value)) {
				t.Errorf("%s of %s: codec %v (%v), framework %v (%v)", name, st.Raw.String()[:20], got.Elem(), gd, want.Elem(), wd)
			}
		}
	}
}

// tfval.As and tfval.ObjectFrom read and make nested objects as the
// framework's As and ObjectValueFrom do.
func TestObjectHelpersMatchFramework(t *testing.T) {
	ctx := context.Background()
	m := richEndpoint(t)
	read, set := 0, 0
	for _, o := range []basetypes.ObjectValue{m.Model, m.Canary, m.Scaling, m.Transformer, m.Pod} {
		if !o.IsNull() {
			set++
		}
		for _, target := range []any{&modelModel{}, &canaryModel{}, &scalingModel{}, &transformerModel{}, &podModel{}} {
			viaFramework := reflect.New(reflect.TypeOf(target).Elem()).Interface()
			fd := o.As(ctx, viaFramework, basetypes.ObjectAsOptions{})
			td := tfval.As(ctx, o, target)
			if fd.HasError() != td.HasError() || (!fd.HasError() && !reflect.DeepEqual(target, viaFramework)) {
				t.Errorf("%T from %s: %+v (%v), framework %+v (%v)", target, o, target, td, viaFramework, fd)
			}
			if fd.HasError() {
				continue
			}
			read++
			types := map[string]attr.Type{}
			for k, v := range o.AttributeTypes(ctx) {
				types[k] = v
			}
			got, gd := tfval.ObjectFrom(ctx, types, reflect.ValueOf(target).Elem().Interface())
			if gd.HasError() || !got.Equal(o) {
				t.Errorf("%T back to an object: %s (%v), want %s", target, got, gd, o)
			}
		}
	}
	if read != set || set < 4 {
		t.Errorf("%d of the %d objects set read into their models", read, set)
	}
}
