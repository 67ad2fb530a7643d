package feeds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/bloom"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
	"github.com/scamcheck/scamcheck/indicators/redisstore"
	"github.com/scamcheck/scamcheck/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// t0 is the fixed clock of the import tests.
var t0 = time.Date(2026, 3, 10, 8, 30, 0, 0, time.UTC)

func fixedNow() time.Time { return t0 }

// storeKinds are the Stores every pipeline test runs against.
var storeKinds = []struct {
	name string
	open func(t *testing.T) indicators.Store
}{
	{"bolt", func(t *testing.T) indicators.Store {
		s, err := boltstore.Open(t.TempDir(), boltstore.Options{NoSync: true, Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"redis", func(t *testing.T) indicators.Store {
		s := redisstore.New(redistest.Client(t), redisstore.Options{Prefix: redistest.Prefix(t), Now: fixedNow})
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// setPublisher publishes into a bloom.Set, as backend.Backend does for the
// filters of its own process.
type setPublisher struct {
	set   *bloom.Set
	mu    sync.Mutex
	calls int
	keys  int
}

func (p *setPublisher) Publish(_ context.Context, keys []indicators.Key) error {
	p.mu.Lock()
	p.calls++
	p.keys += len(keys)
	p.mu.Unlock()
	p.set.Add(keys...)
	return nil
}

func newSetPublisher() *setPublisher {
	return &setPublisher{set: bloom.New(bloom.Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: 1000}})}
}

// mustImport imports text and fails the test on error.
func mustImport(t *testing.T, store indicators.Store, pub Publisher, text string, opts ImportOptions) Summary {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	sum, err := Import(context.Background(), store, pub, strings.NewReader(text), opts)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return sum
}

// counts is the comparable part of a Summary.
type counts struct{ Read, Added, Updated, Unchanged, Duplicates, Rejected int }

func countsOf(s Summary) counts {
	return counts{s.Read, s.Added, s.Updated, s.Unchanged, s.Duplicates, s.Rejected}
}

func getRecord(t *testing.T, store indicators.Store, key indicators.Key) *indicators.Record {
	t.Helper()
	recs, err := store.Get(context.Background(), []indicators.Key{key})
	if err != nil {
		t.Fatal(err)
	}
	return recs[0]
}

// mixedFeed is a plain list of every kind with a comment, two bad values
// and two repeats of the same phone typed differently.
const mixedFeed = `# test feed
0912 345 678
+84 912-345-678
evil-bank.vn
http://phish.example/login
970436:0011004353201
not a thing
0912.345.678
12
`

func TestImportStores(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			store := sk.open(t)
			pub := newSetPublisher()
			var rej bytes.Buffer
			opts := ImportOptions{Source: "test-feed", Rejects: &rej}
			got := countsOf(mustImport(t, store, pub, mixedFeed, opts))
			want := counts{Read: 8, Added: 4, Duplicates: 2, Rejected: 2}
			if got != want {
				t.Fatalf("first import = %+v, want %+v", got, want)
			}
			wantRej := "line 7\tundetected_kind: not a phone number, bank account, domain or link\tnot a thing\n" +
				"line 9\tphone_too_short: "
			if !strings.HasPrefix(rej.String(), wantRej) || strings.Count(rej.String(), "\n") != 2 {
				t.Errorf("rejects = %q, want 2 lines starting %q", rej.String(), wantRej)
			}
			keys := []indicators.Key{"phone:+84912345678", "domain:evil-bank.vn",
				"url:phish.example/login", "bank_account:970436:0011004353201"}
			for _, k := range keys {
				r := getRecord(t, store, k)
				if r == nil {
					t.Fatalf("%s not stored", k)
				}
				day := t0.Truncate(24 * time.Hour)
				if r.Status != indicators.StatusReported || len(r.Sources) != 1 || r.Sources[0].Name != "test-feed" ||
					!r.Sources[0].FirstSeen.Equal(day) || !r.LastSeen.Equal(day) || !r.ExpiresAt.IsZero() {
					t.Errorf("%s = %+v, want reported, source test-feed seen %s, no expiry", k, r, day)
				}
				if !pub.set.Test(k) {
					t.Errorf("%s not published to the filters", k)
				}
			}
			if pub.keys != 4 {
				t.Errorf("published %d keys, want 4 (the added ones)", pub.keys)
			}

			// The same feed again: nothing changes, and the summary says so.
			rej.Reset()
			sum := mustImport(t, store, pub, mixedFeed, opts)
			if got, want := countsOf(sum), (counts{Read: 8, Unchanged: 4, Duplicates: 2, Rejected: 2}); got != want {
				t.Fatalf("second import = %+v, want %+v", got, want)
			}
			if sum.Changed() {
				t.Error("second import reports a change")
			}
			if pub.keys != 4 {
				t.Errorf("second import published %d more keys", pub.keys-4)
			}

			// Another source naming one known and one new indicator.
			sum = mustImport(t, store, pub, "0912345678\nnew-scam.vn\n", ImportOptions{Source: "other"})
			if got, want := countsOf(sum), (counts{Read: 2, Added: 1, Updated: 1}); got != want {
				t.Fatalf("other source = %+v, want %+v", got, want)
			}
			r := getRecord(t, store, "phone:+84912345678")
			if names := strings.Join(r.SourceNames(), ","); names != "test-feed,other" || r.Reports != 2 {
				t.Errorf("sources = %s, reports %d; want test-feed,other and 2", names, r.Reports)
			}
		})
	}
}

func TestImportFeedDates(t *testing.T) {
	store := storeKinds[0].open(t)
	csv := "reported_at,phone,category,account_name,id\n" +
		"2025-03-14T10:39:43Z,0798 936 126,investment,NGUYEN VAN A,r1\n" +
		",0912345678,,,r2\n"
	mustImport(t, store, nil, csv, ImportOptions{Source: "reports", Category: indicators.CategoryScam})
	r := getRecord(t, store, "phone:+84798936126")
	seen := time.Date(2025, 3, 14, 10, 39, 43, 0, time.UTC)
	if r == nil || !r.FirstSeen.Equal(seen) || !r.Sources[0].LastSeen.Equal(seen) || r.Sources[0].ExternalID != "r1" ||
		r.Category != indicators.CategoryInvestment || r.HolderName != "NGUYEN VAN A" {
		t.Errorf("dated record = %+v, want seen %s, id r1, investment, holder NGUYEN VAN A", r, seen)
	}
	r = getRecord(t, store, "phone:+84912345678")
	if r == nil || r.Category != indicators.CategoryScam || !r.FirstSeen.Equal(t0.Truncate(24*time.Hour)) {
		t.Errorf("undated record = %+v, want the default category scam and the import's day", r)
	}
}

func TestImportConfirmed(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			store := sk.open(t)
			pub := newSetPublisher()
			mustImport(t, store, pub, "0912345678\n", ImportOptions{Source: "public"})
			sum := mustImport(t, store, pub, "0912345678\n0987654321\n",
				ImportOptions{Source: "police-list", Status: indicators.StatusConfirmed, ConfirmedBy: "officer-7"})
			if got, want := countsOf(sum), (counts{Read: 2, Added: 1, Updated: 1}); got != want {
				t.Fatalf("confirmed import = %+v, want %+v", got, want)
			}
			for _, k := range []indicators.Key{"phone:+84912345678", "phone:+84987654321"} {
				r := getRecord(t, store, k)
				if r.Status != indicators.StatusConfirmed || r.ConfirmedBy != "officer-7" || !r.ConfirmedAt.Equal(t0) {
					t.Errorf("%s = %s by %q at %s, want confirmed by officer-7 at %s", k, r.Status, r.ConfirmedBy, r.ConfirmedAt, t0)
				}
			}
			// Updated keys of a confirmed import are published too (1 + 2).
			if pub.keys != 3 {
				t.Errorf("published %d keys, want 3", pub.keys)
			}
			// A later reported import never downgrades.
			mustImport(t, store, pub, "0912345678\n", ImportOptions{Source: "public"})
			if r := getRecord(t, store, "phone:+84912345678"); r.Status != indicators.StatusConfirmed {
				t.Errorf("status after a reported re-import = %s, want confirmed", r.Status)
			}
		})
	}
}

