package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/scamcheck/scamcheck/api"
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
