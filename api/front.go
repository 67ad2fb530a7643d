package api

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
)

// The per-request middleware is fused into two handlers, front (before the
// probes and pages) and gate (before the API). Five stock and four own
// middleware cost more than the check itself on GET /v1/check: each Fiber
// hop rescans the route stack, and the stock ones allocate (a UUID, a
// lower-cased Origin, an interface for Locals) and normalize header names
// on every request (issue #6).

// front is every request's first and last step: it sets the request id
// and the security headers, hands browsers' requests to the CORS
// middleware, turns a panic into a 500, and logs and measures the request.
// It renders the error itself (as Fiber's logger does) so that it sees the
// final status.
func (s *Server) front(c *fiber.Ctx) error {
	// When fasthttp called the app: a clock read saved, and the latency
	// then includes Fiber's routing. Zero when the app is called without
	// fasthttp's server loop (the net/http adaptor, benchmarks).
	start := c.Context().Time()
	if start.IsZero() {
		start = time.Now()
	}
	// One pass over the request's headers rather than a Peek for each of
	// the two wanted here (a Peek normalizes its key, then scans).
	var id, origin []byte
	idSeen, originSeen := false, false
	c.Request().Header.VisitAll(func(k, v []byte) {
		switch {
		case !idSeen && bytes.EqualFold(k, keyRequestID):
			id, idSeen = v, true
		case !originSeen && bytes.EqualFold(k, keyOrigin):
			origin, originSeen = v, true
		}
	})
	h := &c.Response().Header
	if len(id) > 0 {
		h.SetCanonical(keyRequestID, id)
	} else {
		var buf [40]byte
		h.SetCanonical(keyRequestID, appendRequestID(buf[:0]))
	}
	// Canonical keys as bytes: skips fasthttp's key normalization.
	for i := range securityHeaderKV {
		h.SetCanonical(securityHeaderKV[i][0], securityHeaderKV[i][1])
	}
	if err := s.inner(c, len(origin) > 0); err != nil {
		if herr := s.errorHandler(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	elapsed := time.Since(start)
	route := s.metrics.observeRoute(c, status, elapsed)
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case status < 400 && (c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead):
		// Successful reads are the bulk of traffic: logged only at debug
		// so that a busy server does not spend its time writing logs.
		level = slog.LevelDebug
	}
	// The RequestCtx is a context.Context too: asking it costs nothing,
	// while UserContext stores a context in the request's values.
	if s.logger.Enabled(c.Context(), level) {
		s.logger.LogAttrs(c.UserContext(), level, "request",
			slog.String("method", c.Method()),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Duration("latency", elapsed),
			slog.String("request_id", requestID(c)))
	}
	return nil
}

// inner runs the rest of the chain, through the CORS middleware when the
// request comes from a browser page (it has an Origin), and turns a panic
// into an error as Fiber's recover middleware does, so that it is
// answered, logged and counted as a 500.
func (s *Server) inner(c *fiber.Ctx, hasOrigin bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			var ok bool
			if err, ok = r.(error); !ok {
				err = fmt.Errorf("panic: %v", r)
			}
		}
	}()
	// Without an Origin the CORS middleware does nothing (origins are
	// all allowed, so it does not even add Vary): skip it.
	if hasOrigin {
		return s.cors(c)
	}
	return c.Next()
}

// newCORS answers preflights and marks responses as readable by any page:
// the API is public and takes no cookies.
func newCORS() fiber.Handler {
	return cors.New(cors.Config{
		AllowOrigins:  "*",
		AllowMethods:  "GET,POST,HEAD,OPTIONS",
		AllowHeaders:  "Authorization,Content-Type",
		ExposeHeaders: "X-Request-ID,Retry-After",
		MaxAge:        600,
	})
}

// Header keys in fasthttp's normalized form ("X-Request-Id", not Fiber's
// "X-Request-ID"): SetCanonical stores a key as given, and Peek looks it up
// normalized.
var (
	keyRequestID = []byte("X-Request-Id")
	keyOrigin    = []byte(fiber.HeaderOrigin)
)

// requestIDPrefix makes this process's request ids unique among replicas
// and restarts; a counter makes them unique within it. A UUID per request
// cost a read of the random source each time.
var (
	requestIDPrefix  = newRequestIDPrefix()
	requestIDCounter atomic.Uint64
)

func newRequestIDPrefix() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms.
		panic(fmt.Sprintf("api: random request id prefix: %v", err))
	}
	return hex.EncodeToString(b[:]) + "-"
}

// appendRequestID appends a fresh request id: the process prefix and the
// counter in base 36.
func appendRequestID(b []byte) []byte {
	b = append(b, requestIDPrefix...)
	return strconv.AppendUint(b, requestIDCounter.Add(1), 36)
}

// requestID returns the request's id, as sent back to the client.
func requestID(c *fiber.Ctx) string {
	return string(c.Response().Header.PeekBytes(keyRequestID))
}

// SecurityHeaders returns the headers set on every response, as name and
// value pairs, for tools that must answer as the API does (the baseline of
// the HTTP benchmarks).
func SecurityHeaders() [][2]string {
	kv := make([][2]string, len(securityHeaderKV))
	for i, h := range securityHeaderKV {
		kv[i] = [2]string{string(h[0]), string(h[1])}
	}
	return kv
}

// securityHeaderKV are set on every response. The API serves JSON, so the
// default policy forbids everything; the HTML pages set their own.
var securityHeaderKV = [...][2][]byte{
	{[]byte(fiber.HeaderXContentTypeOptions), []byte("nosniff")},
	{[]byte(fiber.HeaderReferrerPolicy), []byte("no-referrer")},
	{[]byte(fiber.HeaderXFrameOptions), []byte("DENY")},
	{[]byte(fiber.HeaderContentSecurityPolicy), []byte("default-src 'none'; frame-ancestors 'none'")},
}

// gate stands before every API route: the rate limits, then
// authentication, then the body limit, in that order (a flood is refused
// before it costs a key lookup). The Authorization header is parsed once
// for both. No key is an anonymous (public) caller; a malformed, unknown
// or revoked key is a 401 even on public endpoints, so that a client with
// a broken key finds out.
func (s *Server) gate(c *fiber.Ctx) error {
	if err := s.admit(c); err != nil {
		return err
	}
	return c.Next()
}

// gated runs gate's steps and then h: for routes registered before gate.
func (s *Server) gated(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.admit(c); err != nil {
			return err
		}
		return h(c)
	}
}

// admit is gate's work: nil lets the request through.
func (s *Server) admit(c *fiber.Ctx) error {
	secret, present, berr := bearer(c)
	var hash string
	if present && berr == nil {
		hash = HashSecret(secret)
	}
	if s.limited {
		if err := s.limit(c, hash); err != nil {
			return err
		}
	}
	if berr != nil {
		return berr
	}
	if present {
		key, err := s.lookupKey(c.UserContext(), hash)
		if err != nil {
			return err
		}
		c.Locals(localsCaller, key)
	}
	// Every route but the import is held to BodyLimit. The raw body is
	// tested first: most requests have none, and Ctx.Body scans the
	// headers for a Content-Encoding to decode.
	if len(c.Request().Body()) > 0 && len(c.Body()) > s.cfg.BodyLimit && c.Path() != `/v1/indicators:import` {
		return errorf(http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
			"request body larger than %d bytes", s.cfg.BodyLimit)
	}
	return nil
}
