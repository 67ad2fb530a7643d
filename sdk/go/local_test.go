package scamcheck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
	scamcheck "github.com/scamcheck/scamcheck/sdk/go"
)

func TestLocalChecker(t *testing.T) {
	s := mustServer(t)
	p := s.police(t)
	p.post("/v1/indicators", `{"url":"http://evil.vn/login/","status":"confirmed","category":"phishing"}`)
	p.post("/v1/indicators", `{"domain":"bad-shop.vn","category":"scam"}`)
	p.post("/v1/indicators", `{"phone":"0912345678"}`)
	p.post("/v1/indicators", `{"domain":"vietcombank.com.vn","status":"trusted"}`)

	ct := &countingTransport{}
	l := scamcheck.NewLocalChecker(mustClient(t, s.url, scamcheck.WithHTTPClient(&http.Client{Transport: ct})))
	ctx := context.Background()
	if err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n := ct.count(); n != len(indicators.Kinds) {
		t.Errorf("first sync made %d requests, want one per kind", n)
	}

	tests := []struct {
		input    string
		verdict  scamcheck.Verdict
		matched  indicators.Key
		requests int // to the server, for this check
	}{
		// Listed through a URL expression: host suffix and path prefix.
		{"https://a.evil.vn/login/step2?x=1", scamcheck.VerdictDangerous, "url:evil.vn/login/", 1},
		{"https://a.evil.vn/login/step2?x=1", scamcheck.VerdictDangerous, "url:evil.vn/login/", 0}, // cached
		{"https://www.bad-shop.vn/cart", scamcheck.VerdictSuspicious, "domain:bad-shop.vn", 1},
		{"+84 912 345 678", scamcheck.VerdictSuspicious, "", 1},
		{"https://example.org/login/", scamcheck.VerdictUnknown, "", 0},
		{"http://evil.vn/other", scamcheck.VerdictUnknown, "", 0},
		{"0987654321", scamcheck.VerdictUnknown, "", 0},
		// Trusted keys are not in the sets: nothing is asked about them.
		{"https://vietcombank.com.vn/", scamcheck.VerdictUnknown, "", 0},
	}
	for _, tt := range tests {
		ct.reset()
		r, err := l.Check(ctx, tt.input)
		if err != nil {
			t.Fatalf("Check(%q): %v", tt.input, err)
		}
		if r.Verdict != tt.verdict || r.Matched != tt.matched || r.Advice == nil {
			t.Errorf("Check(%q) = %s matched %q, want %s matched %q", tt.input, r.Verdict, r.Matched, tt.verdict, tt.matched)
		}
		if got := ct.reset(); len(got) != tt.requests {
			t.Errorf("Check(%q) made requests %v, want %d", tt.input, got, tt.requests)
		}
	}

	// It agrees with the server's own check.
	c := mustClient(t, s.url)
	for _, in := range []string{"https://a.evil.vn/login/step2?x=1", "https://www.bad-shop.vn/cart", "0987654321"} {
		remote, err := c.Check(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		local, _ := l.Check(ctx, in)
		if remote.Verdict != local.Verdict || remote.Matched != local.Matched || remote.Key != local.Key {
			t.Errorf("%q: server says %s/%s, local %s/%s", in, remote.Verdict, remote.Matched, local.Verdict, local.Matched)
		}
	}

	if _, err := l.Check(ctx, "???"); !errors.Is(err, scamcheck.ErrInvalidInput) {
		t.Errorf("Check(???) error %v, want ErrInvalidInput", err)
	}
}

// TestLocalCheckerConverges: after adds and delists, a sync brings a
// delta, and the checker answers as the server now does.
func TestLocalCheckerConverges(t *testing.T) {
	s := mustServer(t)
	p := s.police(t)
	for _, d := range []string{"a-scam.vn", "b-scam.vn", "c-scam.vn", "d-scam.vn"} {
		p.post("/v1/indicators", `{"domain":"`+d+`"}`)
	}
	ct := &countingTransport{}
	c := mustClient(t, s.url, scamcheck.WithHTTPClient(&http.Client{Transport: ct}))
	l := scamcheck.NewLocalChecker(c)
	ctx := context.Background()
	if err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	g0 := l.Generation(scamcheck.KindDomain)

	p.post("/v1/indicators", `{"domain":"e-scam.vn"}`)
	p.post("/v1/indicators/domain:a-scam.vn/delist", `{"reason":"test"}`)
	ct.reset()
	if err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	paths := ct.reset()
	if !strings.Contains(strings.Join(paths, " "), "kind=domain&since="+g0) {
		t.Errorf("sync did not ask for a delta: %v", paths)
	}
	server, err := c.Prefixes(ctx, scamcheck.KindDomain, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Generation(scamcheck.KindDomain); got != server.Generation || got == g0 {
		t.Errorf("generation %s, server %s (was %s)", got, server.Generation, g0)
	}
	ct.reset()
	if r, _ := l.Check(ctx, "a-scam.vn"); r.Verdict != scamcheck.VerdictUnknown || ct.count() != 0 {
		t.Errorf("delisted: %s after %d requests, want unknown with none", r.Verdict, ct.count())
	}
	if r, _ := l.Check(ctx, "e-scam.vn"); r.Verdict != scamcheck.VerdictSuspicious {
		t.Errorf("added: %s", r.Verdict)
	}
}

// TestLocalCheckerChecksumFallback: a delta that does not lead to the
// server's set (here, one whose additions were lost on the way) is
// detected by the checksum and replaced by the full list.
func TestLocalCheckerChecksumFallback(t *testing.T) {
	s := mustServer(t)
	p := s.police(t)
	for _, d := range []string{"a-scam.vn", "b-scam.vn", "c-scam.vn"} {
		p.post("/v1/indicators", `{"domain":"`+d+`"}`)
	}
	ct := &countingTransport{}
	l := scamcheck.NewLocalChecker(mustClient(t, s.url, scamcheck.WithHTTPClient(&http.Client{Transport: ct})))
	ctx := context.Background()
	if err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	p.post("/v1/indicators", `{"domain":"new-scam.vn"}`)
	ct.mu.Lock()
	ct.rewrite = func(r *http.Request, res *http.Response) {
		if r.URL.Query().Get("since") == "" {
			return
		}
		var m map[string]any
		b, _ := io.ReadAll(res.Body)
		if json.Unmarshal(b, &m) == nil && m["full"] == false {
			m["additions"] = ""
		}
		b, _ = json.Marshal(m)
		res.Body = io.NopCloser(bytes.NewReader(b))
		res.ContentLength = int64(len(b))
	}
	ct.mu.Unlock()
	ct.reset()
	if err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	var full bool
	for _, path := range ct.reset() {
		full = full || path == "/v1/prefixes?"+url.Values{"kind": {"domain"}}.Encode()
	}
	if !full {
		t.Error("no full reload after the checksum mismatch")
	}
	if r, _ := l.Check(ctx, "new-scam.vn"); r.Verdict != scamcheck.VerdictSuspicious {
		t.Errorf("new-scam.vn: %s, want suspicious", r.Verdict)
	}
}

// TestLocalCheckerDegraded: a prefix hit the server cannot confirm warns.
func TestLocalCheckerDegraded(t *testing.T) {
	s := mustServer(t)
	s.police(t).post("/v1/indicators", `{"domain":"bad.vn"}`)
	ct := &countingTransport{}
	l := scamcheck.NewLocalChecker(mustClient(t, s.url, scamcheck.WithHTTPClient(&http.Client{Transport: ct}), scamcheck.WithRetries(0)))
	ctx := context.Background()
	if err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	ct.mu.Lock()
	ct.rewrite = func(_ *http.Request, res *http.Response) { res.StatusCode = http.StatusServiceUnavailable }
	ct.mu.Unlock()
	r, err := l.Check(ctx, "bad.vn")
	if !errors.Is(err, scamcheck.ErrUnavailable) || r.Verdict != scamcheck.VerdictSuspicious || !r.Degraded {
		t.Errorf("Check on an unreachable server: %s degraded=%v err %v", r.Verdict, r.Degraded, err)
	}
}