func TestImportExpiry(t *testing.T) {
	store := storeKinds[0].open(t)
	opts := ImportOptions{Source: "f", Expires: 90 * 24 * time.Hour}
	mustImport(t, store, nil, "0912345678\n", opts)
	r := getRecord(t, store, "phone:+84912345678")
	want := t0.Truncate(24 * time.Hour).Add(90 * 24 * time.Hour)
	if !r.ExpiresAt.Equal(want) {
		t.Fatalf("ExpiresAt = %s, want %s", r.ExpiresAt, want)
	}
	if !r.Listed(t0.Add(89*24*time.Hour)) || r.Listed(want) {
		t.Errorf("Listed: want listed 89 days on, not at %s", want)
	}
	// Later the same day: idempotent. The next day: last seen and expiry move.
	opts.Now = func() time.Time { return t0.Add(10 * time.Hour) }
	if got := countsOf(mustImport(t, store, nil, "0912345678\n", opts)); got.Unchanged != 1 {
		t.Errorf("same-day re-import = %+v, want unchanged", got)
	}
	opts.Now = func() time.Time { return t0.Add(24 * time.Hour) }
	if got := countsOf(mustImport(t, store, nil, "0912345678\n", opts)); got.Updated != 1 {
		t.Errorf("next-day re-import = %+v, want updated", got)
	}
	if r := getRecord(t, store, "phone:+84912345678"); !r.ExpiresAt.Equal(want.Add(24 * time.Hour)) {
		t.Errorf("ExpiresAt after next-day re-import = %s, want %s", r.ExpiresAt, want.Add(24*time.Hour))
	}
}

