package trends_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
	"github.com/scamcheck/scamcheck/indicators/redisstore"
	"github.com/scamcheck/scamcheck/internal/redistest"
	"github.com/scamcheck/scamcheck/trends"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// clock is an injected clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// backendCase opens a fresh State and WarningStore of one mode.
type backendCase struct {
	name string
	open func(t *testing.T) (trends.State, indicators.WarningStore)
}

func backends() []backendCase {
	return []backendCase{
		{"embedded", func(t *testing.T) (trends.State, indicators.WarningStore) {
			bs, err := boltstore.Open(t.TempDir(), boltstore.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { bs.Close() })
			st, err := trends.NewBolt(bs.DB())
			if err != nil {
				t.Fatal(err)
			}
			return st, bs
		}},
		{"redis", func(t *testing.T) (trends.State, indicators.WarningStore) {
			c := redistest.Client(t)
			prefix := redistest.Prefix(t)
			rs := redisstore.New(c, redisstore.Options{Prefix: prefix})
			return trends.NewRedis(c, prefix), rs
		}},
	}
}

var t0 = time.Date(2026, 9, 14, 9, 0, 0, 0, time.UTC)

func newDetector(t *testing.T, st trends.State, ws indicators.WarningStore, clk *clock, cfg trends.Config) *trends.Detector {
	t.Helper()
	cfg.Secret = []byte("test secret")
	cfg.Now = clk.Now
	cfg.Logger = slog.New(slog.DiscardHandler)
	d, err := trends.New(st, ws, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func drafts(t *testing.T, ws indicators.WarningStore, rule string) []indicators.Warning {
	t.Helper()
	page, err := ws.ListWarnings(context.Background(), indicators.WarningFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []indicators.Warning
	for _, w := range page.Warnings {
		if w.Rule == rule {
			out = append(out, w)
		}
	}
	return out
}

func checkDraft(t *testing.T, w indicators.Warning, rule string) {
	t.Helper()
	if w.Status != indicators.WarningDraft || w.Author != trends.Author || w.Rule != rule || len(w.Keys) == 0 || w.TitleVI == "" {
		t.Errorf("draft = %+v, want a %s draft by %s with keys and a title", w, rule, trends.Author)
	}
}

const victim = indicators.Key("phone:+84912345678")

func TestReporters(t *testing.T) {
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			ctx := context.Background()
			tests := []struct {
				name      string
				reporters int // distinct reporters
				reports   int // reports in all, round-robin over reporters
				want      int
			}{
				{"ten distinct reporters make one draft", 10, 10, 1},
				{"more reporters keep one draft", 25, 25, 1},
				{"nine are below the threshold", 9, 9, 0},
				{"one reporter sending 100 reports is one", 1, 100, 0},
				{"three reporters sending 60 reports are three", 3, 60, 0},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					st, ws := bc.open(t)
					clk := &clock{t: t0}
					d := newDetector(t, st, ws, clk, trends.Config{})
					for i := range tt.reports {
						clk.Add(time.Minute)
						ev := trends.ReportEvent{Keys: []indicators.Key{victim}, Reporter: fmt.Sprintf("app:user-%d", i%tt.reporters),
							Category: indicators.Category("impersonation"), At: clk.Now()}
						if err := d.Report(ctx, ev); err != nil {
							t.Fatal(err)
						}
					}
					got := drafts(t, ws, trends.RuleReporters)
					if len(got) != tt.want {
						t.Fatalf("%d drafts, want %d: %+v", len(got), tt.want, got)
					}
					for _, w := range got {
						checkDraft(t, w, trends.RuleReporters)
						if !slices.Equal(w.Keys, []indicators.Key{victim}) {
							t.Errorf("keys = %v, want [%s]", w.Keys, victim)
						}
					}
				})
			}
		})
	}
}

