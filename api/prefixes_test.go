package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/indicators"
)

// prefixList is the JSON answer of GET /v1/prefixes.
type prefixList struct {
	Kind       string  `json:"kind"`
	Generation string  `json:"generation"`
	Checksum   string  `json:"checksum"`
	Count      int     `json:"count"`
	Full       bool    `json:"full"`
	Prefixes   *string `json:"prefixes"`
	Additions  *string `json:"additions"`
	Removals   *string `json:"removals"`
}

// prefixClient is a minimal client of the delta protocol, written from the
// documentation rather than shared with the SDK, so that the two check
// each other.
type prefixClient struct {
	kind string
	gen  string
	set  []uint32
}

func decodeB64Prefixes(t testing.TB, s *string) []uint32 {
	t.Helper()
	if s == nil {
		t.Fatal("missing prefix list")
	}
	b, err := base64.StdEncoding.DecodeString(*s)
	if err != nil {
		t.Fatal(err)
	}
	ps, ok := indicators.DecodePrefixes(b)
	if !ok || !slices.IsSorted(ps) {
		t.Fatalf("prefix list of %d bytes not sorted 4-byte prefixes", len(b))
	}
	return ps
}

// sync fetches the changes since the client's generation, applies them and
// verifies the checksum; it returns the answer.
func (pc *prefixClient) sync(t testing.TB, e *env) prefixList {
	t.Helper()
	q := url.Values{"kind": {pc.kind}}
	if pc.gen != "" {
		q.Set("since", pc.gen)
	}
	var pl prefixList
	e.mustDo(t, "GET", "/v1/prefixes?"+q.Encode(), "", nil, 200, &pl)
	if pl.Full {
		pc.set = decodeB64Prefixes(t, pl.Prefixes)
	} else {
		if pl.Prefixes != nil {
			t.Fatal("a delta carries a full list too")
		}
		pc.set = indicators.ApplyPrefixDelta(pc.set, decodeB64Prefixes(t, pl.Additions), decodeB64Prefixes(t, pl.Removals))
	}
	pc.gen = pl.Generation
	sum := indicators.PrefixChecksum(pc.set)
	if hex.EncodeToString(sum[:]) != pl.Checksum {
		t.Fatalf("after applying (full=%v) the checksum is %x, server says %s", pl.Full, sum, pl.Checksum)
	}
	if len(pc.set) != pl.Count {
		t.Fatalf("client holds %d prefixes, server counts %d", len(pc.set), pl.Count)
	}
	return pl
}

