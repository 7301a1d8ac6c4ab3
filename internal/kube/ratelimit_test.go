package kube

import (
	"testing"

	"k8s.io/client-go/util/flowcontrol"
)

// A refresh of 1000 endpoints (one GET each, as many in flight as
// Terraform's -parallelism allows) must not wait for the client's own rate
// limiter: the token bucket that client-go builds from the configuration
// lets them all through at once.
func TestRateLimiterLetsALargeRefreshThrough(t *testing.T) {
	cfg, err := RESTConfig(Settings{Host: "https://127.0.0.1:6443", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	limiter := flowcontrol.NewTokenBucketRateLimiter(cfg.QPS, cfg.Burst)
	for i := range 1000 {
		if !limiter.TryAccept() {
			t.Fatalf("request %d of a 1000-endpoint refresh would wait for the client's limiter (QPS %v, burst %d)", i+1, cfg.QPS, cfg.Burst)
		}
	}
}
