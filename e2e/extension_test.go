package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// The sample extension (sdk/extension) loaded into headless Chromium: it
// syncs hash prefixes from a real server, lets an unlisted page load, and
// replaces a listed one with its warning page before the user can use it,
// while the server's logs never name a visited page.

// syncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type syncBuffer struct {
	mu sync.Mutex // guards b
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

// extServer is a real api.Server over a temporary bbolt store whose
// request log (debug level: every request) is kept for inspection.
type extServer struct {
	url  string
	logs *syncBuffer
}

// startExtServer starts the API as `scamcheck serve` does and lists urls as
// confirmed phishing through the police API.
func startExtServer(t *testing.T, urls ...string) *extServer {
	t.Helper()
	logs := &syncBuffer{}
	s := openServer(t, serverOptions{expected: 100, keyName: "e2e-extension-police",
		logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	for _, u := range urls {
		body, _ := json.Marshal(map[string]string{"url": u, "status": "confirmed", "category": "phishing"})
		req, _ := http.NewRequest(http.MethodPost, s.url+"/v1/indicators", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+s.police)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("list %s: %v", u, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("list %s: status %d", u, res.StatusCode)
		}
	}
	return &extServer{url: s.url, logs: logs}
}

// requests counts the logged requests to route.
func (s *extServer) requests(route string) int {
	return strings.Count(s.logs.String(), `"route":"`+route+`"`)
}

// needTool returns the path of a command the extension test needs; a
// missing one skips the test, or fails it under CI=true.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing: %v", name, err)
		}
		t.Skipf("extension test skipped: %s missing", name)
	}
	return p
}

// buildExtension runs sdk/extension/build.mjs into a temporary directory
// with server baked in as the default, installing the npm dependencies
// (from the lockfiles) first when they are missing.
func buildExtension(t *testing.T, server string) string {
	t.Helper()
	node := needTool(t, "node")
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"sdk/js", "sdk/extension"} {
		if _, err := os.Stat(filepath.Join(root, dir, "node_modules")); err == nil {
			continue
		}
		cmd := exec.Command(needTool(t, "npm"), "ci", "--no-audit", "--no-fund")
		cmd.Dir = filepath.Join(root, dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	out := filepath.Join(t.TempDir(), "extension")
	cmd := exec.Command(node, filepath.Join(root, "sdk/extension/build.mjs"), "--server", server, "--out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build extension: %v\n%s", err, b)
	}
	return out
}

