package registry_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// object builds a value of t from the attributes given; the others are null.
func object(t tftypes.Object, attrs map[string]tftypes.Value) tftypes.Value {
	all := map[string]tftypes.Value{}
	for name, at := range t.AttributeTypes {
		if v, ok := attrs[name]; ok {
			all[name] = v
		} else {
			all[name] = tftypes.NewValue(at, nil)
		}
	}
	return tftypes.NewValue(t, all)
}

func dynamic(t *testing.T, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

func failOnDiagnostics(t *testing.T, what string, ds []*tfprotov6.Diagnostic) {
	t.Helper()
	for _, d := range ds {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Fatalf("%s: %s: %s", what, d.Summary, d.Detail)
		}
	}
}

// secret_wo needs Terraform or OpenTofu 1.11+, which the acceptance tests
// do not run (Terraform 1.5.7), so this test speaks the plugin protocol to
// the provider as such a client does (write-only attributes allowed), then
// checks against the real MLflow server that the write-only secret reached
// it: a real delivery is signed with it. It also checks that the plan and
// the state never hold it.
func TestAccRegistryWebhook_writeOnlySecret(t *testing.T) {
	acctest.PreCheckMLflow(t)
	ctx := context.Background()
	server, err := acctest.ProtoV6ProviderFactories["mlops"]()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	failOnDiagnostics(t, "schema", schemas.Diagnostics)
	provType := schemas.Provider.ValueType().(tftypes.Object)
	mlflowType := provType.AttributeTypes["mlflow"].(tftypes.Object)
	provCfg := object(provType, map[string]tftypes.Value{
		"mlflow": object(mlflowType, map[string]tftypes.Value{"tracking_uri": tftypes.NewValue(tftypes.String, acctest.MLflow(t).TrackingURI())}),
	})
	conf, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		Config:             dynamic(t, provType, provCfg),
		ClientCapabilities: &tfprotov6.ConfigureProviderClientCapabilities{DeferralAllowed: false},
	})
	if err != nil {
		t.Fatal(err)
	}
	failOnDiagnostics(t, "configure", conf.Diagnostics)

	const typeName = "mlops_registry_webhook"
	resType := schemas.ResourceSchemas[typeName].ValueType().(tftypes.Object)
	srv, deliveries := receiver(t)
	name := acctest.RandomName("wohook")
	config := object(resType, map[string]tftypes.Value{
		"name":              tftypes.NewValue(tftypes.String, name),
		"url":               tftypes.NewValue(tftypes.String, srv.URL+"/hook"),
		"events":            tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{tftypes.NewValue(tftypes.String, "registered_model.created")}),
		"secret_wo":         tftypes.NewValue(tftypes.String, "write-only-s3cr3t"),
		"secret_wo_version": tftypes.NewValue(tftypes.Number, 1),
	})
	valid, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
		TypeName: typeName, Config: dynamic(t, resType, config),
		ClientCapabilities: &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	failOnDiagnostics(t, "validate", valid.Diagnostics)

	// What Terraform proposes: the configuration, with computed attributes
	// unknown and write-only ones null.
	var configAttrs map[string]tftypes.Value
	_ = config.As(&configAttrs)
	proposedAttrs := map[string]tftypes.Value{} // a copy: As shares the value's map
	for k, v := range configAttrs {
		proposedAttrs[k] = v
	}
	for _, computed := range []string{"id", "status", "creation_timestamp", "last_updated_timestamp"} {
		proposedAttrs[computed] = tftypes.NewValue(resType.AttributeTypes[computed], tftypes.UnknownValue)
	}
	proposedAttrs["secret_wo"] = tftypes.NewValue(tftypes.String, nil)
	proposed := tftypes.NewValue(resType, proposedAttrs)
	prior := tftypes.NewValue(resType, nil)
	plan, err := server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: typeName, PriorState: dynamic(t, resType, prior), ProposedNewState: dynamic(t, resType, proposed),
		Config: dynamic(t, resType, config),
	})
	if err != nil {
		t.Fatal(err)
	}
	failOnDiagnostics(t, "plan", plan.Diagnostics)
	planned, err := plan.PlannedState.Unmarshal(resType)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, "the plan", planned)

	applied, err := server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: typeName, PriorState: dynamic(t, resType, prior), PlannedState: plan.PlannedState,
		Config: dynamic(t, resType, config), PlannedPrivate: plan.PlannedPrivate,
	})
	if err != nil {
		t.Fatal(err)
	}
	failOnDiagnostics(t, "apply", applied.Diagnostics)
	state, err := applied.NewState.Unmarshal(resType)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, "the state", state)
	var stateAttrs map[string]tftypes.Value
	_ = state.As(&stateAttrs)
	var id string
	_ = stateAttrs["id"].As(&id)
	t.Cleanup(func() { _ = acctest.MLflow(t).DeleteWebhook(context.Background(), id) })

	// MLflow got the write-only secret: a real delivery is signed with it.
	if err := deliveries.deliveredSigned(t, "wohooked", "write-only-s3cr3t"); err != nil {
		t.Fatal(err)
	}
}

func assertNoSecret(t *testing.T, where string, v tftypes.Value) {
	t.Helper()
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		t.Fatal(err)
	}
	if !attrs["secret_wo"].IsNull() {
		t.Fatalf("%s holds the write-only secret: %v", where, attrs["secret_wo"])
	}
	if s := fmt.Sprint(v); strings.Contains(s, "write-only-s3cr3t") {
		t.Fatalf("%s holds the write-only secret: %s", where, s)
	}
}
