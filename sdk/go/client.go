// Package scamcheck is the Go client of the scamcheck API: checks of phone
// numbers, bank accounts, domains and links, citizen reports, and the
// privacy-preserving lookups (hash prefixes), with a LocalChecker that
// answers most checks without sending anything to the server.
//
//	c, err := scamcheck.New("https://scamcheck.example.vn")
//	r, err := c.CheckURL(ctx, "https://vietcombank-login.example/")
//	if r.Verdict == scamcheck.VerdictDangerous { … }
//
// Every call takes a context; each attempt is bounded by the client's
// timeout, and requests that may safely be repeated are retried with
// exponential backoff and jitter on 5xx, 429 (honouring Retry-After) and
// network errors. Server errors are *APIError, which errors.Is matches
// against ErrInvalidInput, ErrUnauthorized, ErrNotFound, ErrRateLimited and
// ErrUnavailable.
//
// Canonicalization and hashing come from the server's own package
// (github.com/scamcheck/scamcheck/indicators), so client and server agree
// byte for byte.
package scamcheck

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// Result is the answer to one check, the server's own type.
type Result = indicators.Result

// Kind is the kind of an indicator: KindPhone, KindBankAccount, KindDomain
// or KindURL.
type Kind = indicators.Kind

// Verdict is the answer of a check; see the Verdict* constants.
type Verdict = indicators.Verdict

// Kinds and verdicts, re-exported so that callers need not import
// indicators.
const (
	KindPhone       = indicators.KindPhone
	KindBankAccount = indicators.KindBankAccount
	KindDomain      = indicators.KindDomain
	KindURL         = indicators.KindURL

	VerdictDangerous  = indicators.VerdictDangerous
	VerdictSuspicious = indicators.VerdictSuspicious
	VerdictTrusted    = indicators.VerdictTrusted
	VerdictUnknown    = indicators.VerdictUnknown
)

// Defaults of the client options.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultRetries       = 3
	DefaultMinBackoff    = 200 * time.Millisecond
	DefaultMaxBackoff    = 5 * time.Second
	DefaultMaxRetryAfter = time.Minute
	DefaultBatchSize     = 1000
	// MaxFindPrefixes is the most prefixes the server takes in one
	// hashes:find; FindHashes splits larger calls.
	MaxFindPrefixes = 1000
)

// maxResponse bounds a response body: a full URL prefix list of a few
// million entries fits.
const maxResponse = 128 << 20

// Client calls the scamcheck API. It is safe for concurrent use.
type Client struct {
	base          *url.URL
	apiKey        string
	hc            *http.Client
	timeout       time.Duration
	retries       int
	minBackoff    time.Duration
	maxBackoff    time.Duration
	maxRetryAfter time.Duration
	batchSize     int
	userAgent     string
	// sleep waits d or until ctx ends; tests replace it to record waits.
	sleep func(ctx context.Context, d time.Duration) error
}

// Option configures a Client.
type Option func(*Client)

// WithAPIKey sends key as a bearer token (partner keys have higher rate
// limits). Default: none; every endpoint of this client is public.
func WithAPIKey(key string) Option { return func(c *Client) { c.apiKey = key } }

// WithHTTPClient sets the HTTP client (transport, proxies). Default: a
// client with http.DefaultTransport.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithTimeout bounds each attempt of a request. Default DefaultTimeout.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithRetries sets how many times a failed request is repeated (0: never).
// Default DefaultRetries.
func WithRetries(n int) Option { return func(c *Client) { c.retries = max(n, 0) } }

// WithBackoff sets the first and the largest wait between attempts; each
// wait doubles and is jittered down to half of it. Defaults
// DefaultMinBackoff and DefaultMaxBackoff.
func WithBackoff(minWait, maxWait time.Duration) Option {
	return func(c *Client) { c.minBackoff, c.maxBackoff = minWait, max(minWait, maxWait) }
}

// WithMaxRetryAfter caps how long the client honours a Retry-After; a
// longer one ends the call with ErrRateLimited instead. Default
// DefaultMaxRetryAfter.
func WithMaxRetryAfter(d time.Duration) Option { return func(c *Client) { c.maxRetryAfter = d } }

