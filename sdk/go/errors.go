package scamcheck

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// Sentinels for errors.Is. ErrInvalidInput and ErrNotFound are the
// indicators package's own, so that an input the SDK refuses locally (a
// LocalChecker normalizing it) and one the server refuses match alike.
var (
	ErrInvalidInput = indicators.ErrInvalidInput
	ErrNotFound     = indicators.ErrNotFound
	ErrRateLimited  = errors.New("scamcheck: rate limited")
	ErrUnauthorized = errors.New("scamcheck: unauthorized")
	ErrUnavailable  = errors.New("scamcheck: server unavailable")
)

// APIError is an error answer of the server: its HTTP status and the
// machine code and message of its {"error":{"code","message"}} body.
type APIError struct {
	Status  int
	Code    string
	Message string
	// RetryAfter is the server's Retry-After, zero when absent.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("scamcheck: %d %s: %s", e.Status, e.Code, e.Message)
}

// Is maps statuses onto the sentinels: 400 and 413 → ErrInvalidInput,
// 401 and 403 → ErrUnauthorized, 404 → ErrNotFound, 429 → ErrRateLimited,
// 502–504 → ErrUnavailable.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrInvalidInput:
		return e.Status == http.StatusBadRequest || e.Status == http.StatusRequestEntityTooLarge
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrUnavailable:
		return e.Status == http.StatusBadGateway || e.Status == http.StatusServiceUnavailable || e.Status == http.StatusGatewayTimeout
	}
	return false
}

// retryable reports whether a request that got status may succeed if
// repeated: rate limits and server-side failures, but not 501 (the server
// lacks the feature, and will still lack it).
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || (status >= 500 && status != http.StatusNotImplemented)
}