// prefixesOf returns the sorted, distinct prefixes of keys.
func prefixesOf(keys ...indicators.Key) []uint32 {
	out := []uint32{}
	for _, k := range keys {
		out = append(out, indicators.KeyPrefix(k))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func mustKey(t testing.TB, kind indicators.Kind, v string) indicators.Key {
	t.Helper()
	k, err := indicators.Normalize(kind, v)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestPrefixDeltaProtocol(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		e := mustEnv(t, store, nil)
		police := e.secrets[indicators.RolePolice]
		var listed []indicators.Key
		for i := range 20 {
			d := fmt.Sprintf("evil-%02d.vn", i)
			e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"domain": d, "category": "phishing"}, 201, nil)
			listed = append(listed, mustKey(t, indicators.KindDomain, d))
		}
		// A trusted domain is not in the list, nor is another kind.
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"domain": "vietcombank.com.vn", "status": "trusted"}, 201, nil)
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"phone": "0912345678"}, 201, nil)

		pc := &prefixClient{kind: "domain"}
		first := pc.sync(t, e)
		if !first.Full || first.Kind != "domain" {
			t.Fatalf("first sync: full=%v kind=%q", first.Full, first.Kind)
		}
		if !slices.Equal(pc.set, prefixesOf(listed...)) {
			t.Fatalf("set %v, want the prefixes of the 20 listed domains %v", pc.set, prefixesOf(listed...))
		}
		g0 := pc.gen

		// Two additions (one new report, one new indicator) and a delist.
		e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"domain": "new-scam.vn", "channel": "web"}, 201, nil)
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"domain": "other-scam.vn"}, 201, nil)
		e.mustDo(t, "POST", "/v1/indicators/"+url.PathEscape(string(listed[3]))+"/delist", police, map[string]any{"reason": "mistake"}, 200, nil)
		want := slices.Concat(slices.Delete(slices.Clone(listed), 3, 4),
			[]indicators.Key{mustKey(t, indicators.KindDomain, "new-scam.vn"), mustKey(t, indicators.KindDomain, "other-scam.vn")})

		d := pc.sync(t, e)
		if d.Full {
			t.Fatal("a client at a known generation got the full list")
		}
		if got := decodeB64Prefixes(t, d.Additions); len(got) != 2 {
			t.Errorf("additions %v, want 2", got)
		}
		if got := decodeB64Prefixes(t, d.Removals); !slices.Equal(got, prefixesOf(listed[3])) {
			t.Errorf("removals %v, want %v", got, prefixesOf(listed[3]))
		}
		if !slices.Equal(pc.set, prefixesOf(want...)) {
			t.Fatalf("after the delta: %v, want %v", pc.set, prefixesOf(want...))
		}

		// A confirm changes no prefix: same generation, empty delta.
		g1 := pc.gen
		e.mustDo(t, "POST", "/v1/indicators/"+url.PathEscape(string(listed[0]))+"/confirm", police, nil, 200, nil)
		if d := pc.sync(t, e); d.Full || pc.gen != g1 || *d.Additions != "" || *d.Removals != "" {
			t.Errorf("after a confirm: full=%v gen %s→%s additions %q removals %q", d.Full, g1, pc.gen, *d.Additions, *d.Removals)
		}

		// A client still at g0 gets the composed delta.
		old := &prefixClient{kind: "domain", gen: g0, set: prefixesOf(listed...)}
		if d := old.sync(t, e); d.Full || !slices.Equal(old.set, pc.set) {
			t.Errorf("client at g0: full=%v set %v, want %v", d.Full, old.set, pc.set)
		}

		// Unknown generations get the full list.
		for _, since := range []string{"0000000000000000", strings.Repeat("x", 100)} {
			stranger := &prefixClient{kind: "domain", gen: since}
			if d := stranger.sync(t, e); !d.Full || !slices.Equal(stranger.set, pc.set) {
				t.Errorf("since=%.20s: full=%v", since, d.Full)
			}
		}

		// The binary form carries the same set.
		req, _ := http.NewRequest("GET", e.url+"/v1/prefixes?kind=domain", nil)
		req.Header.Set("Accept", "application/octet-stream")
		r := send(t, req)
		got, ok := indicators.DecodePrefixes(r.body)
		if r.status != 200 || !ok || !slices.Equal(got, pc.set) || r.header.Get("Scamcheck-Full") != "true" ||
			r.header.Get("Scamcheck-Generation") != pc.gen || r.header.Get("Scamcheck-Count") != strconv.Itoa(len(pc.set)) {
			t.Errorf("binary: status %d, %d bytes, headers %v", r.status, len(r.body), r.header)
		}
		req, _ = http.NewRequest("GET", e.url+"/v1/prefixes?kind=domain&since="+g0, nil)
		req.Header.Set("Accept", "application/octet-stream")
		r = send(t, req)
		if r.header.Get("Scamcheck-Full") != "false" || r.header.Get("Scamcheck-Additions") != "2" ||
			r.header.Get("Scamcheck-Removals") != "1" || len(r.body) != 12 {
			t.Errorf("binary delta: %d bytes, headers %v", len(r.body), r.header)
		}
	})
}

func TestPrefixesTooOldSince(t *testing.T) {
	e := mustEnv(t, "bolt", func(c *api.Config) { c.Prefixes.History = 2 })
	police := e.secrets[indicators.RolePolice]
	pc := &prefixClient{kind: "phone"}
	pc.sync(t, e)
	g0 := pc.gen
	for _, p := range []string{"0912000001", "0912000002", "0912000003"} {
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"phone": p}, 201, nil)
		pc.sync(t, e) // each read after a write makes a generation
	}
	old := &prefixClient{kind: "phone", gen: g0}
	if d := old.sync(t, e); !d.Full || d.Count != 3 {
		t.Errorf("since a generation beyond the history: full=%v count=%d, want the full list of 3", d.Full, d.Count)
	}
}

