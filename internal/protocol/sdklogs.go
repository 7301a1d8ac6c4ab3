package protocol

import (
	"os"
	"strings"
)

// QuietUnreadSDKLogs turns the plugin SDK's own logs (the protocol's and the
// framework's, at TRACE by default) off when no one asked for logs: Terraform
// reads every line a provider writes and throws them away unless TF_LOG or
// TF_LOG_PROVIDER is set, and for a 1000-endpoint plan that was about 40% of
// the time (bench/load.sh). Any of those variables, or an explicit
// TF_LOG_SDK*, leaves the logs as they are. main.go and the profiling bench
// call it before serving.
func QuietUnreadSDKLogs() {
	for _, v := range os.Environ() {
		name, _, _ := strings.Cut(v, "=")
		if name == "TF_LOG" || strings.HasPrefix(name, "TF_LOG_PROVIDER") || strings.HasPrefix(name, "TF_LOG_SDK") {
			return
		}
	}
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
		_ = os.Setenv(name, "off")
	}
}