func TestImportOptionErrors(t *testing.T) {
	store := storeKinds[0].open(t)
	tests := []struct {
		name string
		opts ImportOptions
	}{
		{"no source", ImportOptions{}},
		{"delisted status", ImportOptions{Source: "s", Status: indicators.StatusDelisted}},
		{"delisted status", ImportOptions{Source: "s", Status: indicators.StatusDelisted}},
		{"bad category", ImportOptions{Source: "s", Category: "nope"}},
		{"bad kind", ImportOptions{Source: "s", Parse: Options{Kind: "nope"}}},
		{"map on plain", ImportOptions{Source: "s", Format: FormatPlain, Parse: Options{Map: "phone=0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Import(context.Background(), store, nil, strings.NewReader("0912345678\n"), tt.opts)
			if !errors.Is(err, ErrOption) {
				t.Errorf("err = %v, want ErrOption", err)
			}
		})
	}
}

func TestImportWrongFormat(t *testing.T) {
	store := storeKinds[0].open(t)
	sum, err := Import(context.Background(), store, nil, strings.NewReader("0912345678\n0987654321\n"),
		ImportOptions{Source: "s", Format: FormatHosts, Now: fixedNow})
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("err = %v, want ErrFormat naming line 1", err)
	}
	if sum.Added != 0 {
		t.Errorf("a wrong format added %d indicators", sum.Added)
	}
	c, err := store.Counts(context.Background())
	if err != nil || c.Total != 0 {
		t.Errorf("store holds %d records (err %v), want 0", c.Total, err)
	}
}