// TestPrefixesSeeWritesElsewhere: writes that bypass this server (another
// replica, a CLI import) and expiries show after the periodic rebuild.
func TestPrefixesSeeWritesElsewhere(t *testing.T) {
	now := time.Now()
	e := mustEnv(t, "bolt", func(c *api.Config) { c.Prefixes.Refresh = 20 * time.Millisecond })
	ctx := context.Background()
	k := mustKey(t, indicators.KindURL, "http://evil.vn/login/")
	gone := mustKey(t, indicators.KindURL, "http://expired.vn/")
	rec, exp := indicators.NewRecord(k, "cli", now), indicators.NewRecord(gone, "cli", now)
	exp.ExpiresAt = now.Add(-time.Hour)
	if _, err := e.be.Store.Upsert(ctx, []indicators.Record{rec, exp}); err != nil {
		t.Fatal(err)
	}
	pc := &prefixClient{kind: "url"}
	deadline := time.Now().Add(5 * time.Second)
	for pc.sync(t, e); !slices.Equal(pc.set, prefixesOf(k)); pc.sync(t, e) {
		if time.Now().After(deadline) {
			t.Fatalf("a store write never showed: set %v, want %v", pc.set, prefixesOf(k))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPrefixesAcrossReplicas: two servers over one store name the same set
// by the same generation, so a client may move between them.
func TestPrefixesAcrossReplicas(t *testing.T) {
	var cfg api.Config
	a := mustEnv(t, "redis", func(c *api.Config) { cfg = *c })
	// The write goes through a before b starts: b learns of writes made
	// elsewhere only at its periodic refresh (Prefixes.Refresh), so a write
	// racing b's start-up build would make this test depend on timing.
	a.mustDo(t, "POST", "/v1/indicators", a.secrets[indicators.RolePolice], map[string]any{"url": "http://evil.vn/a"}, 201, nil)
	b := *a
	srv := api.New(cfg)
	if err := srv.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	b.srv, b.url = srv, srv.URL()
	pc := &prefixClient{kind: "url"}
	pa := pc.sync(t, a)
	pb := pc.sync(t, &b)
	if pb.Full || pa.Generation != pb.Generation {
		t.Errorf("replica b: full=%v generation %s, replica a %s", pb.Full, pb.Generation, pa.Generation)
	}
}

func TestHashesFind(t *testing.T) {
	e := mustEnv(t, "bolt", func(c *api.Config) { c.Prefixes.MaxFind = 5; c.Prefixes.CacheSeconds = 42 })
	police := e.secrets[indicators.RolePolice]
	e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"url": "http://evil.vn/login/", "category": "phishing", "status": "confirmed"}, 201, nil)
	e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"domain": "delisted.vn"}, 201, nil)
	e.mustDo(t, "POST", "/v1/indicators/domain:delisted.vn/delist", police, map[string]any{"reason": "x"}, 200, nil)
	e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"domain": "trusted.vn", "status": "trusted"}, 201, nil)
	listed := indicators.Key("url:evil.vn/login/")
	b64 := func(k indicators.Key) string {
		return base64.StdEncoding.EncodeToString(indicators.AppendPrefixes(nil, []uint32{indicators.KeyPrefix(k)}))
	}
	type match struct {
		Hash      string    `json:"hash"`
		Kind      string    `json:"kind"`
		Verdict   string    `json:"verdict"`
		Status    string    `json:"status"`
		Category  string    `json:"category"`
		Reports   int       `json:"reports"`
		FirstSeen time.Time `json:"first_seen"`
	}
	var res struct {
		Matches      []match `json:"matches"`
		CacheSeconds int     `json:"cache_seconds"`
	}
	body := map[string]any{"prefixes": []string{b64(listed), b64("domain:delisted.vn"), b64("domain:trusted.vn"), b64("phone:+84999999999")}}
	r := e.mustDo(t, "POST", "/v1/hashes:find", "", body, 200, &res)
	h := indicators.KeyHash(listed)
	if len(res.Matches) != 1 || res.CacheSeconds != 42 {
		t.Fatalf("matches %+v cache %d, want only the listed URL and 42", res.Matches, res.CacheSeconds)
	}
	m := res.Matches[0]
	if m.Hash != hex.EncodeToString(h[:]) || m.Kind != "url" || m.Verdict != "dangerous" || m.Status != "confirmed" ||
		m.Category != "phishing" || m.Reports != 1 || m.FirstSeen.IsZero() {
		t.Errorf("match %+v", m)
	}
	if bytes.Contains(r.body, []byte("evil.vn")) {
		t.Errorf("the answer names the key: %s", r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "private, max-age=42" {
		t.Errorf("Cache-Control %q", cc)
	}

	// Delisting takes effect at once, between generations.
	e.mustDo(t, "POST", "/v1/indicators/"+url.PathEscape(string(listed))+"/delist", police, map[string]any{"reason": "x"}, 200, nil)
	e.mustDo(t, "POST", "/v1/hashes:find", "", body, 200, &res)
	if len(res.Matches) != 0 {
		t.Errorf("after delist: %+v", res.Matches)
	}

	tests := []struct {
		name string
		body string
		code string
	}{
		{"not base64", `{"prefixes":["!!!!"]}`, api.CodeBadRequest},
		{"wrong length", `{"prefixes":["AAAAAAA="]}`, api.CodeBadRequest},
		{"too many", `{"prefixes":["AAAAAA==","AAAAAQ==","AAAAAg==","AAAAAw==","AAAABA==","AAAABQ=="]}`, api.CodeBatchTooLarge},
		{"unknown field", `{"prefix":["AAAAAA=="]}`, api.CodeBadRequest},
		{"empty body", ``, api.CodeBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, "POST", "/v1/hashes:find", "", tt.body)
			if r.status != 400 || r.errCode() != tt.code {
				t.Errorf("status %d code %q, want 400 %q", r.status, r.errCode(), tt.code)
			}
		})
	}
	var empty struct {
		Matches []match `json:"matches"`
	}
	if e.mustDo(t, "POST", "/v1/hashes:find", "", `{"prefixes":[]}`, 200, &empty); empty.Matches == nil {
		t.Error("matches is null, want []")
	}
}

