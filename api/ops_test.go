package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/indicators"
)

// TestLogsNeverHoldChecks checks a phone number and a URL (found and not
// found, GET and POST, valid and not) with debug logging on, and asserts
// that nothing of them reaches the logs (DESIGN §7).
func TestLogsNeverHoldChecks(t *testing.T) {
	e := mustEnv(t, "bolt", nil)
	police := e.secrets[indicators.RolePolice]
	const phone, phoneDigits = "0912 345 678", "912345678"
	const link = "http://secret-lure.example.com/bank/login"
	e.mustDo(t, "POST", "/v1/indicators", police, map[string]string{"url": link}, 201, nil)
	e.logs.mu.Lock()
	e.logs.b.Reset()
	e.logs.mu.Unlock()

	e.mustDo(t, "GET", "/v1/check?phone="+url.QueryEscape(phone), "", nil, 200, nil)
	e.mustDo(t, "GET", "/v1/check?q="+url.QueryEscape(phone), "", nil, 200, nil)
	e.mustDo(t, "GET", "/v1/check?url="+url.QueryEscape(link), "", nil, 200, nil)
	e.mustDo(t, "GET", "/v1/check?q="+url.QueryEscape(link+"x")+"&bogus=1", "", nil, 400, nil)
	e.mustDo(t, "GET", "/v1/check?phone="+url.QueryEscape(phone+"99999999"), "", nil, 400, nil)
	e.mustDo(t, "POST", "/v1/check", "", map[string]any{"items": []map[string]string{{"phone": phone}, {"url": link}}}, 200, nil)
	e.mustDo(t, "POST", "/v1/check", "", `{"items":[{"phone":"`+phone+`"`, 400, nil)

	logs := e.logs.String()
	if !strings.Contains(logs, `"route":"/v1/check"`) || !strings.Contains(logs, `"request_id"`) || !strings.Contains(logs, `"latency"`) {
		t.Fatalf("request logs missing or without route/request id/latency:\n%s", logs)
	}
	for _, secret := range []string{phoneDigits, "secret-lure", "bank/login", "bogus"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
}

// TestOpenAPIMatchesRoutes fails when a registered route is missing from
// the OpenAPI document or the document names a route that does not exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := mustEnv(t, "bolt", nil)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	e.mustDo(t, "GET", "/openapi.json", "", nil, 200, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range e.srv.App().GetRoutes(true) {
		if r.Method == http.MethodHead {
			continue // Fiber adds HEAD for every GET
		}
		if isWebRoute(r.Path) {
			continue // HTML pages and their assets are not API (see web_test.go)
		}
		registered[r.Method+" "+openAPIPath(r.Path)] = true
	}
	var missing, extra []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.json: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("openapi.json names routes that are not registered: %v", extra)
	}
	if len(registered) < 20 {
		t.Errorf("only %d routes registered: %v", len(registered), registered)
	}
	page := e.mustDo(t, "GET", "/api", "", nil, 200, nil)
	if !strings.Contains(string(page.body), "curl") || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
		t.Errorf("API page: %s", page.header.Get("Content-Type"))
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("API page CSP %q", csp)
	}
}

// openAPIPath turns a Fiber pattern into OpenAPI's: /v1/reports/:id →
// /v1/reports/{id}, `\:` → ":".
func openAPIPath(p string) string {
	p = strings.ReplaceAll(p, `\:`, "\x00")
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.ReplaceAll(strings.Join(parts, "/"), "\x00", ":")
}

func TestStatsAndMetrics(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		e := mustEnv(t, store, nil)
		police := e.secrets[indicators.RolePolice]
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]string{"phone": "0912345678", "category": "scam"}, 201, nil)
		for range 3 {
			e.mustDo(t, "GET", "/v1/check?phone=0912345678", "", nil, 200, nil)
		}
		e.mustDo(t, "GET", "/v1/check?phone=0912345679", "", nil, 200, nil)
		e.mustDo(t, "POST", "/v1/check", "", map[string]any{"items": []map[string]string{{"domain": "x.example.vn"}}}, 200, nil)
		e.mustDo(t, "POST", "/v1/reports", "", map[string]string{"phone": "0933333333", "channel": "app"}, 201, nil)

		var st api.StatsResponse
		e.mustDo(t, "GET", "/v1/stats?days=3", "", nil, 200, &st)
		if len(st.Days) != 3 {
			t.Fatalf("days: %d", len(st.Days))
		}
		today := st.Days[2]
		if today.Checks != 5 || today.Hits != 3 || today.ChecksByKind[indicators.KindPhone] != 4 ||
			today.ChecksByKind[indicators.KindDomain] != 1 || today.ReportsByChannel[indicators.ChannelApp] != 1 {
			t.Errorf("today: %+v", today)
		}
		if st.Indicators.Total != 2 || st.Indicators.ByKind[indicators.KindPhone] != 2 || st.Indicators.ByCategory[indicators.CategoryScam] != 1 {
			t.Errorf("indicator counts: %+v", st.Indicators)
		}
		if len(st.Filters) != 4 {
			t.Errorf("filters: %+v", st.Filters)
		}
		// Asking again does not count twice.
		e.mustDo(t, "GET", "/v1/stats?days=1", "", nil, 200, &st)
		if st.Days[0].Checks != 5 {
			t.Errorf("second read: %d checks", st.Days[0].Checks)
		}

		m := string(e.mustDo(t, "GET", "/metrics", "", nil, 200, nil).body)
		for _, want := range []string{
			`scamcheck_checks_total{kind="phone",verdict="suspicious"} 3`,
			`scamcheck_checks_total{kind="phone",verdict="unknown"} 1`,
			`scamcheck_http_requests_total{method="GET",route="/v1/check",status="200"} 4`,
			`scamcheck_http_request_duration_seconds_bucket{method="GET",route="/v1/check",status="200",le="+Inf"} 4`,
			`scamcheck_filter_keys{kind="phone"} 2`,
			`scamcheck_filter_fill_ratio{kind="phone"}`,
		} {
			if !strings.Contains(m, want) {
				t.Errorf("metrics lack %q", want)
			}
		}
		if strings.Contains(m, "0912345678") || strings.Contains(m, "912345678") {
			t.Error("metrics hold a checked number")
		}
	})
}