// TestReportersWindow: reporters spread thinner than the window allows do
// not add up; the current and previous window do.
func TestReportersWindow(t *testing.T) {
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			ctx := context.Background()
			st, ws := bc.open(t)
			clk := &clock{t: t0}
			d := newDetector(t, st, ws, clk, trends.Config{ReporterWindow: time.Hour})
			// One new reporter every 40 minutes: never ten within two
			// windows.
			for i := range 20 {
				clk.Add(40 * time.Minute)
				if err := d.Report(ctx, trends.ReportEvent{Keys: []indicators.Key{victim}, Reporter: fmt.Sprint("ip:10.0.0.", i), At: clk.Now()}); err != nil {
					t.Fatal(err)
				}
			}
			if got := drafts(t, ws, trends.RuleReporters); len(got) != 0 {
				t.Fatalf("slow trickle drafted %d warnings", len(got))
			}
			// Five just before a window boundary and five just after.
			clk.t = t0.Add(100*time.Hour - 10*time.Minute)
			for i := range 10 {
				clk.Add(2 * time.Minute)
				if err := d.Report(ctx, trends.ReportEvent{Keys: []indicators.Key{victim}, Reporter: fmt.Sprint("ip:10.1.0.", i), At: clk.Now()}); err != nil {
					t.Fatal(err)
				}
			}
			if got := drafts(t, ws, trends.RuleReporters); len(got) != 1 {
				t.Fatalf("a wave across a window boundary drafted %d warnings, want 1", len(got))
			}
		})
	}
}

func hit(k indicators.Key) *indicators.Result {
	return &indicators.Result{Input: k.Value(), Key: k, Kind: k.Kind(), Status: indicators.StatusReported, Verdict: indicators.VerdictSuspicious}
}

func TestSurge(t *testing.T) {
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			ctx := context.Background()
			st, ws := bc.open(t)
			clk := &clock{t: t0}
			d := newDetector(t, st, ws, clk, trends.Config{})
			minute := func(n int) {
				for range n {
					d.Check(hit(victim))
				}
				if err := d.Flush(ctx); err != nil {
					t.Fatal(err)
				}
				clk.Add(time.Minute)
			}
			// A busy but steady indicator: 20 a minute for 40 minutes.
			for range 40 {
				minute(20)
			}
			// 40 is above the minimum count but not far above 20.
			minute(40)
			if got := drafts(t, ws, trends.RuleSurge); len(got) != 0 {
				t.Fatalf("steady traffic drafted %d surge warnings", len(got))
			}
			// 200 in a minute is a surge; it stays one warning.
			minute(200)
			minute(250)
			got := drafts(t, ws, trends.RuleSurge)
			if len(got) != 1 {
				t.Fatalf("%d surge drafts, want 1", len(got))
			}
			checkDraft(t, got[0], trends.RuleSurge)
			// Checks that did not hit, and trusted hits, never count.
			quiet := indicators.Key("phone:+84987654321")
			for range 100 {
				d.Check(&indicators.Result{Key: quiet, Kind: indicators.KindPhone, Verdict: indicators.VerdictUnknown})
				d.Check(&indicators.Result{Key: quiet, Kind: indicators.KindPhone, Status: indicators.StatusTrusted, Verdict: indicators.VerdictTrusted})
			}
			if err := d.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if got := drafts(t, ws, trends.RuleSurge); len(got) != 1 {
				t.Fatalf("misses and trusted hits drafted: %d surge drafts", len(got))
			}
			if d.Dropped() != 0 {
				t.Errorf("dropped %d checks with a roomy queue", d.Dropped())
			}
		})
	}
}

func lookalike(domain, of string) *indicators.Result {
	k := indicators.Key("domain:" + domain)
	return &indicators.Result{Input: domain, Key: k, Kind: indicators.KindDomain, Verdict: indicators.VerdictSuspicious, LookalikeOf: of}
}