func TestPrefixesBadInput(t *testing.T) {
	e := mustEnv(t, "bolt", nil)
	tests := []struct {
		query, code string
	}{
		{"", indicators.CodeUnknownKind},
		{"kind=car", indicators.CodeUnknownKind},
		{"kind=url&foo=1", api.CodeBadRequest},
	}
	for _, tt := range tests {
		r := e.do(t, "GET", "/v1/prefixes?"+tt.query, "", nil)
		if r.status != 400 || r.errCode() != tt.code {
			t.Errorf("?%s: status %d code %q, want 400 %q", tt.query, r.status, r.errCode(), tt.code)
		}
	}
}

// TestPrefixEndpointsLogNothing: what a client asked (prefixes, hashes, the
// URL behind them, its generation) never reaches the logs, even at debug
// level and on errors.
func TestPrefixEndpointsLogNothing(t *testing.T) {
	e := mustEnv(t, "bolt", nil)
	police := e.secrets[indicators.RolePolice]
	e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"url": "http://secret-phish.vn/login/"}, 201, nil)
	start := len(e.logs.String())
	k := indicators.Key("url:secret-phish.vn/login/")
	h := indicators.KeyHash(k)
	b64 := base64.StdEncoding.EncodeToString(h[:4])
	pc := &prefixClient{kind: "url"}
	pc.sync(t, e)
	pc.sync(t, e)
	e.mustDo(t, "POST", "/v1/hashes:find", "", map[string]any{"prefixes": []string{b64}}, 200, nil)
	e.do(t, "POST", "/v1/hashes:find", "", `{"prefixes":["`+b64+`","zz"]}`)
	e.do(t, "GET", "/v1/prefixes?kind=url&since="+pc.gen+"&bogus="+b64, "", nil)
	logs := e.logs.String()[start:]
	if !strings.Contains(logs, "/v1/hashes:find") || !strings.Contains(logs, "/v1/prefixes") {
		t.Fatalf("requests were not logged at all (the test would prove nothing): %s", logs)
	}
	for _, secret := range []string{"secret-phish", b64, hex.EncodeToString(h[:4]), hex.EncodeToString(h[:]), pc.gen, "since="} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
}
