package api_test

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/web"
)

// isWebRoute reports whether a registered route pattern is one of the
// HTML pages or the asset route: they are not API and are not in
// openapi.json.
func isWebRoute(p string) bool {
	for _, pg := range web.Pages {
		if p == pg.Path {
			return true
		}
	}
	return strings.HasPrefix(p, web.AssetPrefix)
}

var (
	// assetRef finds the same-origin files a page loads.
	assetRef = regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)
	// inlineScript is a <script> without src: the CSP would block it.
	inlineScript = regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]+</script>`)
	// absURL is any absolute http(s) URL in a file the pages load.
	absURL = regexp.MustCompile(`https?://[^\s"'<>)]+`)
)

func TestWebPages(t *testing.T) {
	e := mustEnv(t, "bolt", nil)
	for _, p := range web.Pages {
		t.Run(p.Path, func(t *testing.T) {
			r := e.mustDo(t, "GET", p.Path, "", nil, 200, nil)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q", ct)
			}
			if csp := r.header.Get("Content-Security-Policy"); csp != web.CSP {
				t.Errorf("CSP %q, want %q", csp, web.CSP)
			}
			if r.header.Get("X-Frame-Options") != "DENY" || r.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("security headers missing: %v", r.header)
			}
			page := string(r.body)
			if !strings.Contains(page, `<html lang="vi">`) {
				t.Error("page is not Vietnamese by default")
			}
			if inlineScript.MatchString(page) || strings.Contains(page, "<style") || strings.Contains(page, " style=") {
				t.Error("page has inline script or style, which its CSP blocks")
			}
			refs := assetRef.FindAllStringSubmatch(page, -1)
			if len(refs) < 2 {
				t.Fatalf("page loads %d assets, want its CSS and JS", len(refs))
			}
			for _, m := range refs {
				a := e.mustDo(t, "GET", m[1], "", nil, 200, nil)
				if ct := a.header.Get("Content-Type"); ct == "" || strings.HasPrefix(ct, "text/html") {
					t.Errorf("%s: Content-Type %q", m[1], ct)
				}
			}
		})
	}
	// HTML is only served at the pages' paths; unknown files are JSON 404s.
	for _, p := range []string{"/static/index.html", "/static/nothing.js", "/static/../go.mod"} {
		if r := e.do(t, "GET", p, "", nil); r.status != 404 {
			t.Errorf("GET %s: %d, want 404", p, r.status)
		}
	}
	if r := e.do(t, "GET", "/static/nothing.js", "", nil); r.errCode() != api.CodeNotFound {
		t.Errorf("missing asset body %s", r.body)
	}
	if ct := e.mustDo(t, "GET", "/static/check.js", "", nil, 200, nil).header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("JS Content-Type %q", ct)
	}
}

