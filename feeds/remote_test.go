package feeds

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

func TestParseConfigExample(t *testing.T) {
	c, err := LoadConfig("../testdata/feeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Feeds) < 3 {
		t.Fatalf("%d feeds in the example, want several", len(c.Feeds))
	}
	f := c.Feeds[0]
	if f.Name != "openphish" || time.Duration(f.Interval) != time.Hour || time.Duration(f.Expires) != 30*24*time.Hour {
		t.Errorf("first feed = %+v, want openphish every 1h expiring after 30d", f)
	}
	last := c.Feeds[len(c.Feeds)-1]
	opts, err := last.ImportOptions()
	if err != nil || opts.Status != indicators.StatusConfirmed || opts.Format != FormatCSV || opts.Parse.Map == "" {
		t.Errorf("police feed options = %+v, %v; want confirmed csv with a map", opts, err)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"no name", "feeds:\n  - url: http://a.vn/x\n", "has no name"},
		{"twice", "feeds:\n  - {name: a, url: 'http://a.vn/'}\n  - {name: a, url: 'http://b.vn/'}\n", "used twice"},
		{"ftp", "feeds:\n  - {name: a, url: 'ftp://a.vn/x'}\n", "http or https"},
		{"format", "feeds:\n  - {name: a, url: 'http://a.vn/', format: pdf}\n", "unknown feed format"},
		{"status", "feeds:\n  - {name: a, url: 'http://a.vn/', status: delisted}\n", "want reported or confirmed"},
		{"kind", "feeds:\n  - {name: a, url: 'http://a.vn/', kind: email}\n", "unknown kind"},
		{"interval", "feeds:\n  - {name: a, url: 'http://a.vn/', interval: 3x}\n", "line 2"},
		{"unknown field", "feeds:\n  - {name: a, url: 'http://a.vn/', intervall: 1h}\n", "intervall"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(strings.NewReader(tt.yaml))
			if !errors.Is(err, ErrOption) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrOption mentioning %q", err, tt.want)
			}
		})
	}
}

// feedServer serves a body with an ETag and/or Last-Modified, answering
// conditional requests with 304, and records the validators it was sent.
type feedServer struct {
	mu           sync.Mutex
	body         string
	etag         string // "" sends none
	lastModified string // "" sends none
	status       int    // non-zero: answer with this status
	requests     int
	ifNoneMatch  []string
	ifModSince   []string
}

func (s *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.ifNoneMatch = append(s.ifNoneMatch, r.Header.Get("If-None-Match"))
	s.ifModSince = append(s.ifModSince, r.Header.Get("If-Modified-Since"))
	if s.status != 0 {
		http.Error(w, "down", s.status)
		return
	}
	if s.etag != "" {
		w.Header().Set("ETag", s.etag)
	}
	if s.lastModified != "" {
		w.Header().Set("Last-Modified", s.lastModified)
	}
	inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
	if (s.etag != "" && inm == s.etag) || (s.etag == "" && s.lastModified != "" && ims == s.lastModified) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	io.WriteString(w, s.body)
}

func (s *feedServer) set(f func(*feedServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *feedServer) last() (requests int, inm, ims string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.requests == 0 {
		return 0, "", ""
	}
	return s.requests, s.ifNoneMatch[s.requests-1], s.ifModSince[s.requests-1]
}

func newPoller(t *testing.T, store indicators.Store, client *http.Client) (*Poller, *setPublisher) {
	pub := newSetPublisher()
	return &Poller{Store: store, Publisher: pub, Client: client, Now: fixedNow,
		State:  &StateFile{Path: filepath.Join(t.TempDir(), StateFileName)},
		Logger: slog.New(slog.DiscardHandler)}, pub
}

func TestPollETag(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			fs := &feedServer{body: "0912345678\n0987654321\n", etag: `"v1"`}
			srv := httptest.NewServer(fs)
			defer srv.Close()
			store := sk.open(t)
			p, pub := newPoller(t, store, srv.Client())
			feed := FeedConfig{Name: "phones", URL: srv.URL + "/phones.txt", Format: "plain", Kind: "phone"}

			res, err := p.Poll(context.Background(), feed)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 200 || res.NotModified || res.Summary.Added != 2 {
				t.Fatalf("first poll = %+v, want 200 adding 2", res)
			}
			if _, inm, _ := fs.last(); inm != "" {
				t.Errorf("first poll sent If-None-Match %q", inm)
			}
			if !pub.set.Test("phone:+84987654321") {
				t.Error("first poll's keys not published")
			}
			r := getRecord(t, store, "phone:+84912345678")
			if r == nil || r.Sources[0].Name != "phones" {
				t.Fatalf("record = %+v, want source phones", r)
			}

			res, err = p.Poll(context.Background(), feed)
			if err != nil {
				t.Fatal(err)
			}
			n, inm, _ := fs.last()
			if n != 2 || inm != `"v1"` {
				t.Errorf("second poll: request %d sent If-None-Match %q, want \"v1\"", n, inm)
			}
			if !res.NotModified || res.StatusCode != http.StatusNotModified || res.Summary != (Summary{}) {
				t.Errorf("second poll = %+v, want 304 and no import", res)
			}
			if c, _ := store.Counts(context.Background()); c.Total != 2 {
				t.Errorf("store holds %d after a 304, want 2", c.Total)
			}

			fs.set(func(s *feedServer) { s.body, s.etag = "0912345678\n0987654321\n0900000001\n", `"v2"` })
			res, err = p.Poll(context.Background(), feed)
			if err != nil {
				t.Fatal(err)
			}
			if got := countsOf(res.Summary); got != (counts{Read: 3, Added: 1, Unchanged: 2}) {
				t.Errorf("changed body = %+v, want 1 added, 2 unchanged", got)
			}
			if !pub.set.Test("phone:+84900000001") {
				t.Error("the new key was not published")
			}
			st, err := p.State.Load(context.Background(), "phones")
			if err != nil || st.ETag != `"v2"` || !st.LastImport.Equal(t0) {
				t.Errorf("state = %+v, %v; want etag \"v2\" imported at %s", st, err, t0)
			}
		})
	}
}

