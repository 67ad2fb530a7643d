package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/indicators"
)

// lockedBuffer collects a running server's logs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs `scamcheck serve` in-process on a free port over dir and
// returns its base URL and a stop function that cancels it (as SIGTERM
// does) and returns Run's error.
func startServe(t *testing.T, dir string, extra ...string) (base string, logs *lockedBuffer, stop func() error) {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	logs = &lockedBuffer{}
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: logs, Getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data", dir, "--addr-file", addrFile}, extra...)
	go func() { done <- m.Run(ctx, args) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(addrFile)
		if err == nil && len(b) > 0 {
			base = "http://" + string(b)
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended before listening: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not listen within 30s:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(20 * time.Second):
				t.Fatalf("serve did not stop within 20s:\n%s", logs)
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return base, logs, stop
}

func getJSON(t *testing.T, url, secret string, out any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode == 200 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, b)
		}
	}
	return res.StatusCode
}

// TestServeEndToEnd starts the whole program on an empty data directory:
// it loads the samples, answers checks from them, accepts a key made with
// `keys create`, and shuts down cleanly on cancellation, leaving a filter
// snapshot that the next start uses without loading the samples again.
func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()

	res := runCLI(t, "", "keys", "create", "--role", "police", "--name", "desk-1", "--data", dir)
	if res.err != nil {
		t.Fatalf("keys create: %v\n%s", res.err, res.stderr)
	}
	secret := strings.TrimSpace(res.stdout)
	if !strings.HasPrefix(secret, api.SecretPrefix) {
		t.Fatalf("keys create printed %q", res.stdout)
	}
	if res := runCLI(t, "", "keys", "list", "--data", dir); res.err != nil || !strings.Contains(res.stdout, "desk-1") || strings.Contains(res.stdout, secret) {
		t.Fatalf("keys list: %v %q", res.err, res.stdout)
	}

	base, logs, stop := startServe(t, dir)
	for _, want := range []string{`"msg":"loaded sample feed"`, `"source":"sample:reports-phones"`, `"msg":"listening"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	// The first row of the phone sample: "0798 936 126", reported on
	// 2025-03-14. Samples are dated as loaded (their own dates would have
	// faded, README "How verdicts are scored"), so a new user sees a live
	// answer.
	var r indicators.Result
	if code := getJSON(t, base+"/v1/check?phone=0798936126", "", &r); code != 200 {
		t.Fatalf("check: %d", code)
	}
	if r.Verdict != indicators.VerdictSuspicious || r.Score == 0 || r.Reports == 0 {
		t.Errorf("sample phone: %+v", r)
	}
	var rec indicators.Record
	if code := getJSON(t, base+"/v1/indicators/phone:+84798936126", secret, &rec); code != 200 || rec.Reports == 0 {
		t.Errorf("sample phone not stored: %d %+v", code, rec)
	}
	if code := getJSON(t, base+"/v1/check?domain=0.watch-video.net", "", &r); code != 200 || r.Verdict == indicators.VerdictUnknown {
		t.Errorf("sample domain: %d %+v", code, r)
	}
	if code := getJSON(t, base+"/v1/check?url=https://www.youtube.com/", "", &r); code != 200 || r.Verdict != indicators.VerdictTrusted {
		t.Errorf("allowlisted url: %d %+v", code, r)
	}
	if code := getJSON(t, base+"/v1/reports", secret, nil); code != 200 {
		t.Errorf("police key from `keys create`: %d", code)
	}
	if code := getJSON(t, base+"/readyz", "", nil); code != 200 {
		t.Errorf("readyz: %d", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v\n%s", err, logs)
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in logs:\n%s", logs)
	}
	if strings.Contains(logs.String(), "0798936126") || strings.Contains(logs.String(), "watch-video") {
		t.Errorf("logs hold a checked value:\n%s", logs)
	}
	if _, err := os.Stat(filepath.Join(dir, "filters.snap")); err != nil {
		t.Errorf("no filter snapshot after shutdown: %v", err)
	}

	// Revoke from the CLI while the server is down; the audit log has both.
	if res := runCLI(t, "", "keys", "revoke", "--data", dir, "desk-1"); res.err != nil {
		t.Fatalf("keys revoke: %v %s", res.err, res.stderr)
	}
	base, logs, stop = startServe(t, dir)
	if strings.Contains(logs.String(), "loaded sample feed") {
		t.Error("samples loaded again into a store that has data")
	}
	r = indicators.Result{}
	if code := getJSON(t, base+"/v1/check?domain=0.watch-video.net", "", &r); code != 200 || r.Verdict == indicators.VerdictUnknown {
		t.Errorf("after restart: %d %+v", code, r)
	}
	if code := getJSON(t, base+"/v1/reports", secret, nil); code != 401 {
		t.Errorf("revoked key: %d, want 401", code)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	st := openData(t, dir)
	page, err := st.ListAudit(context.Background(), indicators.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, e := range page.Entries {
		acts = append(acts, e.Action+"/"+e.Actor)
	}
	if strings.Join(acts, ",") != "key.create/cli,key.revoke/cli" {
		t.Errorf("audit: %v", acts)
	}
}

// TestServeTimeouts: the connection timeouts are serve flags, refused
// before anything is opened when they are too short to be meant, and kept
// when given.
func TestServeTimeouts(t *testing.T) {
	for _, tc := range []struct{ flag, value string }{
		{"--idle-timeout", "30ms"},
		{"--read-timeout", "0s"},
		{"--write-timeout", "-5s"},
	} {
		t.Run(tc.flag+"="+tc.value, func(t *testing.T) {
			data := t.TempDir()
			r := runCLI(t, "", "serve", "--listen", "127.0.0.1:0", "--data", data, tc.flag, tc.value)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.flag+" ") || !strings.Contains(r.err.Error(), "at least 1s") {
				t.Fatalf("serve %s %s: error %v, want one naming the flag and its minimum", tc.flag, tc.value, r.err)
			}
			if ents, _ := os.ReadDir(data); len(ents) > 0 {
				t.Errorf("serve touched the data dir: %v", ents)
			}
		})
	}

	base, _, _ := startServe(t, t.TempDir(), "--no-samples", "--idle-timeout", "1s")
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// With the default of two minutes the test fails here rather than hangs.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	// Two keep-alive requests 0.6s apart: the second moves the wait for a
	// third to a second after it. (Were the slack not scaled down to the
	// short timeout, the move would be within it and not made.)
	rd := bufio.NewReader(conn)
	for i := range 2 {
		if i > 0 {
			time.Sleep(600 * time.Millisecond)
		}
		if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d", i+1, res.StatusCode)
		}
	}
	start := time.Now()
	// Between requests the connection is closed without an answer: there
	// is no request to answer.
	if got, err := io.ReadAll(rd); err != nil || len(got) > 0 {
		t.Fatalf("a silent client got %q, %v; want the connection closed", got, err)
	}
	// The slack is a quarter of the shortest timeout: a deadline falls at
	// most about 0.3s early. The upper bound leaves room for a loaded CI.
	if d := time.Since(start); d < 550*time.Millisecond || d > 4*time.Second {
		t.Errorf("a silent client was dropped %v after its last answer, want about 1s", d)
	}
}
