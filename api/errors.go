package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/indicators"
)

// This file is the one place where errors become HTTP statuses. Every error
// response has the same shape, whoever produced it (a handler, a middleware
// or Fiber itself):
//
//	{"error":{"code":"invalid_phone","message":"..."}}
//
// Codes are part of the public API: the indicators.Code* constants for input
// that cannot be normalized, and the API's own codes below.

// API error codes, beyond the indicators.Code* input codes.
const (
	CodeBadRequest       = "bad_request"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeConflict         = "conflict"
	CodeRateLimited      = "rate_limited"
	CodePayloadTooLarge  = "payload_too_large"
	CodeRequestTimeout   = "request_timeout"
	CodeBatchTooLarge    = "batch_too_large"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal"
)

// Error is an error with an HTTP status and a machine code, returned by
// handlers for failures that are not domain errors.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// errorf builds an *Error with a formatted message.
func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, CodeBadRequest, format, args...)
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// classify maps err to a status, code and message safe to show a client.
// Internal errors get a generic message: their text may name files, hosts
// or keys that are none of the client's business.
func classify(err error) (status int, code, msg string) {
	var ae *Error
	var fe *fiber.Error
	var ie *indicators.InputError
	switch {
	case errors.As(err, &ae):
		return ae.Status, ae.Code, ae.Message
	case errors.As(err, &ie):
		return http.StatusBadRequest, ie.Code, ie.Message
	case errors.Is(err, indicators.ErrInvalidInput):
		return http.StatusBadRequest, "invalid_input", err.Error()
	case errors.Is(err, indicators.ErrNotFound):
		return http.StatusNotFound, CodeNotFound, "not found"
	case errors.Is(err, indicators.ErrConflict):
		return http.StatusConflict, CodeConflict, conflictMessage(err)
	case errors.Is(err, indicators.ErrUnavailable):
		return http.StatusServiceUnavailable, CodeUnavailable, "the store is unavailable; try again shortly"
	case errors.As(err, &fe):
		return fiberStatus(fe)
	}
	return http.StatusInternalServerError, CodeInternal, "internal error"
}

// conflictMessage keeps the caller's explanation of a conflict (it is
// written by handlers, not by a backend) without the sentinel's suffix.
func conflictMessage(err error) string {
	return strings.TrimSuffix(err.Error(), ": "+indicators.ErrConflict.Error())
}

// fiberStatus maps Fiber's own errors (no route, wrong method, body too
// large, malformed request) onto the API's codes.
func fiberStatus(fe *fiber.Error) (int, string, string) {
	switch fe.Code {
	case http.StatusNotFound:
		return fe.Code, CodeNotFound, "no such endpoint"
	case http.StatusMethodNotAllowed:
		return fe.Code, CodeMethodNotAllowed, "method not allowed"
	case http.StatusRequestEntityTooLarge:
		return fe.Code, CodePayloadTooLarge, "request body too large"
	case http.StatusRequestTimeout:
		return fe.Code, CodeRequestTimeout, "the request did not arrive in time"
	case http.StatusTooManyRequests:
		return fe.Code, CodeRateLimited, "too many requests; slow down"
	case http.StatusUnauthorized:
		return fe.Code, CodeUnauthorized, fe.Message
	case http.StatusForbidden:
		return fe.Code, CodeForbidden, fe.Message
	}
	if fe.Code >= 400 && fe.Code < 500 {
		return fe.Code, CodeBadRequest, fe.Message
	}
	return http.StatusInternalServerError, CodeInternal, "internal error"
}

// errorHandler is Fiber's ErrorHandler: it writes every error in the one
// JSON shape, logs server-side failures and counts store failures.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	status, code, msg := classify(err)
	if status >= 500 {
		// The route pattern, never the path: paths of check endpoints hold
		// what was checked.
		s.logger.Error("request failed", "route", routePattern(c), "request_id", requestID(c), "code", code, "err", err)
		if status == http.StatusServiceUnavailable || status == http.StatusInternalServerError {
			s.metrics.storeErrors.WithLabelValues(routePattern(c)).Inc()
		}
	}
	if status == http.StatusMethodNotAllowed {
		c.Set(fiber.HeaderAllow, c.GetRespHeader(fiber.HeaderAllow))
	}
	return writeError(c, status, code, msg)
}

// writeError writes the JSON error body with status.
func writeError(c *fiber.Ctx, status int, code, msg string) error {
	b, err := json.Marshal(errorBody{Error: errorDetail{Code: code, Message: msg}})
	if err != nil {
		return err
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(b)
}

// decodeJSON decodes a request body into v strictly: unknown fields,
// trailing data and wrong types are 400s that say what was wrong, because a
// silently ignored field ("phone_number" for "phone") hides client bugs.
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("unexpected data after the JSON object")
	}
	return nil
}

// jsonError turns a decoding error into a 400 with a useful message.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return badRequest("malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return badRequest("field %q: want %s, got JSON %s", field, te.Type, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return badRequest("truncated JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return badRequest("invalid JSON: %v", err)
}

// logAttrsError is a helper for logging errors in background work.
func logAttrsError(l *slog.Logger, msg string, err error) {
	if err != nil {
		l.Warn(msg, "err", err)
	}
}
