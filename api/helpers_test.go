package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
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
	"github.com/scamcheck/scamcheck/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// stores are the two backends every endpoint test runs against.
var stores = []string{"bolt", "redis"}

// env is one running server over a fresh store, with a key of each role.
type env struct {
	srv     *api.Server
	url     string
	be      *backend.Backend
	secrets map[indicators.Role]string
	logs    *syncBuffer
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// reportAccess is what the backends' concrete stores implement besides
// indicators.Store.
type reportAccess interface {
	indicators.ReportStore
	indicators.KeyStore
	indicators.AuditLog
	indicators.StatsStore
}

// mustEnv starts a server over a fresh store of the given kind. mod may
// change the config before the server is built.
func mustEnv(t testing.TB, store string, mod func(*api.Config)) *env {
	t.Helper()
	ctx := context.Background()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := backend.Config{Logger: logger, Filters: bloom.Options{Expected: map[indicators.Kind]uint{
		indicators.KindPhone: 10_000, indicators.KindBankAccount: 10_000, indicators.KindDomain: 10_000, indicators.KindURL: 10_000}}}
	switch store {
	case "bolt":
		cfg.DataDir = t.TempDir()
	case "redis":
		cfg.RedisURL = redistest.URL(t)
		cfg.Prefix = redistest.Prefix(t)
	default:
		t.Fatalf("unknown store %q", store)
	}
	be, err := backend.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("backend.Open: %v", err)
	}
	set, err := be.StartFilters(ctx)
	if err != nil {
		t.Fatalf("StartFilters: %v", err)
	}
	var acc reportAccess
	if be.Bolt() != nil {
		acc = be.Bolt()
	} else {
		acc = be.Redis()
	}
	stats := api.NewCheckStats()
	// The engine shares the server's clock (set by mod below), so that what
	// a test writes under a fixed clock is not months old to the scoring.
	var clock func() time.Time
	engine := indicators.NewEngine(be.Store, set, indicators.EngineOptions{Logger: logger, OnCheck: stats.Record,
		Now: func() time.Time {
			if clock != nil {
				return clock()
			}
			return time.Now()
		}})
	ac := api.Config{Engine: engine, Store: be.Store, Reports: acc, Keys: acc, Audit: acc, Stats: acc,
		CheckStats: stats, Publisher: be, Filters: set, Logger: logger,
		PublicLimit: api.Limit{Requests: -1}, ReportLimit: api.Limit{Requests: -1}}
	if mod != nil {
		mod(&ac)
	}
	clock = ac.Now
	srv := api.New(ac)
	if err := srv.Open("127.0.0.1:0"); err != nil {
		t.Fatalf("Open: %v", err)
	}
	e := &env{srv: srv, url: srv.URL(), be: be, secrets: map[indicators.Role]string{}, logs: logs}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(cctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := be.Close(); err != nil {
			t.Errorf("backend Close: %v", err)
		}
	})
	for _, role := range []indicators.Role{indicators.RolePublic, indicators.RolePartner, indicators.RolePolice, indicators.RoleAdmin} {
		k, secret, err := api.NewAPIKey("test-"+string(role), role, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := acc.CreateKey(ctx, k); err != nil {
			t.Fatalf("CreateKey: %v", err)
		}
		e.secrets[role] = secret
	}
	return e
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// errCode returns the code of an error body ("" when it is not one).
func (r response) errCode() string {
	var eb struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(r.body, &eb) != nil {
		return ""
	}
	return eb.Error.Code
}

// do sends a request with an optional bearer secret and body (a string
// is sent as is, anything else as JSON).
func (e *env) do(t testing.TB, method, path, secret string, body any) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return send(t, req)
}

// send does req and reads the whole answer.
func send(t testing.TB, req *http.Request) response {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// mustDo is do that fails the test unless the status is want, and decodes
// the body into out (when not nil).
func (e *env) mustDo(t testing.TB, method, path, secret string, body any, want int, out any) response {
	t.Helper()
	r := e.do(t, method, path, secret, body)
	if r.status != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, r.body, err)
		}
	}
	return r
}

// forEachStore runs f as a subtest per backend.
func forEachStore(t *testing.T, f func(t *testing.T, store string)) {
	for _, s := range stores {
		t.Run(s, func(t *testing.T) { f(t, s) })
	}
}
