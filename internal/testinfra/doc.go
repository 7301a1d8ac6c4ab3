// Package testinfra is the folder of the project's test infrastructure in
// Go; it holds no code of its own. Nothing here is linked into the provider,
// and no provider package imports it (only tests do):
//
//   - acctest: what the acceptance tests share (provider factories,
//     pre-checks, clients for changes made outside Terraform);
//   - cluster: what the local cluster's scripts need that a shell cannot do
//     well (applying manifests, preparing KServe's);
//   - standin: the stand-ins for what cannot run here (KServe's Knative
//     mode, the development data plane);
//   - cmd/mlops-cluster and cmd/mlops-standin: the commands of those two,
//     built by scripts/install-kube.sh;
//   - cmd/mlops-faults: the fault suite's driver, run by scripts/faults.sh.
//
// The benchmarks have their own folder, bench/.
package testinfra