// WithBatchSize sets how many items CheckBatch sends per request (the
// server takes at most 1000). Default DefaultBatchSize.
func WithBatchSize(n int) Option { return func(c *Client) { c.batchSize = n } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// New returns a client of the server at baseURL ("https://host[:port]").
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("scamcheck: base URL %q: want http(s)://host: %w", baseURL, ErrInvalidInput)
	}
	c := &Client{base: u, hc: &http.Client{}, timeout: DefaultTimeout, retries: DefaultRetries,
		minBackoff: DefaultMinBackoff, maxBackoff: DefaultMaxBackoff, maxRetryAfter: DefaultMaxRetryAfter,
		batchSize: DefaultBatchSize, userAgent: "scamcheck-go", sleep: sleepCtx}
	for _, o := range opts {
		o(c)
	}
	if c.batchSize <= 0 || c.batchSize > DefaultBatchSize {
		c.batchSize = DefaultBatchSize
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	return c, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Check checks anything: the server detects whether it is a phone number,
// a bank account ("VCB 0011004353201"), a domain or a link. Input the
// server cannot read is an *APIError matching ErrInvalidInput, with the
// normalizer's code (invalid_phone, unknown_bank, …).
func (c *Client) Check(ctx context.Context, q string) (Result, error) {
	return c.check(ctx, url.Values{"q": {q}})
}

// CheckPhone checks a phone number in any common form.
func (c *Client) CheckPhone(ctx context.Context, phone string) (Result, error) {
	return c.check(ctx, url.Values{"phone": {phone}})
}

// CheckBankAccount checks an account at a bank given by BIN, code or name.
func (c *Client) CheckBankAccount(ctx context.Context, bank, account string) (Result, error) {
	return c.check(ctx, url.Values{"bank": {bank}, "account": {account}})
}

// CheckDomain checks a domain and its parent domains.
func (c *Client) CheckDomain(ctx context.Context, domain string) (Result, error) {
	return c.check(ctx, url.Values{"domain": {domain}})
}

// CheckURL checks a link. The link is sent to the server; LocalChecker
// checks links without sending them.
func (c *Client) CheckURL(ctx context.Context, link string) (Result, error) {
	return c.check(ctx, url.Values{"url": {link}})
}

func (c *Client) check(ctx context.Context, q url.Values) (Result, error) {
	var r Result
	err := c.do(ctx, http.MethodGet, "/v1/check", q, nil, true, &r)
	return r, err
}

// CheckItem is one input of CheckBatch: set exactly one of Q, Phone,
// Domain or URL, or Bank with Account.
type CheckItem struct {
	Q       string
	Phone   string
	Bank    string
	Account string
	Domain  string
	URL     string
}

// MarshalJSON sends only the fields set. An item with none is sent as an
// empty q, so that it gets an error in its own result rather than failing
// the whole batch.
func (it CheckItem) MarshalJSON() ([]byte, error) {
	m := map[string]string{}
	for _, f := range [...]struct{ name, v string }{{"q", it.Q}, {"phone", it.Phone}, {"bank", it.Bank},
		{"account", it.Account}, {"domain", it.Domain}, {"url", it.URL}} {
		if f.v != "" {
			m[f.name] = f.v
		}
	}
	if len(m) == 0 {
		m["q"] = ""
	}
	return json.Marshal(m)
}

// CheckBatch checks many inputs, in requests of at most the batch size
// (1000), and returns the results in the order of items. An input that
// cannot be checked has Error set in its result.
func (c *Client) CheckBatch(ctx context.Context, items []CheckItem) ([]Result, error) {
	out := make([]Result, 0, len(items))
	for start := 0; start < len(items); start += c.batchSize {
		chunk := items[start:min(start+c.batchSize, len(items))]
		var res struct {
			Results []Result `json:"results"`
		}
		if err := c.do(ctx, http.MethodPost, "/v1/check", nil, map[string]any{"items": chunk}, true, &res); err != nil {
			return out, err
		}
		if len(res.Results) != len(chunk) {
			return out, fmt.Errorf("scamcheck: batch of %d items got %d results", len(chunk), len(res.Results))
		}
		out = append(out, res.Results...)
	}
	return out, nil
}

// ReportRequest is a citizen report: at least one of the indicator fields,
// how it came in and what happened.
type ReportRequest struct {
	Q           string    `json:"q,omitempty"`
	Phone       string    `json:"phone,omitempty"`
	Bank        string    `json:"bank,omitempty"`
	Account     string    `json:"account,omitempty"`
	Domain      string    `json:"domain,omitempty"`
	URL         string    `json:"url,omitempty"`
	Channel     string    `json:"channel,omitempty"` // web (default), app, hotline, police
	Category    string    `json:"category,omitempty"`
	Description string    `json:"description,omitempty"`
	AmountVND   int64     `json:"amount_vnd,omitempty"`
	HappenedAt  time.Time `json:"happened_at,omitzero"`
	HolderName  string    `json:"holder_name,omitempty"`
	// Contact is shown to police only and stored apart from the report.
	Contact *Contact `json:"contact,omitempty"`
}

// Contact is how police may reach the reporter.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// Report files a citizen report and returns its receipt id. A report is
// not repeated after a server error, which might have come after it was
// stored; only a 429 (refused before anything was done) is retried.
func (c *Client) Report(ctx context.Context, r ReportRequest) (string, error) {
	var res struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, "/v1/reports", nil, r, false, &res); err != nil {
		return "", err
	}
	return res.ID, nil
}

