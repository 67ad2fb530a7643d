package scamcheck_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/backend"
	"github.com/scamcheck/scamcheck/bloom"
	"github.com/scamcheck/scamcheck/indicators"
	scamcheck "github.com/scamcheck/scamcheck/sdk/go"
)

// server is a real scamcheck API over an embedded store in a temp dir.
type server struct {
	url    string
	secret string // a police key's secret, for setting up indicators
	be     *backend.Backend
}

func mustServer(t testing.TB) *server {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	be, err := backend.Open(ctx, backend.Config{DataDir: t.TempDir(), Logger: logger,
		Filters: bloom.Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: 1000,
			indicators.KindBankAccount: 1000, indicators.KindDomain: 1000, indicators.KindURL: 1000}}})
	if err != nil {
		t.Fatal(err)
	}
	set, err := be.StartFilters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bs := be.Bolt()
	srv := api.New(api.Config{Engine: indicators.NewEngine(be.Store, set, indicators.EngineOptions{Logger: logger}),
		Store: be.Store, Reports: bs, Keys: bs, Audit: bs, Stats: bs, Publisher: be, Filters: set, Logger: logger,
		PublicLimit: api.Limit{Requests: -1}, ReportLimit: api.Limit{Requests: -1}})
	if err := srv.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(cctx); err != nil {
			t.Errorf("server Close: %v", err)
		}
		if err := be.Close(); err != nil {
			t.Errorf("backend Close: %v", err)
		}
	})
	k, secret, err := api.NewAPIKey("test-police", indicators.RolePolice, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := bs.CreateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	return &server{url: srv.URL(), secret: secret, be: be}
}

// police returns a client with the police key, for setting up data
// through the API (so that the server sees the writes as it would in
// production).
func (s *server) police(t testing.TB) *policeClient {
	return &policeClient{t: t, s: s}
}

type policeClient struct {
	t testing.TB
	s *server
}

// post sends a police request and fails the test unless it succeeds.
func (p *policeClient) post(path, body string) {
	p.t.Helper()
	req, err := http.NewRequest("POST", p.s.url+path, strings.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+p.s.secret)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode >= 300 {
		p.t.Fatalf("POST %s: status %d", path, res.StatusCode)
	}
}

// countingTransport counts the requests that go through it and can
// rewrite answers.
type countingTransport struct {
	mu      sync.Mutex
	n       int
	paths   []string
	rewrite func(*http.Request, *http.Response) // optional
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.paths = append(c.paths, r.URL.Path+"?"+r.URL.RawQuery)
	rw := c.rewrite
	c.mu.Unlock()
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && rw != nil {
		rw(r, res)
	}
	return res, err
}

func (c *countingTransport) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *countingTransport) reset() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.paths
	c.n, c.paths = 0, nil
	return p
}

func mustClient(t testing.TB, url string, opts ...scamcheck.Option) *scamcheck.Client {
	t.Helper()
	c, err := scamcheck.New(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
