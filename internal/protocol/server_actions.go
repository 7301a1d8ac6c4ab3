package protocol

import (
	"context"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// The protocol server wraps the framework's server in diagnosticsServer,
// which embeds the tfprotov6.ProviderServer interface. That interface does
// not (yet) hold the action RPCs, so without these methods the wrapper would
// hide them: tf6server serves actions only for a server that has them
// (tfprotov6.ProviderServerWithActions), and would answer Terraform 1.14's
// ValidateActionConfig, PlanAction and InvokeAction with "Not Implemented"
// although GetProviderSchema lists the actions. They pass through unchanged:
// the actions have no number attributes and no nested attributes.
var _ tfprotov6.ActionServer = &diagnosticsServer{}

func (s *diagnosticsServer) actions() (tfprotov6.ActionServer, bool) {
	a, ok := s.ProviderServer.(tfprotov6.ActionServer)
	return a, ok
}

var notImplemented = []*tfprotov6.Diagnostic{{
	Severity: tfprotov6.DiagnosticSeverityError,
	Summary:  "Actions not implemented",
	Detail:   "The provider's inner server does not serve actions. This is a bug in the provider: please report it.",
}}

func (s *diagnosticsServer) ValidateActionConfig(ctx context.Context, req *tfprotov6.ValidateActionConfigRequest) (*tfprotov6.ValidateActionConfigResponse, error) {
	a, ok := s.actions()
	if !ok {
		return &tfprotov6.ValidateActionConfigResponse{Diagnostics: notImplemented}, nil
	}
	return a.ValidateActionConfig(ctx, req)
}

func (s *diagnosticsServer) PlanAction(ctx context.Context, req *tfprotov6.PlanActionRequest) (*tfprotov6.PlanActionResponse, error) {
	a, ok := s.actions()
	if !ok {
		return &tfprotov6.PlanActionResponse{Diagnostics: notImplemented}, nil
	}
	return a.PlanAction(ctx, req)
}

func (s *diagnosticsServer) InvokeAction(ctx context.Context, req *tfprotov6.InvokeActionRequest) (*tfprotov6.InvokeActionServerStream, error) {
	a, ok := s.actions()
	if !ok {
		return &tfprotov6.InvokeActionServerStream{Events: func(push func(tfprotov6.InvokeActionEvent) bool) {
			push(tfprotov6.InvokeActionEvent{Type: tfprotov6.CompletedInvokeActionEventType{Diagnostics: notImplemented}})
		}}, nil
	}
	return a.InvokeAction(ctx, req)
}
