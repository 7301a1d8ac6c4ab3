package registry

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

// Each resource's codec matches its schema (NewCodec panics otherwise),
// reads a state as the framework's Get does and writes it as its Set does.
func TestCodecsReadStatesAsTheFrameworkDoes(t *testing.T) {
	tags := types.MapValueMust(types.StringType, map[string]attr.Value{"team": types.StringValue("ds")})
	checkCodec(t, NewModelVersionResource(), modelVersionCodec(), func(m *modelVersionModel) {
		m.ModelName, m.Version, m.Source, m.Tags = types.StringValue("churn"), types.StringValue("3"), types.StringValue("s3://m/3"), tags
		m.CreationTimestamp = types.Int64Value(1765000000000)
		m.Aliases = types.SetValueMust(types.StringType, []attr.Value{types.StringValue("champion")})
	})
	checkCodec(t, NewRegisteredModelResource(), registeredModelCodec(), func(m *registeredModelModel) {
		m.ID, m.Name, m.Tags, m.CreationTimestamp = types.StringValue("churn"), types.StringValue("churn"), tags, types.Int64Value(1)
	})
	checkCodec(t, NewModelAliasResource(), modelAliasCodec(), func(m *modelAliasModel) {
		m.ModelName, m.Alias, m.Version = types.StringValue("churn"), types.StringValue("champion"), types.StringValue("3")
	})
	checkCodec(t, NewRegistryWebhookResource(), registryWebhookCodec(), func(m *registryWebhookModel) {
		m.ID, m.Name = types.StringValue("w1"), types.StringValue("retrain")
	})
	checkCodec(t, NewModelPermissionResource(), modelPermissionCodec(), func(m *modelPermissionModel) {
		m.Username, m.Permission = types.StringValue("ana"), types.StringValue("READ")
	})
}

// checkCodec makes a state with the framework (every attribute null, then
// what fill sets), reads it with the codec and with the framework's Get,
// which must agree, and writes it back with the codec, which must give the
// same state.
func checkCodec[M any](t *testing.T, r resource.Resource, c *tfval.Codec[M], fill func(*M)) {
	t.Helper()
	ctx := context.Background()
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	typ := sr.Schema.Type().TerraformType(ctx).(tftypes.Object)
	nulls := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		nulls[name] = tftypes.NewValue(at, nil)
	}
	state := tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(typ, nulls)}
	var m M
	if d := state.Get(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	fill(&m)
	if d := state.Set(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	var viaFramework, viaCodec M
	if d := state.Get(ctx, &viaFramework); d.HasError() {
		t.Fatal(d)
	}
	if d := c.Get(ctx, state.Raw, &viaCodec); d.HasError() {
		t.Fatal(d)
	}
	if !c.Equal(&viaFramework, &viaCodec) || !c.Equal(&m, &viaCodec) {
		t.Errorf("%T: the codec read %+v, the framework %+v", r, viaCodec, viaFramework)
	}
	if raw, d := c.Value(ctx, &viaCodec); d.HasError() || !raw.Equal(state.Raw) {
		t.Errorf("%T: the codec wrote %s, the framework %s (%v)", r, raw, state.Raw, d)
	}
}
