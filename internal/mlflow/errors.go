package mlflow

import (
	"errors"
	"fmt"
	"net/http"
)

// MLflow error codes (mlflow/protos/databricks.proto) that the provider acts on.
const (
	CodeInvalidParameterValue  = "INVALID_PARAMETER_VALUE"
	CodeBadRequest             = "BAD_REQUEST"
	CodeResourceAlreadyExists  = "RESOURCE_ALREADY_EXISTS"
	CodeResourceDoesNotExist   = "RESOURCE_DOES_NOT_EXIST"
	CodeNotFound               = "NOT_FOUND"
	CodeEndpointNotFound       = "ENDPOINT_NOT_FOUND"
	CodeUnauthenticated        = "UNAUTHENTICATED"
	CodePermissionDenied       = "PERMISSION_DENIED"
	CodeRequestLimitExceeded   = "REQUEST_LIMIT_EXCEEDED"
	CodeResourceExhausted      = "RESOURCE_EXHAUSTED"
	CodeInternalError          = "INTERNAL_ERROR"
	CodeTemporarilyUnavailable = "TEMPORARILY_UNAVAILABLE"
)

// APIError is an error answered by the server: an HTTP status of 400 or more.
type APIError struct {
	// Method and Path name the request, Path relative to the API base.
	Method string
	Path   string
	// StatusCode is the HTTP status.
	StatusCode int
	// ErrorCode is MLflow's error_code, or one derived from the status when
	// the body was not MLflow's JSON (a proxy's page, say).
	ErrorCode string
	// Message is MLflow's message, or the start of the body.
	Message string
	// Credentials are what the request carried, to say which setting a
	// server that refuses them (401) refused.
	Credentials Credentials
}

// Credentials are the kinds of credentials a client sends.
type Credentials int

// The kinds of credentials.
const (
	CredentialsNone  Credentials = iota
	CredentialsBasic             // username and password
	CredentialsToken             // a bearer token
)

func (e *APIError) Error() string {
	return fmt.Sprintf("MLflow %s %s: HTTP %d %s: %s", e.Method, e.Path, e.StatusCode, e.ErrorCode, e.Message)
}

// codeForStatus gives the error code to use when the body carries none.
func codeForStatus(status int) string {
	switch {
	case status == http.StatusNotFound:
		return CodeNotFound
	case status == http.StatusConflict:
		return CodeResourceAlreadyExists
	case status == http.StatusUnauthorized:
		return CodeUnauthenticated
	case status == http.StatusForbidden:
		return CodePermissionDenied
	case status == http.StatusTooManyRequests:
		return CodeRequestLimitExceeded
	case status == http.StatusServiceUnavailable:
		return CodeTemporarilyUnavailable
	case status >= 500:
		return CodeInternalError
	default:
		return CodeBadRequest
	}
}

func asAPIError(err error) (*APIError, bool) {
	var apiErr *APIError
	ok := errors.As(err, &apiErr)
	return apiErr, ok
}

// ErrorCode returns the MLflow error code carried by err, or "".
func ErrorCode(err error) string {
	if e, ok := asAPIError(err); ok {
		return e.ErrorCode
	}
	return ""
}

// IsNotFound reports whether err says that the object does not exist.
func IsNotFound(err error) bool {
	e, ok := asAPIError(err)
	if !ok {
		return false
	}
	switch e.ErrorCode {
	case CodeResourceDoesNotExist, CodeNotFound:
		return true
	}
	return e.StatusCode == http.StatusNotFound && e.ErrorCode != CodeEndpointNotFound
}

// IsEndpointNotFound reports whether the server does not know the API path:
// the tracking URI is probably not an MLflow server, or too old a one.
func IsEndpointNotFound(err error) bool {
	return ErrorCode(err) == CodeEndpointNotFound
}

// IsAlreadyExists reports whether err says that the object exists already.
func IsAlreadyExists(err error) bool {
	return ErrorCode(err) == CodeResourceAlreadyExists
}

// IsInvalidParameter reports whether the server refused a value.
func IsInvalidParameter(err error) bool {
	switch ErrorCode(err) {
	case CodeInvalidParameterValue, CodeBadRequest:
		return true
	}
	return false
}

// IsUnauthenticated reports a 401: credentials missing or wrong.
func IsUnauthenticated(err error) bool {
	return ErrorCode(err) == CodeUnauthenticated
}

// IsPermissionDenied reports a 403.
func IsPermissionDenied(err error) bool {
	return ErrorCode(err) == CodePermissionDenied
}

// IsRateLimited reports a 429.
func IsRateLimited(err error) bool {
	switch ErrorCode(err) {
	case CodeRequestLimitExceeded, CodeResourceExhausted:
		return true
	}
	return false
}