// TestImportRejectsInOrder checks that the worker pool keeps the rejects
// report in feed order across many chunks.
func TestImportRejectsInOrder(t *testing.T) {
	store := storeKinds[0].open(t)
	var b strings.Builder
	const n = 20 * 300
	for i := range n {
		if i%7 == 0 {
			fmt.Fprintf(&b, "bad value %d\n", i)
		} else {
			fmt.Fprintf(&b, "09%08d\n", i)
		}
	}
	var rej bytes.Buffer
	sum := mustImport(t, store, nil, b.String(), ImportOptions{Source: "s", Rejects: &rej, Workers: 4, BatchSize: 300})
	wantRej := (n + 6) / 7
	if sum.Rejected != wantRej || sum.Added != n-wantRej || sum.Read != n {
		t.Fatalf("summary %+v, want %d rejected, %d added", sum, wantRej, n-wantRej)
	}
	lines := strings.Split(strings.TrimSuffix(rej.String(), "\n"), "\n")
	if len(lines) != wantRej {
		t.Fatalf("%d reject lines, want %d", len(lines), wantRej)
	}
	for i, l := range lines {
		want := fmt.Sprintf("line %d\t", 7*i+1)
		if !strings.HasPrefix(l, want) || !strings.HasSuffix(l, fmt.Sprintf("\tbad value %d", 7*i)) {
			t.Fatalf("reject %d = %q, want prefix %q", i, l, want)
		}
	}
}

// TestImportDedupeCap checks the documented behaviour past the dedupe cap:
// repeats are then merged by the store and counted unchanged, and the
// counts still add up.
func TestImportDedupeCap(t *testing.T) {
	store := storeKinds[0].open(t)
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, "09%08d\n", i)
	}
	feed := b.String() + b.String()
	sum := mustImport(t, store, nil, feed, ImportOptions{Source: "s", DedupeKeys: 1 << 20})
	if got, want := countsOf(sum), (counts{Read: 200, Added: 100, Duplicates: 100}); got != want {
		t.Errorf("uncapped = %+v, want %+v", got, want)
	}
	store = storeKinds[0].open(t)
	sum = mustImport(t, store, nil, feed, ImportOptions{Source: "s", DedupeKeys: 10})
	if got, want := countsOf(sum), (counts{Read: 200, Added: 100, Unchanged: 100}); got != want {
		t.Errorf("capped at 10 = %+v, want %+v", got, want)
	}
}

func TestImportProgress(t *testing.T) {
	store := storeKinds[0].open(t)
	path := filepath.Join(t.TempDir(), "phones.txt")
	var b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&b, "09%08d\n", i)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls []Progress
	sum, err := Import(context.Background(), store, nil, f, ImportOptions{Source: "s", Now: fixedNow,
		ProgressEvery: time.Millisecond, Progress: func(p Progress) { calls = append(calls, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 {
		t.Fatal("Progress never called")
	}
	last := calls[len(calls)-1]
	if last.BytesTotal != int64(b.Len()) || last.BytesRead != int64(b.Len()) || last.Read != sum.Read || last.Added != sum.Added {
		t.Errorf("last progress %+v, want %d bytes of %d and the summary's counts %+v", last, b.Len(), b.Len(), sum)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].Read < calls[i-1].Read || calls[i].BytesRead < calls[i-1].BytesRead {
			t.Fatalf("progress went backwards: %+v then %+v", calls[i-1], calls[i])
		}
	}
}

type failingPublisher struct{}

func (failingPublisher) Publish(context.Context, []indicators.Key) error {
	return errors.New("change log down")
}

func TestImportPublishFailure(t *testing.T) {
	store := storeKinds[0].open(t)
	_, err := Import(context.Background(), store, failingPublisher{}, strings.NewReader("0912345678\n"),
		ImportOptions{Source: "s", Now: fixedNow})
	if err == nil || !strings.Contains(err.Error(), "change log down") {
		t.Errorf("err = %v, want the publisher's error", err)
	}
}

// endlessPhones writes distinct phone lines to w until it is closed.
func endlessPhones(w *io.PipeWriter, limit int) {
	buf := make([]byte, 0, 64<<10)
	for i := 0; limit < 0 || i < limit; i++ {
		buf = fmt.Appendf(buf, "09%08d\n", i%100_000_000)
		if len(buf) > 60<<10 {
			if _, err := w.Write(buf); err != nil {
				return
			}
			buf = buf[:0]
		}
	}
	w.Write(buf)
	w.Close()
}

func TestImportCancel(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			store := sk.open(t)
			pr, pw := io.Pipe()
			defer pr.Close()
			go endlessPhones(pw, -1)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var once sync.Once
			var cancelled time.Time
			sum, err := Import(ctx, store, nil, pr, ImportOptions{Source: "s", Now: fixedNow,
				ProgressEvery: 5 * time.Millisecond, Progress: func(p Progress) {
					if p.Added >= 5000 {
						once.Do(func() { cancelled = time.Now(); cancel() })
					}
				}})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if d := time.Since(cancelled); d > 2*time.Second {
				t.Errorf("Import returned %s after the cancel", d)
			}
			if sum.Added < 5000 || sum.Read < sum.Added {
				t.Errorf("summary %+v, want what was done before the cancel (≥ 5000 added)", sum)
			}
			c, err := store.Counts(context.Background())
			if err != nil || c.Total < sum.Added {
				t.Errorf("store holds %d (err %v), summary says %d added", c.Total, err, sum.Added)
			}
		})
	}
}

