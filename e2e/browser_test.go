package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/scamcheck/scamcheck/indicators"
)

// chromiumPath is Debian's Chromium, which scripts/test-deps.sh installs.
const chromiumPath = "/usr/bin/chromium"

// shotsDir receives a copy of each screenshot for people to look at.
const shotsDir = "/tmp/scamcheck-shots"

// startServer starts the real api.Server over a temporary bbolt store, as
// `scamcheck serve` does, and seeds it through the API.
func startServer(t *testing.T) *server {
	t.Helper()
	s := openServer(t, serverOptions{expected: 1000, keyName: "e2e-police", checkStats: true, warnings: true})

	// A phone reported once by a citizen (suspicious), an account and a
	// phishing link confirmed by police (dangerous), an allowlisted domain.
	s.do(t, "POST", "/v1/reports", "", map[string]any{"phone": "0912345678", "channel": "hotline",
		"category": "impersonation", "description": "Gọi giả danh công an"}, 201, nil)
	s.do(t, "POST", "/v1/indicators", s.police, map[string]string{"bank": "Vietcombank", "account": "0011004353201",
		"status": "confirmed", "category": "investment"}, 201, nil)
	s.do(t, "POST", "/v1/reports", "", map[string]any{"bank": "VCB", "account": "0011004353201", "channel": "app"}, 201, nil)
	s.do(t, "POST", "/v1/indicators", s.police, map[string]string{"url": "http://vietcombank-xacminh.com/dang-nhap",
		"status": "confirmed", "category": "phishing"}, 201, nil)
	s.do(t, "POST", "/v1/indicators", s.police, map[string]string{"domain": "vietcombank.com.vn", "status": "trusted"}, 201, nil)
	// Checks for the dashboard's per-day chart.
	s.do(t, "GET", "/v1/check?q=0912345678", "", nil, 200, nil)
	s.do(t, "GET", "/v1/check?q=0900000001", "", nil, 200, nil)
	return s
}

// do sends a JSON request and fails the test unless the status is want.
func (s *server) do(t *testing.T, method, path, secret string, body any, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// pageWatch collects what the page must never do: console errors,
// uncaught exceptions, browser log errors (CSP violations, failed loads)
// and requests to any host but the test server.
type pageWatch struct {
	mu       sync.Mutex // guards problems
	problems []string
}

func (w *pageWatch) add(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.problems = append(w.problems, fmt.Sprintf(format, args...))
}

func (w *pageWatch) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.problems...)
}

// listen is the chromedp event callback: it must be fast and not block.
func (w *pageWatch) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			w.add("console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		w.add("exception: %s", (&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			w.add("browser log %s: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		u, err := url.Parse(ev.Request.URL)
		if err != nil {
			w.add("request to unparsable URL %q", ev.Request.URL)
			return
		}
		if u.Scheme == "data" || u.Scheme == "about" {
			return
		}
		if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" {
			w.add("request to a foreign host: %s", ev.Request.URL)
		}
	}
}

// browser starts headless Chromium with a temporary profile; a missing
// Chromium skips the test, or fails it under CI=true.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing (run scripts/test-deps.sh): %v", chromiumPath, err)
		}
		t.Skipf("browser tests skipped: %s missing; install it with `make deps` (scripts/test-deps.sh)", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
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
	return ctx
}

// artifacts returns where screenshots go: $SCAMCHECK_TEST_ARTIFACTS or a
// temporary directory.
func artifacts(t *testing.T) string {
	dir := os.Getenv("SCAMCHECK_TEST_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shoot takes a full-page PNG screenshot into dir and copies it to shotsDir.
func shoot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if len(png) < 1000 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot %s: %d bytes, not a PNG", name, len(png))
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shotsDir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(shotsDir, name), png, 0o644)
	}
	t.Logf("screenshot %s", filepath.Join(dir, name))
}

// eval runs a JavaScript expression and returns its value.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("eval %s: %v", js, err)
	}
	return v
}