func TestLookalikeWave(t *testing.T) {
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			tests := []struct {
				name    string
				domains []string
				gap     time.Duration
				want    int
			}{
				{"four within a day", []string{"vietcombank-vn.com", "vietcornbank.com.vn", "vcb-online.net", "vietcombank.com.vn.login-vcb.top"}, 3 * time.Hour, 1},
				{"six within a day stay one wave", []string{"a-vietcombank.com", "b-vietcombank.com", "c-vietcombank.com", "d-vietcombank.com", "e-vietcombank.com", "f-vietcombank.com"}, time.Hour, 1},
				{"three are not a wave", []string{"vietcombank-vn.com", "vietcornbank.com.vn", "vcb-online.net"}, time.Hour, 0},
				{"the same lookalike checked often is one", []string{"vcb-online.net", "vcb-online.net", "vcb-online.net", "vcb-online.net", "vcb-online.net"}, time.Minute, 0},
				{"four spread over four days are not a wave", []string{"vietcombank-vn.com", "vietcornbank.com.vn", "vcb-online.net", "vcb-login.top"}, 25 * time.Hour, 0},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					ctx := context.Background()
					st, ws := bc.open(t)
					clk := &clock{t: t0}
					d := newDetector(t, st, ws, clk, trends.Config{})
					for _, dom := range tt.domains {
						d.Check(lookalike(dom, "vietcombank.com.vn"))
						// Another brand's lookalike must not join the wave.
						d.Check(lookalike("x"+dom, "techcombank.com.vn"))
						if err := d.Flush(ctx); err != nil {
							t.Fatal(err)
						}
						clk.Add(tt.gap)
					}
					got := drafts(t, ws, trends.RuleLookalikes)
					var ours []indicators.Warning
					for _, w := range got {
						if strings.Contains(w.TitleEN, "vietcombank.com.vn") {
							ours = append(ours, w)
						}
					}
					if len(ours) != tt.want {
						t.Fatalf("%d vietcombank wave drafts, want %d (all lookalike drafts: %d)", len(ours), tt.want, len(got))
					}
					for _, w := range ours {
						checkDraft(t, w, trends.RuleLookalikes)
						if len(w.Keys) < 4 {
							t.Errorf("wave links %d domains, want at least 4: %v", len(w.Keys), w.Keys)
						}
					}
				})
			}
		})
	}
}

// csvReport is one row of the synthetic accounts-reported.csv.
type csvReport struct {
	at     time.Time
	key    indicators.Key
	holder string
}

func loadAccountReports(t *testing.T) []csvReport {
	t.Helper()
	f, err := os.Open("../../shared/data/reports/accounts-reported.csv")
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("../../shared/data/reports/accounts-reported.csv is not here")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []csvReport
	skipped := 0
	for _, r := range rows[1:] {
		at, err := time.Parse(time.RFC3339, r[0])
		if err != nil {
			t.Fatal(err)
		}
		k, err := indicators.NormalizeBankAccount(r[1], r[2])
		if err != nil {
			skipped++
			continue
		}
		out = append(out, csvReport{at: at, key: k, holder: r[3]})
	}
	if len(out) < 2500 {
		t.Fatalf("only %d of %d rows normalized", len(out), len(rows)-1)
	}
	return out
}