func TestProbesHeadersAndCORS(t *testing.T) {
	e := mustEnv(t, "redis", nil)
	e.mustDo(t, "GET", "/healthz", "", nil, 200, nil)
	e.mustDo(t, "GET", "/readyz", "", nil, 200, nil)
	get, _ := http.NewRequest("GET", e.url+"/v1/check?q=0912345678", nil)
	get.Header.Set("Origin", "chrome-extension://abcdef")
	r := send(t, get)
	if r.status != 200 {
		t.Fatalf("GET with Origin: %d", r.status)
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
		"Access-Control-Allow-Origin": "*",
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if r.header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-ID")
	}
	// What the benchmark baseline sends as "scamcheck's headers".
	sec := api.SecurityHeaders()
	if len(sec) < 4 {
		t.Errorf("SecurityHeaders: %v, want the four set on every response", sec)
	}
	for _, h := range sec {
		if got := r.header.Get(h[0]); got != h[1] {
			t.Errorf("SecurityHeaders names %s: %q, the response has %q", h[0], h[1], got)
		}
	}
	req, _ := http.NewRequest("OPTIONS", e.url+"/v1/check", nil)
	req.Header.Set("Origin", "chrome-extension://abcdef")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	pre := send(t, req)
	if pre.status != http.StatusNoContent || !strings.Contains(strings.ToLower(pre.header.Get("Access-Control-Allow-Headers")), "authorization") ||
		!strings.Contains(pre.header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight: %d %v", pre.status, pre.header)
	}

	// Not ready when the store check fails.
	bad := mustEnv(t, "bolt", func(c *api.Config) {
		c.Ready = func(context.Context) error { return errors.New("filters not loaded") }
	})
	if r := bad.mustDo(t, "GET", "/readyz", "", nil, 503, nil); r.errCode() != api.CodeUnavailable {
		t.Errorf("not ready: %s", r.body)
	}
}

func TestRateLimits(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	e := mustEnv(t, "bolt", func(c *api.Config) {
		c.Now = clock
		c.PublicLimit = api.Limit{Requests: 3, Window: time.Minute}
		c.ReportLimit = api.Limit{Requests: 1, Window: time.Hour}
	})
	for i := range 3 {
		e.mustDo(t, "GET", fmt.Sprintf("/v1/check?q=09123456%02d", i), "", nil, 200, nil)
	}
	r := e.do(t, "GET", "/v1/check?q=0912345678", "", nil)
	if r.status != http.StatusTooManyRequests || r.errCode() != api.CodeRateLimited || r.header.Get("Retry-After") == "" {
		t.Fatalf("4th request: %d %s retry %q", r.status, r.body, r.header.Get("Retry-After"))
	}
	// Probes are never limited.
	e.mustDo(t, "GET", "/healthz", "", nil, 200, nil)
	// A key has its own, higher limit once known (the first request with it
	// is verified against the IP's limit, which is spent here; so the key
	// is verified first, then used).
	pub := e.secrets[indicators.RolePublic]
	now = now.Add(time.Minute)
	e.mustDo(t, "GET", "/v1/check?q=0912345678", pub, nil, 200, nil)
	for range 5 {
		e.mustDo(t, "GET", "/v1/check?q=0912345678", pub, nil, 200, nil)
	}
	// The report limit is separate, and police are exempt.
	e.mustDo(t, "POST", "/v1/reports", pub, map[string]string{"phone": "0911111111"}, 201, nil)
	if r := e.do(t, "POST", "/v1/reports", pub, map[string]string{"phone": "0911111112"}); r.status != 429 {
		t.Errorf("second report: %d", r.status)
	}
	e.mustDo(t, "POST", "/v1/reports", e.secrets[indicators.RolePolice], map[string]string{"phone": "0911111113", "channel": "police"}, 201, nil)
	// The window ends.
	now = now.Add(2 * time.Hour)
	e.mustDo(t, "POST", "/v1/reports", "", map[string]string{"phone": "0911111112"}, 201, nil)
}
