package scamcheck

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recordWaits makes c record its waits instead of sleeping.
func recordWaits(c *Client) *[]time.Duration {
	var mu sync.Mutex
	waits := &[]time.Duration{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		*waits = append(*waits, d)
		return ctx.Err()
	}
	return waits
}

// failing serves fails answers (status and Retry-After) in turn, then 200
// with a result.
func failing(t *testing.T, fails ...[2]string) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		w.Header().Set("Content-Type", "application/json")
		if i < len(fails) {
			if fails[i][1] != "" {
				w.Header().Set("Retry-After", fails[i][1])
			}
			switch fails[i][0] {
			case "503":
				w.WriteHeader(503)
				w.Write([]byte(`{"error":{"code":"unavailable","message":"try later"}}`))
			case "429":
				w.WriteHeader(429)
				w.Write([]byte(`{"error":{"code":"rate_limited","message":"slow down"}}`))
			case "500":
				w.WriteHeader(500)
				w.Write([]byte(`<html>proxy error</html>`))
			case "hangup":
				hj, _ := w.(http.Hijacker)
				conn, _, _ := hj.Hijack()
				conn.Close()
			}
			return
		}
		if r.URL.Path == "/v1/reports" {
			w.WriteHeader(201)
			w.Write([]byte(`{"id":"rep_1","keys":["phone:+84912345678"]}`))
			return
		}
		w.Write([]byte(`{"input":"x","verdict":"unknown"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func newTestClient(t *testing.T, url string, opts ...Option) (*Client, *[]time.Duration) {
	t.Helper()
	c, err := New(url, append([]Option{WithBackoff(100*time.Millisecond, 300*time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, recordWaits(c)
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		fails     [][2]string
		report    bool // POST /v1/reports: not idempotent
		retries   int
		wantCalls int32
		wantErr   error
		// wantWaits are the exact waits (Retry-After), or ranges for
		// backoff: {min, max} per wait.
		wantWaits [][2]time.Duration
	}{
		{name: "503 twice then ok", fails: [][2]string{{"503", ""}, {"503", ""}}, retries: 3, wantCalls: 3,
			wantWaits: [][2]time.Duration{{50 * time.Millisecond, 100 * time.Millisecond}, {100 * time.Millisecond, 200 * time.Millisecond}}},
		{name: "429 honours Retry-After", fails: [][2]string{{"429", "2"}}, retries: 3, wantCalls: 2,
			wantWaits: [][2]time.Duration{{2 * time.Second, 2 * time.Second}}},
		{name: "Retry-After too long", fails: [][2]string{{"429", "3600"}}, retries: 3, wantCalls: 1, wantErr: ErrRateLimited},
		{name: "gives up", fails: [][2]string{{"503", ""}, {"503", ""}, {"503", ""}}, retries: 2, wantCalls: 3, wantErr: ErrUnavailable,
			wantWaits: [][2]time.Duration{{50 * time.Millisecond, 100 * time.Millisecond}, {100 * time.Millisecond, 200 * time.Millisecond}}},
		{name: "backoff is capped", fails: [][2]string{{"500", ""}, {"500", ""}, {"500", ""}, {"500", ""}}, retries: 5, wantCalls: 5,
			wantWaits: [][2]time.Duration{{50 * time.Millisecond, 100 * time.Millisecond}, {100 * time.Millisecond, 200 * time.Millisecond},
				{150 * time.Millisecond, 300 * time.Millisecond}, {150 * time.Millisecond, 300 * time.Millisecond}}},
		{name: "network error", fails: [][2]string{{"hangup", ""}}, retries: 3, wantCalls: 2,
			wantWaits: [][2]time.Duration{{50 * time.Millisecond, 100 * time.Millisecond}}},
		{name: "report not repeated after 503", fails: [][2]string{{"503", ""}}, report: true, retries: 3, wantCalls: 1, wantErr: ErrUnavailable},
		{name: "report not repeated after hangup", fails: [][2]string{{"hangup", ""}}, report: true, retries: 3, wantCalls: 1},
		{name: "report repeated after 429", fails: [][2]string{{"429", "1"}}, report: true, retries: 3, wantCalls: 2,
			wantWaits: [][2]time.Duration{{time.Second, time.Second}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := failing(t, tt.fails...)
			c, waits := newTestClient(t, srv.URL, WithRetries(tt.retries), WithMaxRetryAfter(time.Minute))
			var err error
			if tt.report {
				var id string
				id, err = c.Report(context.Background(), ReportRequest{Phone: "0912345678"})
				if err == nil && id != "rep_1" {
					t.Errorf("id %q", id)
				}
			} else {
				_, err = c.Check(context.Background(), "x")
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("%d calls, want %d", got, tt.wantCalls)
			}
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("error %v, want %v", err, tt.wantErr)
			case tt.wantErr == nil && int(tt.wantCalls) > len(tt.fails) && err != nil:
				t.Errorf("error %v, want success", err)
			case int(tt.wantCalls) <= len(tt.fails) && err == nil:
				t.Error("succeeded, want an error")
			}
			if len(*waits) != len(tt.wantWaits) {
				t.Fatalf("waits %v, want %d", *waits, len(tt.wantWaits))
			}
			for i, w := range *waits {
				if w < tt.wantWaits[i][0] || w > tt.wantWaits[i][1] {
					t.Errorf("wait %d = %v, want in %v", i, w, tt.wantWaits[i])
				}
			}
		})
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	srv, calls := failing(t, [2]string{"503", ""}, [2]string{"503", ""}, [2]string{"503", ""})
	c, err := New(srv.URL, WithBackoff(time.Hour, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Check(ctx, "x")
	if !errors.Is(err, ErrUnavailable) || calls.Load() != 1 || time.Since(start) > time.Second {
		t.Errorf("err %v after %d calls and %v; want the 503 at once, since the backoff outlasts the deadline", err, calls.Load(), time.Since(start))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{"-3", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"soon", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