// TestMuleRing feeds the synthetic account reports in time order with an
// injected ring: one holder, spelled three ways, on four accounts at four
// banks within three days.
func TestMuleRing(t *testing.T) {
	reports := loadAccountReports(t)
	ringAt := time.Date(2025, 6, 10, 8, 0, 0, 0, time.UTC)
	ring := []struct{ bank, account, holder string }{
		{"VCB", "0071000999001", "Trịnh Văn Vòng"},
		{"TCB", "19036677889900", "TRINH VAN VONG"},
		{"MB", "0988777666555", "trinh  van vong"},
		{"ACB", "88997766", "Trịnh Văn Vòng"},
	}
	var ringKeys []indicators.Key
	for i, r := range ring {
		k, err := indicators.NormalizeBankAccount(r.bank, r.account)
		if err != nil {
			t.Fatal(err)
		}
		ringKeys = append(ringKeys, k)
		reports = append(reports, csvReport{at: ringAt.Add(time.Duration(i) * 18 * time.Hour), key: k, holder: r.holder})
	}
	sort.SliceStable(reports, func(i, j int) bool { return reports[i].at.Before(reports[j].at) })
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			ctx := context.Background()
			st, ws := bc.open(t)
			clk := &clock{t: reports[0].at}
			d := newDetector(t, st, ws, clk, trends.Config{})
			for i, r := range reports {
				clk.t = r.at
				ev := trends.ReportEvent{Keys: []indicators.Key{r.key}, Reporter: fmt.Sprint("r", i), HolderName: r.holder, At: r.at}
				if err := d.Report(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			got := drafts(t, ws, trends.RuleMuleRing)
			var found int
			for _, w := range got {
				checkDraft(t, w, trends.RuleMuleRing)
				if strings.Contains(w.TitleEN, "TRINH VAN VONG") {
					found++
					for _, k := range ringKeys[:3] {
						if !slices.Contains(w.Keys, k) {
							t.Errorf("ring draft misses %s: %v", k, w.Keys)
						}
					}
				}
			}
			if found != 1 {
				t.Fatalf("%d drafts for the injected ring, want 1", found)
			}
			// Common names recur across a year of reports; within a week
			// they rarely do, so the ring stands out.
			t.Logf("%d mule-ring drafts over %d reports", len(got), len(reports))
			if len(got) > 20 {
				t.Errorf("%d mule-ring drafts: the rule is too noisy to be useful", len(got))
			}
		})
	}
}

// blockingState holds every Rate call until released, standing in for a
// stalled Redis so that the check path can be shown not to wait for it.
type blockingState struct {
	trends.State
	release chan struct{}
}

func (b *blockingState) Rate(ctx context.Context, name string, minute time.Time, n int64, alpha float64, ttl time.Duration) (int64, float64, error) {
	<-b.release
	return b.State.Rate(ctx, name, minute, n, alpha, ttl)
}

func TestCheckNeverBlocks(t *testing.T) {
	st := &blockingState{State: trends.NewMemory(), release: make(chan struct{})}
	bs, err := boltstore.Open(t.TempDir(), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bs.Close() })
	clk := &clock{t: t0}
	d := newDetector(t, st, bs, clk, trends.Config{QueueSize: 16, FlushInterval: time.Millisecond})
	start := time.Now()
	for range 100000 {
		d.Check(hit(victim))
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("100000 checks took %v with the state stalled", el)
	}
	if d.Dropped() == 0 {
		t.Error("nothing dropped although the state was stalled and the queue holds 16")
	}
	close(st.release)
}

// TestReporterIDNotStored: only the keyed hash of a reporter id is kept.
func TestReporterIDNotStored(t *testing.T) {
	ctx := context.Background()
	const who = "hotline:+84905551234"
	t.Run("embedded", func(t *testing.T) {
		dir := t.TempDir()
		bs, err := boltstore.Open(dir, boltstore.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { bs.Close() })
		st, err := trends.NewBolt(bs.DB())
		if err != nil {
			t.Fatal(err)
		}
		clk := &clock{t: t0}
		d := newDetector(t, st, bs, clk, trends.Config{})
		if err := d.Report(ctx, trends.ReportEvent{Keys: []indicators.Key{victim}, Reporter: who, At: t0}); err != nil {
			t.Fatal(err)
		}
		if err := st.Save(ctx); err != nil {
			t.Fatal(err)
		}
		raw := dumpDir(t, dir)
		if strings.Contains(raw, who) || strings.Contains(raw, "905551234") {
			t.Error("the raw reporter id is in the embedded file")
		}
		if !strings.Contains(raw, string(victim)) {
			t.Error("the saved state does not even name the indicator: the check above proves nothing")
		}
	})
	t.Run("redis", func(t *testing.T) {
		c := redistest.Client(t)
		prefix := redistest.Prefix(t)
		st := trends.NewRedis(c, prefix)
		clk := &clock{t: t0}
		d := newDetector(t, st, redisstore.New(c, redisstore.Options{Prefix: prefix}), clk, trends.Config{})
		if err := d.Report(ctx, trends.ReportEvent{Keys: []indicators.Key{victim}, Reporter: who, At: t0}); err != nil {
			t.Fatal(err)
		}
		keys, err := c.Keys(ctx, prefix+":trends:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) == 0 {
			t.Fatal("no trend keys written")
		}
		for _, k := range keys {
			v, _ := c.Dump(ctx, k).Result()
			if strings.Contains(k, "905551234") || strings.Contains(v, "905551234") {
				t.Errorf("key %s holds the raw reporter id", k)
			}
		}
	})
}