func TestPollLastModified(t *testing.T) {
	lm := "Tue, 10 Mar 2026 07:00:00 GMT"
	fs := &feedServer{body: "evil-bank.vn\n", lastModified: lm}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	p, _ := newPoller(t, storeKinds[0].open(t), srv.Client())
	feed := FeedConfig{Name: "domains", URL: srv.URL + "/d.txt"}
	if _, err := p.Poll(context.Background(), feed); err != nil {
		t.Fatal(err)
	}
	res, err := p.Poll(context.Background(), feed)
	if err != nil {
		t.Fatal(err)
	}
	if _, inm, ims := fs.last(); ims != lm || inm != "" || !res.NotModified {
		t.Errorf("second poll sent If-Modified-Since %q, If-None-Match %q (result %+v); want %q, none, 304", ims, inm, res, lm)
	}
	// A changed URL starts afresh: its validators belong to the old one.
	feed.URL = srv.URL + "/d2.txt"
	if _, err := p.Poll(context.Background(), feed); err != nil {
		t.Fatal(err)
	}
	if _, _, ims := fs.last(); ims != "" {
		t.Errorf("poll of a new URL sent If-Modified-Since %q", ims)
	}
}

func TestPollFailureKeepsState(t *testing.T) {
	fs := &feedServer{body: "0912345678\n", etag: `"v1"`}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	p, _ := newPoller(t, storeKinds[0].open(t), srv.Client())
	feed := FeedConfig{Name: "phones", URL: srv.URL + "/p.txt"}
	if _, err := p.Poll(context.Background(), feed); err != nil {
		t.Fatal(err)
	}
	// A new version that is not the stated format: the import fails and the
	// old validators stay, so the next poll fetches the body again.
	fs.set(func(s *feedServer) { s.body, s.etag = "\x00\x01binary", `"v2"` })
	feed.Format = "plain"
	if _, err := p.Poll(context.Background(), feed); !errors.Is(err, ErrFormat) {
		t.Fatalf("err = %v, want ErrFormat", err)
	}
	if st, _ := p.State.Load(context.Background(), "phones"); st.ETag != `"v1"` {
		t.Errorf("etag after a failed import = %q, want \"v1\"", st.ETag)
	}
	fs.set(func(s *feedServer) { s.status = http.StatusServiceUnavailable })
	if _, err := p.Poll(context.Background(), feed); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("err = %v, want HTTP 503", err)
	}
}

func TestRunPollsOnInterval(t *testing.T) {
	fs := &feedServer{body: "0912345678\n", etag: `"v1"`}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	p, _ := newPoller(t, storeKinds[0].open(t), srv.Client())
	p.Now = time.Now // Run waits on real timers
	feeds := []FeedConfig{{Name: "phones", URL: srv.URL + "/p.txt", Interval: Duration(20 * time.Millisecond)}}

	if err := p.Run(context.Background(), feeds, true); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := fs.last(); n != 1 {
		t.Fatalf("--once made %d requests, want 1", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, feeds, false) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if n, _, _ := fs.last(); n >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not poll again within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v after cancel, want nil", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if _, inm, _ := fs.last(); inm != `"v1"` {
		t.Errorf("repeated polls sent If-None-Match %q, want \"v1\"", inm)
	}
}

func TestDropSource(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			store := sk.open(t)
			mustImport(t, store, nil, "0912345678\n0987654321\n", ImportOptions{Source: "s1"})
			mustImport(t, store, nil, "0987654321\n0900000001\n", ImportOptions{Source: "s2"})
			later := t0.Add(time.Hour)
			sum, err := DropSource(context.Background(), store, "s1", later)
			if err != nil {
				t.Fatal(err)
			}
			if sum != (DropSummary{Changed: 2, Delisted: 1}) {
				t.Errorf("drop = %+v, want 2 changed, 1 delisted", sum)
			}
			only := getRecord(t, store, "phone:+84912345678")
			if only.Status != indicators.StatusDelisted || only.Note != "dropped with source s1" || len(only.Sources) != 0 || !only.UpdatedAt.Equal(later) {
				t.Errorf("record only s1 named = %+v, want delisted, noted, no sources", only)
			}
			both := getRecord(t, store, "phone:+84987654321")
			if both.Status != indicators.StatusReported || strings.Join(both.SourceNames(), ",") != "s2" || both.Reports != 1 {
				t.Errorf("record both named = %+v, want reported by s2 alone, 1 report", both)
			}
			if other := getRecord(t, store, "phone:+84900000001"); other.Status != indicators.StatusReported || len(other.Sources) != 1 {
				t.Errorf("record only s2 named = %+v, want untouched", other)
			}
			if again, err := DropSource(context.Background(), store, "s1", later); err != nil || again != (DropSummary{}) {
				t.Errorf("second drop = %+v, %v; want nothing changed", again, err)
			}
			src, err := store.Sources(context.Background())
			if err != nil || src["s1"] != 0 || src["s2"] != 2 {
				t.Errorf("Sources = %v, %v; want s1 gone, s2 naming 2", src, err)
			}
		})
	}
}
