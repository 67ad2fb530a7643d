package api_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/api/timeouts"
)

// TestRequestIDs: a client's X-Request-ID is kept (and logged), and the
// server's own ids are distinct, with a per-process prefix.
func TestRequestIDs(t *testing.T) {
	e := mustEnv(t, "bolt", nil)
	req, _ := http.NewRequest("GET", e.url+"/v1/check?phone=0912345678", nil)
	req.Header.Set("X-Request-ID", "client-chosen-42")
	if r := send(t, req); r.header.Get("X-Request-Id") != "client-chosen-42" {
		t.Errorf("client request id not kept: %q", r.header.Get("X-Request-Id"))
	}
	if !strings.Contains(e.logs.String(), `"request_id":"client-chosen-42"`) {
		t.Error("client request id not logged")
	}
	a := e.mustDo(t, "GET", "/healthz", "", nil, 200, nil).header.Get("X-Request-Id")
	b := e.mustDo(t, "GET", "/healthz", "", nil, 200, nil).header.Get("X-Request-Id")
	pa, _, okA := strings.Cut(a, "-")
	pb, _, okB := strings.Cut(b, "-")
	if a == "" || a == b || !okA || !okB || pa != pb || len(pa) != 16 {
		t.Errorf("request ids %q and %q: want distinct ids with one 16-digit prefix", a, b)
	}
}

// TestPanicIsA500: a panic behind the front middleware is answered as an
// internal error with the API's headers, logged and counted, and the
// server keeps serving.
func TestPanicIsA500(t *testing.T) {
	e := mustEnv(t, "bolt", func(c *api.Config) {
		c.Ready = func(context.Context) error { panic("boom") }
	})
	r := e.do(t, "GET", "/readyz", "", nil)
	if r.status != http.StatusInternalServerError || r.errCode() != api.CodeInternal {
		t.Fatalf("panic: %d %s", r.status, r.body)
	}
	if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("X-Request-Id") == "" {
		t.Errorf("panic answer lacks the API's headers: %v", r.header)
	}
	if !strings.Contains(e.logs.String(), "boom") {
		t.Error("panic not logged")
	}
	res, err := http.Get(e.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	m, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(m), `scamcheck_http_requests_total{method="GET",route="/readyz",status="500"} 1`) {
		t.Error("panic not counted as a 500 of /readyz")
	}
	e.mustDo(t, "GET", "/healthz", "", nil, 200, nil)
}

// The server's connections keep Config.Timeouts: a silent client is
// answered 408 and dropped after Idle, and one sending its request a byte
// at a time gets a 408 about Read after its second read, while a normal
// client on a keep-alive connection is answered throughout.
func TestConnectionTimeouts(t *testing.T) {
	tt := timeouts.Config{Idle: 400 * time.Millisecond, Read: 200 * time.Millisecond, Write: 200 * time.Millisecond, Slack: 20 * time.Millisecond}
	e := mustEnv(t, "bolt", func(c *api.Config) { c.Timeouts = tt })
	addr := strings.TrimPrefix(e.url, "http://")

	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	// Without the server's timeouts the test fails here, not hangs.
	_ = silent.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	// fasthttp answers a first request that never came with a 408 too.
	got, err := io.ReadAll(silent)
	if err != nil || !strings.HasPrefix(string(got), "HTTP/1.1 408") || !strings.Contains(string(got), `"code":"request_timeout"`) {
		t.Fatalf("silent client got %q, %v; want a 408 request_timeout and the connection closed", got, err)
	}
	if d := time.Since(start); d < tt.Idle-2*tt.Slack || d > tt.Idle+2*time.Second {
		t.Errorf("silent client dropped after %v, want about %v", d, tt.Idle)
	}

	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	_ = slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	go func() {
		for _, b := range []byte("GET /v1/check?phone=0912345678 HTTP/1.1\r\nHost: x\r\nX-Drip: " + strings.Repeat("a", 300)) {
			if _, err := slow.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	start = time.Now()
	answer, _ := io.ReadAll(slow)
	if !strings.HasPrefix(string(answer), "HTTP/1.1 408") || !strings.Contains(string(answer), `"code":"request_timeout"`) {
		t.Errorf("slow request answered %q, want a 408 request_timeout", answer)
	}
	if d := time.Since(start); d > tt.Read+2*time.Second {
		t.Errorf("slow request cut off after %v, want about %v", d, tt.Read)
	}

	// Keep-alive requests spread over more than Idle in all.
	client := &http.Client{}
	for i := range 6 {
		resp, err := client.Get(e.url + "/v1/check?phone=0912345678")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d", i, resp.StatusCode)
		}
		time.Sleep(tt.Idle / 4)
	}
}