// dumpDir returns every byte of the files in dir.
func dumpDir(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sb.Write(b)
	}
	return sb.String()
}

// TestEmbeddedRestart: the embedded counts survive a restart, so a wave
// that straddles one is still seen.
func TestEmbeddedRestart(t *testing.T) {
	ctx := context.Background()
	bs, err := boltstore.Open(t.TempDir(), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bs.Close() })
	clk := &clock{t: t0}
	report := func(d *trends.Detector, from, to int) {
		for i := from; i < to; i++ {
			clk.Add(time.Minute)
			if err := d.Report(ctx, trends.ReportEvent{Keys: []indicators.Key{victim}, Reporter: fmt.Sprint("u", i), At: clk.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for run, span := range [][2]int{{0, 6}, {6, 10}} {
		st, err := trends.NewBolt(bs.DB())
		if err != nil {
			t.Fatal(err)
		}
		d := newDetector(t, st, bs, clk, trends.Config{})
		report(d, span[0], span[1])
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		want := run // a draft only once all ten reported
		if got := drafts(t, bs, trends.RuleReporters); len(got) != want {
			t.Fatalf("run %d: %d drafts, want %d", run, len(got), want)
		}
	}
}

func TestNewNeedsSecret(t *testing.T) {
	bs, err := boltstore.Open(t.TempDir(), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bs.Close() })
	if _, err := trends.New(trends.NewMemory(), bs, trends.Config{}); !errors.Is(err, trends.ErrNoSecret) {
		t.Fatalf("New without a secret: %v, want ErrNoSecret", err)
	}
}

func TestNormalizeHolder(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Nguyễn  Văn An", "NGUYEN VAN AN"},
		{"NGUYEN VAN AN", "NGUYEN VAN AN"},
		{" đỗ thị   Hồng ", "DO THI HONG"},
		{"Đặng Đức", "DANG DUC"},
		{"   ", ""},
	}
	for _, tt := range tests {
		if got := trends.NormalizeHolder(tt.in); got != tt.want {
			t.Errorf("NormalizeHolder(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestLookalikeLinksCountByDomain: many links on one lookalike domain are
// one domain of the wave.
func TestLookalikeLinksCountByDomain(t *testing.T) {
	ctx := context.Background()
	bs, err := boltstore.Open(t.TempDir(), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bs.Close() })
	clk := &clock{t: t0}
	d := newDetector(t, trends.NewMemory(), bs, clk, trends.Config{})
	for _, path := range []string{"/a", "/b", "/c", "/d", "/e"} {
		u := "https://vietcombank-vn.com" + path
		p, err := indicators.ParseAs(indicators.KindURL, u)
		if err != nil {
			t.Fatal(err)
		}
		d.Check(&indicators.Result{Input: u, Key: p.Key, Kind: indicators.KindURL, Verdict: indicators.VerdictSuspicious, LookalikeOf: "vietcombank.com.vn"})
	}
	if err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := drafts(t, bs, trends.RuleLookalikes); len(got) != 0 {
		t.Fatalf("five links on one domain made a wave: %+v", got)
	}
}

func BenchmarkCheck(b *testing.B) {
	bs, err := boltstore.Open(b.TempDir(), boltstore.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { bs.Close() })
	d, err := trends.New(trends.NewMemory(), bs, trends.Config{Secret: []byte("s")})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	r := hit(victim)
	b.ReportAllocs()
	for b.Loop() {
		d.Check(r)
	}
	b.ReportMetric(float64(d.Dropped()), "dropped")
}