// clearField empties a form field. (chromedp.SetValue cannot set "".)
func clearField(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(document.getElementById(`+strconv.Quote(id)+`).value = "", true)`)(ctx, t)
		return err
	})
}

// within bounds one step, so that a broken page fails fast and clearly.
func within(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestCitizenPageInBrowser(t *testing.T) {
	ctx := browser(t)
	srv := startServer(t)
	dir := artifacts(t)
	watch := &pageWatch{}
	if err := chromedp.Listen(ctx, watch.listen); err != nil {
		t.Fatal(err)
	}

	within(t, ctx, "open the page",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("#q")))
	if got := eval[string](t, ctx, `document.documentElement.lang`); got != "vi" {
		t.Fatalf("default language %q, want vi", got)
	}

	checks := []struct {
		input, kind, kindText, verdict, verdictText string
	}{
		{"0912 345 678", "phone", "Số điện thoại", "suspicious", "Đáng ngờ"},
		{"Vietcombank 0011004353201", "bank_account", "Tài khoản ngân hàng", "dangerous", "Nguy hiểm"},
		{"http://vietcombank-xacminh.com/dang-nhap", "url", "Đường link", "dangerous", "Nguy hiểm"},
		{"0987 000 111", "phone", "Số điện thoại", "unknown", "Chưa có báo cáo"},
		{"vietcombank.com.vn", "domain", "Tên miền", "trusted", "Đã xác minh"},
	}
	for _, c := range checks {
		t.Run(c.verdict+"/"+c.kind, func(t *testing.T) {
			eval[bool](t, ctx, `document.getElementById('result').replaceChildren(), true`)
			within(t, ctx, "type "+c.input,
				clearField("q"),
				chromedp.SendKeys(chromedp.CSS("#q"), c.input),
				chromedp.WaitVisible(chromedp.CSS(`#q-kind .chip[data-kind="`+c.kind+`"]`)))
			if got := eval[string](t, ctx, `document.querySelector('#q-kind .chip').innerText`); got != c.kindText {
				t.Errorf("kind shown as %q, want %q", got, c.kindText)
			}
			within(t, ctx, "check "+c.input,
				chromedp.SendKeys(chromedp.CSS("#q"), "\r"),
				chromedp.WaitVisible(chromedp.CSS("#result .card")))
			if got := eval[string](t, ctx, `document.querySelector('#result .card').dataset.verdict`); got != c.verdict {
				t.Fatalf("verdict %q, want %q", got, c.verdict)
			}
			if got := eval[string](t, ctx, `document.getElementById('verdict-title').innerText`); got != c.verdictText {
				t.Errorf("verdict text %q, want %q", got, c.verdictText)
			}
			card := eval[string](t, ctx, `document.querySelector('#result .card').innerText`)
			if strings.Contains(strings.ToLower(card), "an toàn") {
				t.Errorf("card calls it safe: %q", card)
			}
			if c.verdict == "dangerous" || c.verdict == "suspicious" {
				for _, want := range []string{"113", "phong tỏa", "Không chuyển tiền", "Số lần bị báo cáo"} {
					if !strings.Contains(card, want) {
						t.Errorf("card lacks %q:\n%s", want, card)
					}
				}
			}
			if c.verdict == "suspicious" && !strings.Contains(card, "Giả danh") {
				t.Errorf("card lacks the category:\n%s", card)
			}
		})
		if c.verdict == "dangerous" && c.kind == "bank_account" {
			shoot(t, ctx, dir, "check-1280.png")
			within(t, ctx, "narrow", chromedp.EmulateViewport(360, 780, chromedp.EmulateMobile))
			if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
				t.Errorf("page is %d px wide on a 360 px screen: it scrolls sideways", w)
			}
			shoot(t, ctx, dir, "check-360.png")
			within(t, ctx, "wide", chromedp.EmulateViewport(1280, 900))
		}
	}

	// The label shown while typing agrees with the server's own detection.
	compared := 0
	for _, in := range []string{"0912 345 678", "+84 912-345-678", "tel:0912345678", "0912.345.678", "1.2.3.4",
		"Vietcombank 0011004353201", "MB 0123456789", "example.vn", "evil.example/login", "https://x.vn",
		"ngân-hàng.vn", "hello", "VCB", "０９１２３４５６７８"} {
		want := ""
		if p, err := indicators.Parse(in); err == nil {
			want = string(p.Kind)
		} else if indicators.ErrorCode(err) != indicators.CodeUndetected {
			continue // detected but invalid: the label may still name a kind
		}
		js, _ := json.Marshal(in)
		if got := eval[string](t, ctx, `SC.detectKind(`+string(js)+`)`); got != want {
			t.Errorf("page detects %q as %q, server as %q", in, got, want)
		}
		compared++
	}
	if compared < 10 {
		t.Errorf("only %d inputs compared with the server's detection", compared)
	}

	// English, remembered across a reload.
	within(t, ctx, "switch to English", chromedp.Click(chromedp.CSS("#lang-toggle")))
	assertEnglish := func(when string) {
		t.Helper()
		if got := eval[string](t, ctx, `document.documentElement.lang`); got != "en" {
			t.Errorf("%s: lang %q, want en", when, got)
		}
		if got := eval[string](t, ctx, `document.querySelector('h1').innerText`); got != "Is this number, account or link a scam?" {
			t.Errorf("%s: heading %q", when, got)
		}
		if got := eval[string](t, ctx, `document.getElementById('lang-toggle').innerText`); got != "Tiếng Việt" {
			t.Errorf("%s: toggle says %q", when, got)
		}
	}
	assertEnglish("after the switch")
	if got := eval[string](t, ctx, `document.getElementById('verdict-title').innerText`); got != "Verified" {
		t.Errorf("verdict after the switch %q, want Verified", got)
	}
	within(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#q")))
	assertEnglish("after a reload")
	eval[bool](t, ctx, `document.getElementById('result').replaceChildren(), true`)
	within(t, ctx, "check in English",
		chromedp.SendKeys(chromedp.CSS("#q"), "0987 000 222\r"),
		chromedp.WaitVisible(chromedp.CSS("#result .card")))
	if got := eval[string](t, ctx, `document.getElementById('verdict-title').innerText`); got != "No reports yet" {
		t.Errorf("English unknown verdict %q", got)
	}
	if card := eval[string](t, ctx, `document.querySelector('#result .card').innerText`); strings.Contains(strings.ToLower(card), "safe") {
		t.Errorf("English card calls it safe: %q", card)
	}
	shoot(t, ctx, dir, "check-en-1280.png")
	within(t, ctx, "back to Vietnamese", chromedp.Click(chromedp.CSS("#lang-toggle")))

	// A report with a contact: refused without consent, then received.
	within(t, ctx, "fill the report",
		chromedp.SendKeys(chromedp.CSS("#r-q"), "MB 0123456789"),
		chromedp.WaitVisible(chromedp.CSS(`#r-q-kind .chip[data-kind="bank_account"]`)),
		chromedp.SendKeys(chromedp.CSS("#r-desc"), "Nhắn tin mời đầu tư tiền ảo, đã chuyển khoản rồi bị chặn liên lạc."),
		chromedp.SetValue(chromedp.CSS("#r-cat"), "investment"),
		chromedp.SendKeys(chromedp.CSS("#r-amount"), "5.000.000"),
		chromedp.SendKeys(chromedp.CSS("#r-name"), "Nguyễn Văn A"),
		chromedp.SendKeys(chromedp.CSS("#r-phone"), "0987654321"),
		chromedp.Click(chromedp.CSS("#report-btn")),
		chromedp.WaitVisible(chromedp.CSS("#receipt .err-box")))
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "r-consent" {
		t.Errorf("focus after the consent error on %q, want r-consent", got)
	}
	within(t, ctx, "consent and send",
		chromedp.Click(chromedp.CSS("#r-consent")),
		chromedp.Click(chromedp.CSS("#report-btn")),
		chromedp.WaitVisible(chromedp.CSS("#receipt-id")))
	id := eval[string](t, ctx, `document.getElementById('receipt-id').innerText`)
	if !strings.HasPrefix(id, "rep_") {
		t.Fatalf("receipt id %q", id)
	}
	shoot(t, ctx, dir, "report-1280.png")

	// Police see it, with the contact; the public does not.
	var page struct {
		Reports []indicators.Report `json:"reports"`
	}
	srv.do(t, "GET", "/v1/reports?status=pending", srv.police, nil, 200, &page)
	var found *indicators.Report
	for i := range page.Reports {
		if page.Reports[i].ID == id {
			found = &page.Reports[i]
		}
	}
	if found == nil {
		t.Fatalf("report %s not in the police list: %+v", id, page.Reports)
	}
	if found.Channel != indicators.ChannelWeb || found.AmountVND != 5_000_000 || found.Category != indicators.CategoryInvestment ||
		!found.HasContact || len(found.Keys) != 1 || found.Keys[0].Kind() != indicators.KindBankAccount {
		t.Errorf("stored report %+v", found)
	}
	var full struct {
		Contact *indicators.Contact `json:"contact"`
	}
	srv.do(t, "GET", "/v1/reports/"+id, srv.police, nil, 200, &full)
	if full.Contact == nil || full.Contact.Name != "Nguyễn Văn A" || full.Contact.Phone != "0987654321" {
		t.Errorf("contact %+v", full.Contact)
	}
	srv.do(t, "GET", "/v1/reports?status=pending", "", nil, 401, nil)

	// The notice page.
	within(t, ctx, "open the notice",
		chromedp.Navigate(srv.url+"/privacy"),
		chromedp.WaitVisible(chromedp.CSS("h1")))
	notice := eval[string](t, ctx, `document.body.innerText`)
	for _, want := range []string{"Nghị định 13/2023/NĐ-CP", "Chỉ công an", "xóa"} {
		if !strings.Contains(notice, want) {
			t.Errorf("notice lacks %q", want)
		}
	}

	// The dashboard, fed by /v1/stats.
	within(t, ctx, "open the dashboard",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.url+"/dashboard"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-loaded="true"] #chart-banks svg`)))
	if n := eval[int](t, ctx, `document.querySelectorAll('figure.chart svg.plot').length`); n != 7 {
		t.Errorf("%d charts drawn, want 7", n)
	}
	banks := eval[[]string](t, ctx, `[...document.querySelectorAll('#chart-banks g[data-label]')].map(g => g.dataset.label)`)
	if len(banks) != 2 || banks[0] != "Vietcombank" {
		t.Errorf("top banks chart %v, want Vietcombank then MBBank", banks)
	}
	domains := eval[[]string](t, ctx, `[...document.querySelectorAll('#chart-domains g[data-label]')].map(g => g.dataset.label)`)
	if len(domains) != 1 || domains[0] != "vietcombank-xacminh.com" {
		t.Errorf("top domains chart %v (the allowlisted domain must not be there)", domains)
	}
	if got := eval[string](t, ctx, `document.getElementById('tile-checks').querySelector('.n').innerText`); got == "0" {
		t.Errorf("checks tile says 0 after %d checks", len(checks)+3)
	}
	// No quiz was taken in this test: the progress tile says so and names
	// the goal rather than showing 0%.
	if got := eval[string](t, ctx, `document.getElementById('tile-quiz').innerText`); !strings.Contains(got, "–") || !strings.Contains(got, "85%") {
		t.Errorf("quiz tile says %q", got)
	}
	shoot(t, ctx, dir, "dashboard-1280.png")
	within(t, ctx, "narrow dashboard", chromedp.EmulateViewport(360, 780, chromedp.EmulateMobile))
	// The charts are drawn at the container's width: wait for the redraw.
	time.Sleep(400 * time.Millisecond)
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("dashboard is %d px wide on a 360 px screen", w)
	}
	shoot(t, ctx, dir, "dashboard-360.png")

	for _, p := range watch.list() {
		t.Errorf("page problem: %s", p)
	}
}
