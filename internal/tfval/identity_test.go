package tfval

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// FromState copies the identity's attributes from the state, null ones
// included.
func TestIdentityFromState(t *testing.T) {
	ctx := context.Background()
	id := Identity{{Name: "namespace", Optional: true}, {Name: "name"}}
	var idResp resource.IdentitySchemaResponse
	id.Schema(&idResp)
	s := schema.Schema{Attributes: map[string]schema.Attribute{
		"namespace": schema.StringAttribute{Optional: true}, "name": schema.StringAttribute{Required: true},
		"other": schema.StringAttribute{Optional: true},
	}}
	typ := s.Type().TerraformType(ctx)
	for _, ns := range []tftypes.Value{tftypes.NewValue(tftypes.String, "ml"), tftypes.NewValue(tftypes.String, nil)} {
		state := tfsdk.State{Schema: s, Raw: tftypes.NewValue(typ, map[string]tftypes.Value{
			"namespace": ns, "name": tftypes.NewValue(tftypes.String, "churn"), "other": tftypes.NewValue(tftypes.String, "x"),
		})}
		to := &tfsdk.ResourceIdentity{Schema: idResp.IdentitySchema, Raw: tftypes.NewValue(idResp.IdentitySchema.Type().TerraformType(ctx), nil)}
		if d := id.FromState(ctx, state, to); d.HasError() {
			t.Fatal(d)
		}
		want := tftypes.NewValue(idResp.IdentitySchema.Type().TerraformType(ctx), map[string]tftypes.Value{"namespace": ns, "name": tftypes.NewValue(tftypes.String, "churn")})
		if !to.Raw.Equal(want) {
			t.Errorf("identity %s, want %s", to.Raw, want)
		}
	}
}
