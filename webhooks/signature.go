// Package webhooks delivers partner events from the outbox
// (indicators.PartnerStore) and lets receivers check them.
//
// A delivery is an HTTP POST of the event's JSON with four headers:
//
//	X-Scamcheck-Event:      account.confirmed | account.reported | warning.published
//	X-Scamcheck-Delivery:   dlv_…   the idempotency key, the same on every attempt
//	X-Scamcheck-Timestamp:  1740816000   Unix seconds of this attempt
//	X-Scamcheck-Signature:  v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// Signing the timestamp with the body lets a receiver refuse a replayed
// request (Verify rejects timestamps outside a tolerance, 5 minutes by
// default); deduplicating on the delivery id catches a replay inside the
// window and, above all, the resends that at-least-once delivery makes.
// See docs/webhooks.md.
package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of a delivery.
const (
	HeaderEvent     = "X-Scamcheck-Event"
	HeaderDelivery  = "X-Scamcheck-Delivery"
	HeaderTimestamp = "X-Scamcheck-Timestamp"
	HeaderSignature = "X-Scamcheck-Signature"
)

// DefaultTolerance is how far a delivery's timestamp may be from the
// receiver's clock, either way.
const DefaultTolerance = 5 * time.Minute

// Errors of Verify, to test with errors.Is.
var (
	// ErrMalformed: a header is missing or not of the documented form.
	ErrMalformed = errors.New("webhooks: malformed signature headers")
	// ErrStale: the timestamp is outside the tolerance (a replay, or a
	// clock far off).
	ErrStale = errors.New("webhooks: timestamp outside tolerance")
	// ErrBadSignature: no signature matches the body and the secret.
	ErrBadSignature = errors.New("webhooks: signature mismatch")
)

// signatureVersion prefixes every signature, so that the scheme can change
// without breaking receivers that check the version.
const signatureVersion = "v1="

// Sign returns the X-Scamcheck-Signature value for body sent at ts (Unix
// seconds) with secret.
func Sign(secret string, ts int64, body []byte) string {
	return signatureVersion + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret string, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a delivery as its receiver got it: timestamp and signature
// are the values of X-Scamcheck-Timestamp and X-Scamcheck-Signature, body
// the raw request body (before any JSON parsing), now the receiver's clock.
// A tolerance <= 0 means DefaultTolerance. The signature header may hold
// several comma-separated "v1=" values (as during a secret rotation); one
// match is enough. It returns nil, or an error matching ErrMalformed,
// ErrStale or ErrBadSignature.
//
// Verify does not remember deliveries: the receiver must also drop a
// delivery whose X-Scamcheck-Delivery it has already processed.
func Verify(secret, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q", ErrMalformed, truncate(timestamp, 20))
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: %s off", ErrStale, d.Round(time.Second))
	}
	want := mac(secret, ts, body)
	found := false
	for _, part := range strings.Split(signature, ",") {
		part = strings.TrimSpace(part)
		hexSig, ok := strings.CutPrefix(part, signatureVersion)
		if !ok {
			continue // another scheme's value: not ours to judge
		}
		got, err := hex.DecodeString(hexSig)
		if err != nil {
			continue
		}
		found = true
		if hmac.Equal(got, want) {
			return nil
		}
	}
	if !found {
		return fmt.Errorf("%w: no v1 signature", ErrMalformed)
	}
	return ErrBadSignature
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