// extensionBrowser starts headless Chromium (new headless mode, which
// loads extensions) with the unpacked extension in dir and a temporary
// profile, and returns a tab context and the extension's id.
func extensionBrowser(t *testing.T, dir string) (context.Context, string) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing (run scripts/test-deps.sh): %v", chromiumPath, err)
		}
		t.Skipf("extension test skipped: %s missing; install it with `make deps`", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("load-extension", dir),
		chromedp.Flag("disable-extensions-except", dir),
		chromedp.Flag("lang", "vi-VN"),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first Run starts the browser; its context must not have a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// The extension's service worker shows up as a target once it runs.
	deadline := time.Now().Add(15 * time.Second)
	for {
		targets, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatalf("list targets: %v", err)
		}
		for _, ti := range targets {
			if ti.Type == "service_worker" && strings.HasPrefix(ti.URL, "chrome-extension://") && strings.HasSuffix(ti.URL, "/background.js") {
				return ctx, strings.Split(strings.TrimPrefix(ti.URL, "chrome-extension://"), "/")[0]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the extension's service worker never started (targets: %s)", describeTargets(targets))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func describeTargets(ts []*target.Info) string {
	var b strings.Builder
	for _, ti := range ts {
		fmt.Fprintf(&b, "[%s %s] ", ti.Type, ti.URL)
	}
	return b.String()
}

// waitLocation polls the tab's URL until ok accepts it, and returns it.
func waitLocation(t *testing.T, ctx context.Context, what string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var loc string
	for time.Now().Before(deadline) {
		l, err := chromedp.Run(ctx, chromedp.Location())
		if err == nil {
			loc = l
			if ok(loc) {
				return loc
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: the tab is at %q", what, loc)
	return ""
}

// bodyText waits for the body to contain one of want and returns its
// text.
func bodyText(t *testing.T, ctx context.Context, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var text string
	for time.Now().Before(deadline) {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		if err == nil {
			text = s
			for _, w := range want {
				if strings.Contains(text, w) {
					return text
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("page text lacks %q: %q", strings.Join(want, `" or "`), text)
	return ""
}

// navigate starts loading u without waiting for the load event: the
// extension may replace the navigation, which chromedp.Navigate reports as
// an error.
func navigate(t *testing.T, ctx context.Context, u string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_ = chromedp.Do(tctx, chromedp.Navigate(u))
}

func TestExtensionWarnsOnListedURL(t *testing.T) {
	var served sync.Map // path → times served
	pages := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := served.LoadOrStore(r.URL.Path, new(int))
		*(n.(*int))++
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/login/":
			fmt.Fprint(w, `<!doctype html><title>login</title><p>Listed page: enter your OTP</p>`)
		case "/welcome/":
			fmt.Fprint(w, `<!doctype html><title>welcome</title><p>Normal page</p>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(pages.Close)
	listed, unlisted := pages.URL+"/login/", pages.URL+"/welcome/"
	srv := startExtServer(t, listed)
	logStart := len(srv.logs.String()) // listing the page may name it; browsing must not
	// The default baked into the build is a closed port: the server is
	// configured the way a user does it, on the options page.
	dir := buildExtension(t, "http://127.0.0.1:9")
	ctx, id := extensionBrowser(t, dir)
	warningPrefix := "chrome-extension://" + id + "/warning.html?"

	// Its language is the browser's: Vietnamese, or English where the
	// browser has no Vietnamese UI (Debian's chromium without
	// chromium-l10n).
	navigate(t, ctx, "chrome-extension://"+id+"/options.html")
	bodyText(t, ctx, "Cài đặt scamcheck", "scamcheck settings")
	if err := chromedp.Do(ctx, chromedp.SendKeys("#server", srv.url), chromedp.Click("button[type=submit]")); err != nil {
		t.Fatalf("options page: %v", err)
	}
	bodyText(t, ctx, "Đã lưu", "Saved")

	// Saving the server syncs the four prefix lists from it.
	deadline := time.Now().Add(15 * time.Second)
	for srv.requests("/v1/prefixes") < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("the extension synced %d prefix lists, want one per kind (4); logs:\n%s", srv.requests("/v1/prefixes"), srv.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The unlisted page loads as usual, and asks the server nothing: the
	// prefix check is local.
	navigate(t, ctx, unlisted)
	waitLocation(t, ctx, "unlisted page", func(l string) bool { return l == unlisted })
	bodyText(t, ctx, "Normal page")
	time.Sleep(time.Second) // a late redirect or lookup would show now
	waitLocation(t, ctx, "unlisted page, a second later", func(l string) bool { return l == unlisted })
	if n := srv.requests("/v1/hashes:find"); n != 0 {
		t.Errorf("the unlisted page cost %d hashes:find requests, want 0", n)
	}

	// The listed page is replaced by the warning, in both languages.
	navigate(t, ctx, listed)
	loc := waitLocation(t, ctx, "listed page", func(l string) bool { return strings.HasPrefix(l, warningPrefix) })
	text := bodyText(t, ctx, "Trang này đã bị báo cáo lừa đảo")
	for _, want := range []string{"This page has been reported as a scam", "Quay lại / Go back", listed, "phishing"} {
		if !strings.Contains(text, want) {
			t.Errorf("warning page lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(loc, "verdict=dangerous") {
		t.Errorf("warning page URL %q: want verdict=dangerous", loc)
	}
	if n := srv.requests("/v1/hashes:find"); n != 1 {
		t.Errorf("the listed page cost %d hashes:find requests, want 1", n)
	}

	// "Go back" returns to the page before.
	if err := chromedp.Do(ctx, chromedp.Click("#back")); err != nil {
		t.Fatalf("click go back: %v", err)
	}
	waitLocation(t, ctx, "after go back", func(l string) bool { return l == unlisted })

	// "Continue anyway" opens the listed page, once.
	navigate(t, ctx, listed)
	waitLocation(t, ctx, "listed page again", func(l string) bool { return strings.HasPrefix(l, warningPrefix) })
	if err := chromedp.Do(ctx, chromedp.Click("#continue")); err != nil {
		t.Fatalf("click continue: %v", err)
	}
	waitLocation(t, ctx, "after continue anyway", func(l string) bool { return l == listed })
	bodyText(t, ctx, "Listed page")

	// Nothing the server logged names the pages visited.
	logs := srv.logs.String()[logStart:]
	host := strings.TrimPrefix(pages.URL, "http://")
	for _, secret := range []string{host, "/login/", "/welcome/", "127.0.0.1/login"} {
		if strings.Contains(logs, secret) {
			t.Errorf("server logs contain %q:\n%s", secret, logs)
		}
	}
}