// discardStore is a Store that keeps nothing: it isolates the pipeline's own
// memory from the Store's.
type discardStore struct{ indicators.Store }

func (discardStore) Upsert(_ context.Context, recs []indicators.Record) ([]indicators.Change, error) {
	ch := make([]indicators.Change, len(recs))
	for i := range ch {
		ch[i] = indicators.ChangeAdded
	}
	return ch, nil
}

// TestImportMemoryFlat streams a million-line phone list through a pipe and
// samples the heap while the import runs: memory must not grow with the
// file. The bound is loose (the dedupe set alone takes ~20 MB for 1M keys)
// but a pipeline that buffered the file would pass it several times over.
func TestImportMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("imports a million lines")
	}
	const lines = 1_000_000
	const bound = 200 << 20
	pr, pw := io.Pipe()
	defer pr.Close()
	go endlessPhones(pw, lines)
	runtime.GC()
	var ms runtime.MemStats
	var peak uint64
	sample := func() {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	sum, err := Import(context.Background(), discardStore{}, nil, pr, ImportOptions{Source: "s", Now: fixedNow,
		ProgressEvery: 50 * time.Millisecond, Progress: func(Progress) { sample() }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != lines {
		t.Fatalf("added %d, want %d", sum.Added, lines)
	}
	t.Logf("peak heap in use %d MB over %d lines (%.0f lines/s)", peak>>20, lines, sum.Rate())
	if peak > bound {
		t.Errorf("peak heap in use %d MB, want < %d MB", peak>>20, bound>>20)
	}
}

// TestImportSamples pins the counts of importing the real samples (the
// repo's copies in testdata/feeds and the full ones in ../shared/data, when
// present) into a fresh store, twice: the second import must change nothing.
func TestImportSamples(t *testing.T) {
	tests := []struct {
		path string
		opts ImportOptions
		want counts
	}{
		{sampleDir + "/chongluadao-blacklist.json", ImportOptions{}, counts{Read: 787, Added: 778, Duplicates: 9}},
		{sampleDir + "/phishtank-verified-online.csv", ImportOptions{}, counts{Read: 699, Added: 569, Duplicates: 130}},
		{sampleDir + "/openphish-feed.txt", ImportOptions{}, counts{Read: 500, Added: 500}},
		{sampleDir + "/reports-phones.csv", ImportOptions{}, counts{Read: 1000, Added: 939, Duplicates: 52, Rejected: 9}},
		{sampleDir + "/reports-accounts.csv", ImportOptions{}, counts{Read: 800, Added: 750, Duplicates: 43, Rejected: 7}},
		{sampleDir + "/stix-bundle.json", ImportOptions{}, counts{Read: 15, Added: 9, Rejected: 6}},
		{sampleDir + "/misp-event.json", ImportOptions{}, counts{Read: 8, Added: 5, Rejected: 3}},
		{sampleDir + "/urlhaus.csv", ImportOptions{}, counts{Read: 6, Added: 4, Rejected: 2}},
		{sampleDir + "/chongluadao-urls-abp.txt", ImportOptions{}, counts{Read: 2989, Added: 2989}},
		{"../../shared/data/domains/chongluadao/7zones-blacklist.json", ImportOptions{}, counts{Read: 787, Added: 778, Duplicates: 9}},
		{"../../shared/data/domains/chongluadao/urls.txt", ImportOptions{Parse: Options{Kind: indicators.KindDomain}}, counts{Read: 19919, Added: 16957, Duplicates: 2962}},
		{"../../shared/data/domains/phishtank/verified_online.csv", ImportOptions{}, counts{Read: 5000, Added: 4546, Duplicates: 454}},
		{"../../shared/data/reports/phones-reported.csv", ImportOptions{}, counts{Read: 5000, Added: 4721, Duplicates: 237, Rejected: 42}},
		{"../../shared/data/reports/accounts-reported.csv", ImportOptions{}, counts{Read: 3000, Added: 2823, Duplicates: 153, Rejected: 24}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			f, err := os.Open(tt.path)
			if errors.Is(err, os.ErrNotExist) && strings.HasPrefix(tt.path, "../../shared") {
				t.Skipf("%s not present", tt.path)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			store := storeKinds[0].open(t)
			opts := tt.opts
			opts.Source, opts.Now = "sample", fixedNow
			sum, err := Import(context.Background(), store, nil, f, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := countsOf(sum); got != tt.want {
				t.Errorf("first import = %+v, want %+v", got, tt.want)
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			again, err := Import(context.Background(), store, nil, f, opts)
			if err != nil {
				t.Fatal(err)
			}
			if again.Changed() || again.Unchanged != sum.Added+sum.Updated+sum.Unchanged {
				t.Errorf("second import = %+v, want every indicator unchanged", countsOf(again))
			}
		})
	}
}

func TestKeySet(t *testing.T) {
	s := newKeySet(1 << 20)
	const n = 100_000 // grows the table several times
	key := func(i int) indicators.Key { return indicators.Key(fmt.Sprintf("phone:+8491%07d", i)) }
	for i := range n {
		if s.seen(key(i)) {
			t.Fatalf("key %d seen before it was added", i)
		}
	}
	for i := range n {
		if !s.seen(key(i)) {
			t.Fatalf("key %d not seen after it was added", i)
		}
	}
	if s.n != n || s.n*4 >= len(s.slots)*3 {
		t.Errorf("%d keys in %d slots", s.n, len(s.slots))
	}
}

// An allowlist imports as trusted records with no report count, and a
// second import of it changes nothing; it never turns a reported key into
// a trusted one.
func TestImportTrusted(t *testing.T) {
	ctx := context.Background()
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reported := indicators.NewRecord("domain:bi-bao-cao.vn", "hotline", time.Now())
	if _, err := st.Upsert(ctx, []indicators.Record{reported}); err != nil {
		t.Fatal(err)
	}
	list := "vietcombank.com.vn\nchinhphu.vn\nbi-bao-cao.vn\n"
	opts := ImportOptions{Source: "tin-nhiem-mang", Status: indicators.StatusTrusted, Format: FormatPlain,
		Parse: Options{Kind: indicators.KindDomain}}
	sum, err := Import(ctx, st, nil, strings.NewReader(list), opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 2 || sum.Updated != 1 {
		t.Fatalf("first import: %+v, want 2 added and the reported key updated (source added)", sum)
	}
	again, err := Import(ctx, st, nil, strings.NewReader(list), opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Changed() {
		t.Fatalf("second import changed something: %+v", again)
	}
	recs, err := st.Get(ctx, []indicators.Key{"domain:vietcombank.com.vn", "domain:bi-bao-cao.vn"})
	if err != nil {
		t.Fatal(err)
	}
	if r := recs[0]; r == nil || r.Status != indicators.StatusTrusted || r.Reports != 0 {
		t.Fatalf("allowlisted record = %+v", r)
	}
	if r := recs[1]; r == nil || r.Status != indicators.StatusReported {
		t.Fatalf("a report must stay a report: %+v", r)
	}
}