// PrefixList is an answer of GET /v1/prefixes, decoded: either the full
// sorted set (Full) or the additions and removals since the generation
// asked about.
type PrefixList struct {
	Kind       Kind
	Generation string
	// Checksum is the hex SHA-256 of the full set in wire form; compare it
	// with indicators.PrefixChecksum after applying a delta.
	Checksum  string
	Count     int
	Full      bool
	Prefixes  []uint32
	Additions []uint32
	Removals  []uint32
}

// Prefixes returns the 4-byte hash prefixes of listed keys of kind: all of
// them when since is empty or unknown to the server, else the changes
// since that generation.
func (c *Client) Prefixes(ctx context.Context, kind Kind, since string) (*PrefixList, error) {
	q := url.Values{"kind": {string(kind)}}
	if since != "" {
		q.Set("since", since)
	}
	var raw struct {
		Kind       Kind    `json:"kind"`
		Generation string  `json:"generation"`
		Checksum   string  `json:"checksum"`
		Count      int     `json:"count"`
		Full       bool    `json:"full"`
		Prefixes   *string `json:"prefixes"`
		Additions  *string `json:"additions"`
		Removals   *string `json:"removals"`
	}
	if err := c.do(ctx, http.MethodGet, "/v1/prefixes", q, nil, true, &raw); err != nil {
		return nil, err
	}
	pl := &PrefixList{Kind: raw.Kind, Generation: raw.Generation, Checksum: raw.Checksum, Count: raw.Count, Full: raw.Full}
	var err error
	if raw.Full {
		pl.Prefixes, err = decodePrefixList(raw.Prefixes)
	} else {
		if pl.Additions, err = decodePrefixList(raw.Additions); err == nil {
			pl.Removals, err = decodePrefixList(raw.Removals)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("scamcheck: prefixes of %s: %w", kind, err)
	}
	return pl, nil
}

func decodePrefixList(s *string) ([]uint32, error) {
	if s == nil {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(*s)
	if err != nil {
		return nil, fmt.Errorf("prefix list: %w", err)
	}
	ps, ok := indicators.DecodePrefixes(b)
	if !ok {
		return nil, fmt.Errorf("prefix list of %d bytes is not a list of 4-byte prefixes", len(b))
	}
	return ps, nil
}

// HashMatch is a listed key whose prefix was asked: its full hash and what
// a check of it answers. The key itself is never sent.
type HashMatch struct {
	Hash      string    `json:"hash"` // hex SHA-256 of the canonical key
	Kind      Kind      `json:"kind"`
	Verdict   Verdict   `json:"verdict"`
	Status    string    `json:"status"`
	Category  string    `json:"category,omitempty"`
	Reports   int       `json:"reports"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// FindResult is the answer of FindHashes.
type FindResult struct {
	Matches []HashMatch `json:"matches"`
	// CacheSeconds is how long the answer (matches and their absence) for
	// the prefixes asked may be cached.
	CacheSeconds int `json:"cache_seconds"`
}

// FindHashes returns the full hashes of listed keys whose prefix is one of
// prefixes, in requests of at most MaxFindPrefixes.
func (c *Client) FindHashes(ctx context.Context, prefixes []uint32) (*FindResult, error) {
	out := &FindResult{Matches: []HashMatch{}}
	for start := 0; start < len(prefixes); start += MaxFindPrefixes {
		chunk := prefixes[start:min(start+MaxFindPrefixes, len(prefixes))]
		enc := make([]string, len(chunk))
		for i, p := range chunk {
			enc[i] = base64.StdEncoding.EncodeToString(indicators.AppendPrefixes(nil, []uint32{p}))
		}
		var res FindResult
		if err := c.do(ctx, http.MethodPost, "/v1/hashes:find", nil, map[string]any{"prefixes": enc}, true, &res); err != nil {
			return nil, err
		}
		out.Matches = append(out.Matches, res.Matches...)
		if start == 0 || res.CacheSeconds < out.CacheSeconds {
			out.CacheSeconds = res.CacheSeconds
		}
	}
	return out, nil
}

// transportError is a failure to get any answer (connection refused,
// reset, attempt timed out): worth retrying for an idempotent request.
type transportError struct{ err error }

func (e *transportError) Error() string { return "scamcheck: " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// do sends a request, retrying as the package doc says, and decodes a 2xx
// JSON answer into out. Only idempotent requests are retried after a
// server error or a network failure; every request is retried after 429.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body any, idempotent bool, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("scamcheck: encode request: %w", err)
		}
	}
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	for attempt := 0; ; attempt++ {
		err := c.once(ctx, method, u.String(), payload, out)
		if err == nil {
			return nil
		}
		wait, ok := c.retryWait(err, attempt, idempotent)
		if !ok || ctx.Err() != nil {
			return err
		}
		if dl, has := ctx.Deadline(); has && time.Until(dl) < wait {
			return err // the wait would outlast the caller's patience
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return fmt.Errorf("%w (while waiting to retry after: %w)", serr, err)
		}
	}
}

// retryWait decides whether attempt (0-based) may be followed by another
// one, and after how long.
func (c *Client) retryWait(err error, attempt int, idempotent bool) (time.Duration, bool) {
	if attempt >= c.retries {
		return 0, false
	}
	var ae *APIError
	var te *transportError
	switch {
	case errors.As(err, &ae):
		if !retryable(ae.Status) || (!idempotent && ae.Status != http.StatusTooManyRequests) {
			return 0, false
		}
		if ae.RetryAfter > 0 {
			return ae.RetryAfter, ae.RetryAfter <= c.maxRetryAfter
		}
	case errors.As(err, &te):
		if !idempotent {
			return 0, false
		}
	default:
		return 0, false // a malformed answer will not improve
	}
	return c.backoff(attempt), true
}

// backoff returns the wait before retry attempt+1: exponential, capped,
// with "equal jitter" (half fixed, half random) so that clients that failed
// together do not retry together.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.minBackoff
	for i := 0; i < attempt && d < c.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.maxBackoff)
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// once makes one attempt.
func (c *Client) once(ctx context.Context, method, u string, payload []byte, out any) error {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, method, u, rd)
	if err != nil {
		return fmt.Errorf("scamcheck: build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // the caller's own cancellation: not retried
		}
		return &transportError{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &transportError{err: fmt.Errorf("read answer: %w", err)}
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return apiError(res, b)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("scamcheck: decode answer of %s: %w", req.URL.Path, err)
	}
	return nil
}

// apiError builds the *APIError of a non-2xx answer. A body that is not
// the API's error shape (a proxy's HTML page) still gives the status.
func apiError(res *http.Response, body []byte) *APIError {
	var eb struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	e := &APIError{Status: res.StatusCode, RetryAfter: parseRetryAfter(res.Header.Get("Retry-After"), time.Now())}
	if json.Unmarshal(body, &eb) == nil && eb.Error.Code != "" {
		e.Code, e.Message = eb.Error.Code, eb.Error.Message
	} else {
		e.Code, e.Message = "http_"+strconv.Itoa(res.StatusCode), http.StatusText(res.StatusCode)
	}
	return e
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(n, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}
