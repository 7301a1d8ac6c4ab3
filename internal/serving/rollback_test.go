package serving_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/serving"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// keepCanaries makes the API server refuse, in namespace ns, any update of
// an InferenceService that removes its canary (so a rollback is refused).
func keepCanaries(t *testing.T, ns, probe string) {
	refuseUpdates(t, ns, probe, "keep-canary", "!has(oldObject.spec.canary) || has(object.spec.canary)", "the test policy keeps this endpoint's canary")
}

// refuseCanaries makes the API server refuse, in namespace ns, any update
// of an InferenceService that gives it a canary (so a rollout step is
// refused, and its rollback is not).
func refuseCanaries(t *testing.T, ns, probe string) {
	refuseUpdates(t, ns, probe, "no-canary", "!has(object.spec.canary)", "the test policy refuses canaries")
}

// refuseUpdates makes the API server refuse, in namespace ns, any update of
// an InferenceService for which expression is false, with message: a
// ValidatingAdmissionPolicy, the API server's own CEL admission, stands for
// whatever may refuse an update in a real cluster (a policy engine, a
// quota, an expired token). It returns once the policy refuses a probe (a
// dry-run update of the InferenceService probe): the API server loads
// policies asynchronously.
func refuseUpdates(t *testing.T, ns, probe, kind, expression, message string) {
	t.Helper()
	name := "mlops-test-" + kind + "-" + ns
	fail := admissionv1.Fail
	policy := &admissionv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionv1.RuleWithOperations{
					Operations: []admissionv1.OperationType{admissionv1.Update},
					Rule:       admissionv1.Rule{APIGroups: []string{"serving.kserve.io"}, APIVersions: []string{"*"}, Resources: []string{"inferenceservices"}},
				},
			}}},
			Validations: []admissionv1.Validation{{
				Expression: expression,
				Message:    message,
			}, {
				Expression: "!has(object.metadata.annotations) || !('" + probeAnnotation + "' in object.metadata.annotations)",
				Message:    "the test policy is loaded",
			}},
		},
	}
	binding := &admissionv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny},
			MatchResources: &admissionv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns},
			}},
		},
	}
	api := acctest.Core(t).AdmissionregistrationV1()
	ctx := context.Background()
	if _, err := api.ValidatingAdmissionPolicies().Create(ctx, policy, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the policy: %v", err)
	}
	t.Cleanup(func() {
		_ = api.ValidatingAdmissionPolicies().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	if _, err := api.ValidatingAdmissionPolicyBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the policy binding: %v", err)
	}
	t.Cleanup(func() {
		_ = api.ValidatingAdmissionPolicyBindings().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	isvcs := acctest.Kube(t).Resource(serving.InferenceServiceGVR).Namespace(ns)
	mark := []byte(`{"metadata":{"annotations":{"` + probeAnnotation + `":"x"}}}`)
	err := acctest.Eventually(time.Minute, func() error {
		_, err := isvcs.Patch(ctx, probe, types.MergePatchType, mark, metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}})
		if err == nil || !strings.Contains(err.Error(), "the test policy is loaded") {
			return fmt.Errorf("the policy does not refuse the probe yet (%w)", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

const probeAnnotation = "test.mlops.dev/policy-probe"

// A rollout step that the cluster refuses is rolled back as a step that
// fails is, and the error says where traffic is now, not only why the step
// was refused.
func TestAccEndpoint_rolloutStepRefused(t *testing.T) {
	ns := acctest.Namespace(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{Config: rolloutEndpoint(ns, "s3://models/roll/1")},
			{
				PreConfig: func() { refuseCanaries(t, ns, "roll") },
				Config:    rolloutEndpoint(ns, "s3://models/roll/2"),
				ExpectError: wrapped("the test policy refuses canaries",
					"failed at step 1 of 2 (10% of traffic to the new model s3://models/roll/2): the cluster refused the step",
					"All traffic has been returned to the previous model (s3://models/roll/1)."),
			},
		},
	})
}

// A rollback that the cluster refuses is not reported as done: the error
// says that traffic could not be returned, why, and how much may still go
// to the new model, and the endpoint is live as the failed step left it.
func TestAccEndpoint_rolloutRollbackRefused(t *testing.T) {
	ns := acctest.Namespace(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{Config: rolloutEndpoint(ns, "s3://models/roll/1")},
			{
				PreConfig: func() { keepCanaries(t, ns, "roll") },
				Config:    rolloutEndpoint(ns, crashingModel),
				ExpectError: wrapped("failed at step 1 of 2 (10% of traffic to the new model "+crashingModel+"): ModelLoadFailed",
					"Returning all traffic to the previous model (s3://models/roll/1) failed too", "the test policy keeps this endpoint's canary",
					"up to 10% of its traffic may still go to the new model"),
			},
			{
				Config:             rolloutEndpoint(ns, crashingModel),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.LiveCheck(func() error {
						obj := live(t, ns, "roll")
						canaries, _, _ := unstructured.NestedSlice(obj.Object, "spec", "canary")
						if len(canaries) != 1 {
							return fmt.Errorf("the live object has canaries %v, want the failed step's one", canaries)
						}
						percent, _, _ := unstructured.NestedInt64(canaries[0].(map[string]any), "trafficPercent")
						if percent != 10 {
							return fmt.Errorf("the live canary takes %d%%, want the failed step's 10%%", percent)
						}
						return nil
					}),
				},
			},
		},
	})
}
