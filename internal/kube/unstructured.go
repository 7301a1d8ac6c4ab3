package kube

import (
	"fmt"
	"strings"
)

// Int64 reads an integer field of a decoded object (int64 from the API
// server, float64 from plain JSON); nil when absent.
func Int64(m map[string]any, k string) *int64 {
	switch n := m[k].(type) {
	case int64:
		return &n
	case float64:
		i := int64(n)
		return &i
	}
	return nil
}

// Quantity reads a resource quantity written as a string or a number.
func Quantity(v any) string {
	switch q := v.(type) {
	case string:
		return q
	case int64:
		return fmt.Sprint(q)
	case float64:
		return strings.TrimSuffix(fmt.Sprintf("%g", q), ".0")
	}
	return ""
}