// TestWebNoThirdParty reads every embedded file and fails on any absolute
// URL: the pages must not load anything from another host (no CDN, font
// or tracker). Browser tests check the same at run time.
func TestWebNoThirdParty(t *testing.T) {
	n := 0
	err := fs.WalkDir(web.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(web.FS(), p)
		if err != nil {
			return err
		}
		n++
		for _, u := range absURL.FindAllString(string(b), -1) {
			// The SVG namespace names a standard, it is never fetched.
			if u != "http://www.w3.org/2000/svg" {
				t.Errorf("%s refers to %s", p, u)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 7 {
		t.Errorf("only %d files embedded", n)
	}
}

// TestWebNotRateLimited: the pages are served before the limiter, so a
// citizen behind a busy NAT still gets the page when the API limit is hit.
func TestWebNotRateLimited(t *testing.T) {
	e := mustEnv(t, "bolt", func(c *api.Config) { c.PublicLimit = api.Limit{Requests: 1, Window: time.Minute} })
	e.mustDo(t, "GET", "/v1/check?q=0912345678", "", nil, 200, nil)
	e.mustDo(t, "GET", "/v1/check?q=0912345678", "", nil, 429, nil)
	for range 3 {
		e.mustDo(t, "GET", "/", "", nil, 200, nil)
		e.mustDo(t, "GET", "/static/app.css", "", nil, 200, nil)
	}
}

// clock is a settable clock for the top lists' cache.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestStatsTopLists(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		clk := &clock{t: time.Now()}
		e := mustEnv(t, store, func(c *api.Config) { c.Now = clk.now })
		police := e.secrets[indicators.RolePolice]
		create := func(body map[string]string) {
			t.Helper()
			e.mustDo(t, "POST", "/v1/indicators", police, body, 201, nil)
		}
		report := func(body map[string]string) {
			t.Helper()
			body["channel"] = "web"
			e.mustDo(t, "POST", "/v1/reports", "", body, 201, nil)
		}
		// Vietcombank: two accounts, 1 + 3 reports. MB: one account, 2 reports.
		create(map[string]string{"bank": "VCB", "account": "0011004353201"})
		create(map[string]string{"bank": "VCB", "account": "0011004353202"})
		report(map[string]string{"bank": "Vietcombank", "account": "0011004353202"})
		report(map[string]string{"bank": "Vietcombank", "account": "0011004353202"})
		report(map[string]string{"bank": "MB", "account": "0123456789"})
		report(map[string]string{"bank": "MB", "account": "0123456789"})
		// evil.vn: the domain (1 report) and a link on a subdomain (2 reports).
		create(map[string]string{"domain": "evil.vn"})
		report(map[string]string{"url": "http://login.evil.vn/pay"})
		report(map[string]string{"url": "http://login.evil.vn/pay"})
		create(map[string]string{"domain": "other.com.vn"})
		// Neither an allowlisted domain nor a delisted one counts.
		create(map[string]string{"domain": "vietcombank.com.vn", "status": "trusted"})
		// A fake page on an allowlisted platform counts as a link, not
		// against the platform.
		report(map[string]string{"url": "https://www.vietcombank.com.vn/fake"})
		create(map[string]string{"domain": "gone.vn"})
		e.mustDo(t, "POST", "/v1/indicators/domain:gone.vn/delist", police, map[string]string{"reason": "test"}, 200, nil)

		var st api.StatsResponse
		e.mustDo(t, "GET", "/v1/stats?days=1", "", nil, 200, &st)
		wantBanks := []api.TopBank{
			{BIN: "970436", Name: "Vietcombank", Reports: 4, Indicators: 2},
			{BIN: "970422", Name: "MBBank", Reports: 2, Indicators: 1},
		}
		if !slices.Equal(st.TopBanks, wantBanks) {
			t.Errorf("top banks %+v, want %+v", st.TopBanks, wantBanks)
		}
		wantDomains := []api.TopDomain{
			{Domain: "evil.vn", Reports: 3, Indicators: 2},
			{Domain: "other.com.vn", Reports: 1, Indicators: 1},
		}
		if !slices.Equal(st.TopDomains, wantDomains) {
			t.Errorf("top domains %+v, want %+v", st.TopDomains, wantDomains)
		}
		if st.TopPartial || st.TopAsOf.IsZero() {
			t.Errorf("partial %v, as of %v", st.TopPartial, st.TopAsOf)
		}

		// The lists are cached: a new report shows only once they expire.
		report(map[string]string{"domain": "other.com.vn"})
		report(map[string]string{"domain": "other.com.vn"})
		report(map[string]string{"domain": "other.com.vn"})
		e.mustDo(t, "GET", "/v1/stats?days=1", "", nil, 200, &st)
		if st.TopDomains[0].Domain != "evil.vn" {
			t.Errorf("cached lists changed before expiry: %+v", st.TopDomains)
		}
		clk.add(6 * time.Minute)
		e.mustDo(t, "GET", "/v1/stats?days=1", "", nil, 200, &st)
		if len(st.TopDomains) == 0 || st.TopDomains[0] != (api.TopDomain{Domain: "other.com.vn", Reports: 4, Indicators: 1}) {
			t.Errorf("after expiry: %+v", st.TopDomains)
		}
	})
}
