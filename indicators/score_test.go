package indicators_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/bloom"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
)

const day = 24 * time.Hour

// scored builds a record of kind last seen at t0 with reports reports, one
// from each named source (the rest repeat the first).
func scored(kind indicators.Kind, status indicators.Status, reports int, sources ...string) indicators.Record {
	values := map[indicators.Kind]string{
		indicators.KindPhone:       "phone:+84912345678",
		indicators.KindBankAccount: "bank_account:970436:0011004353201",
		indicators.KindDomain:      "domain:evil-bank.com.vn",
		indicators.KindURL:         "url:http://phish.example.vn/login",
	}
	r := indicators.Record{Key: indicators.Key(values[kind]), Kind: kind, Status: status,
		Reports: reports, FirstSeen: t0, LastSeen: t0}
	for _, s := range sources {
		r.Sources = append(r.Sources, indicators.Source{Name: s, FirstSeen: t0, LastSeen: t0})
	}
	return r
}

func TestScore(t *testing.T) {
	phone := func(reports int, sources ...string) indicators.Record {
		return scored(indicators.KindPhone, indicators.StatusReported, reports, sources...)
	}
	newerSource := phone(1, "citizen:web")
	newerSource.Sources[0].LastSeen = t0.Add(30 * day)
	tests := []struct {
		name    string
		scoring indicators.Scoring
		rec     indicators.Record
		age     time.Duration
		want    float64
	}{
		{"confirmed", indicators.Scoring{}, scored(indicators.KindPhone, indicators.StatusConfirmed, 1, "police"), 0, 100},
		{"confirmed never fades", indicators.Scoring{}, scored(indicators.KindPhone, indicators.StatusConfirmed, 1), 10 * 365 * day, 100},
		{"trusted is not scored", indicators.Scoring{}, scored(indicators.KindDomain, indicators.StatusTrusted, 1, "allowlist"), 0, 0},
		{"delisted is not scored", indicators.Scoring{}, scored(indicators.KindPhone, indicators.StatusDelisted, 9, "citizen:web"), 0, 0},
		{"one report", indicators.Scoring{}, phone(1, "citizen:web"), 0, 35},
		{"no count or source still one report", indicators.Scoring{}, phone(0), 0, 35},
		{"two reports", indicators.Scoring{}, phone(2, "citizen:web"), 0, 57},
		{"three reports", indicators.Scoring{}, phone(3, "citizen:web"), 0, 72},
		{"two reports two sources", indicators.Scoring{}, phone(2, "citizen:web", "citizen:zalo"), 0, 65},
		{"three reports three sources", indicators.Scoring{}, phone(3, "a", "b", "c"), 0, 82},
		{"trusted feed", indicators.Scoring{}, phone(1, "openphish"), 0, 57},
		{"trusted feed prefix, any case", indicators.Scoring{}, phone(1, "ChongLuaDao-api"), 0, 57},
		{"trusted feed among others", indicators.Scoring{}, phone(2, "citizen:web", "phishtank"), 0, 77},
		{"saturates below confirmed", indicators.Scoring{}, phone(100, "a", "b", "c", "d"), 0, 99},
		{"phone after one half-life", indicators.Scoring{}, phone(1, "citizen:web"), 30 * day, 17},
		{"phone after two half-lives", indicators.Scoring{}, phone(3, "citizen:web"), 60 * day, 18},
		{"bank account after 30 days", indicators.Scoring{}, scored(indicators.KindBankAccount, indicators.StatusReported, 1, "citizen:web"), 30 * day, 27},
		{"url after 30 days", indicators.Scoring{}, scored(indicators.KindURL, indicators.StatusReported, 1, "citizen:web"), 30 * day, 24},
		{"domain after 30 days", indicators.Scoring{}, scored(indicators.KindDomain, indicators.StatusReported, 1, "citizen:web"), 30 * day, 31},
		{"seen in the future does not boost", indicators.Scoring{}, phone(1, "citizen:web"), -5 * day, 35},
		{"a source seen later refreshes", indicators.Scoring{}, newerSource, 30 * day, 35},
		{"custom half-life", indicators.Scoring{HalfLife: map[indicators.Kind]time.Duration{indicators.KindPhone: day}}, phone(1, "citizen:web"), day, 17},
		{"custom half-life of another kind keeps the default", indicators.Scoring{HalfLife: map[indicators.Kind]time.Duration{indicators.KindDomain: day}}, phone(1, "citizen:web"), 30 * day, 17},
		{"no trusted feeds", indicators.Scoring{TrustedSources: []string{}}, phone(1, "openphish"), 0, 35},
		{"own trusted feeds", indicators.Scoring{TrustedSources: []string{"bank-cert"}}, phone(1, "bank-cert:vcb"), 0, 57},
		{"custom step", indicators.Scoring{Step: 0.5}, phone(1, "citizen:web"), 0, 50},
		{"custom weights", indicators.Scoring{SourceWeight: 1, TrustedWeight: 2}, phone(2, "citizen:web", "openphish"), 0, 88},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.scoring.Score(&tt.rec, t0.Add(tt.age)); got != tt.want {
				t.Errorf("Score(%+v at +%v) = %v, want %v", tt.rec, tt.age, got, tt.want)
			}
		})
	}
}

func TestScoringVerdictFor(t *testing.T) {
	strict := indicators.Scoring{Dangerous: 90, Suspicious: 50}
	tests := []struct {
		scoring indicators.Scoring
		score   float64
		want    indicators.Verdict
	}{
		{indicators.Scoring{}, 100, indicators.VerdictDangerous},
		{indicators.Scoring{}, 70, indicators.VerdictDangerous},
		{indicators.Scoring{}, 69, indicators.VerdictSuspicious},
		{indicators.Scoring{}, 20, indicators.VerdictSuspicious},
		{indicators.Scoring{}, 19, indicators.VerdictUnknown},
		{indicators.Scoring{}, 0, indicators.VerdictUnknown},
		{strict, 89, indicators.VerdictSuspicious},
		{strict, 90, indicators.VerdictDangerous},
		{strict, 49, indicators.VerdictUnknown},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%v", tt.scoring, tt.score), func(t *testing.T) {
			if got := tt.scoring.VerdictFor(tt.score); got != tt.want {
				t.Errorf("VerdictFor(%v) = %s, want %s", tt.score, got, tt.want)
			}
		})
	}
}

// The documented lifetimes: phones fade first, domains last; one report
// fades sooner than many.
func TestScoringLifetime(t *testing.T) {
	var s indicators.Scoring
	tests := []struct {
		kind     indicators.Kind
		min, max time.Duration
	}{
		{indicators.KindPhone, 69 * day, 70 * day},
		{indicators.KindURL, 138 * day, 139 * day},
		{indicators.KindBankAccount, 207 * day, 208 * day},
		{indicators.KindDomain, 415 * day, 416 * day},
	}
	for _, tt := range tests {
		if got := s.Lifetime(tt.kind); got < tt.min || got > tt.max {
			t.Errorf("Lifetime(%s) = %v, want between %v and %v", tt.kind, got, tt.min, tt.max)
		}
	}
	one := scored(indicators.KindPhone, indicators.StatusReported, 1, "citizen:web")
	if got := s.LifetimeOf(&one); got < 24*day || got > 25*day {
		t.Errorf("LifetimeOf(one phone report) = %v, want 24–25 days", got)
	}
	three := scored(indicators.KindPhone, indicators.StatusReported, 3, "citizen:web")
	if s.LifetimeOf(&three) <= s.LifetimeOf(&one) {
		t.Errorf("three reports last %v, no longer than one (%v)", s.LifetimeOf(&three), s.LifetimeOf(&one))
	}
}

// clockEngine is an Engine over a real embedded store with a clock the test
// moves.
type clockEngine struct {
	store  *boltstore.Store
	engine *indicators.Engine
	now    time.Time
}

func newClockEngine(t *testing.T, scoring indicators.Scoring, recs ...indicators.Record) *clockEngine {
	t.Helper()
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	set := bloom.New(bloom.Options{})
	if _, err := st.Upsert(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		set.Add(r.Key)
	}
	c := &clockEngine{store: st, now: t0}
	c.engine = indicators.NewEngine(st, set, indicators.EngineOptions{Scoring: scoring, Now: func() time.Time { return c.now }})
	return c
}

// A citizen-reported phone number fades to unknown after its documented
// lifetime with no new report; a police-confirmed one does not; a new
// report brings it back.
func TestEngineAgeing(t *testing.T) {
	citizen := mustKey(t, indicators.KindPhone, "0912345678")
	many := mustKey(t, indicators.KindPhone, "0901234567")
	police := mustKey(t, indicators.KindPhone, "0987654321")
	manyRec := indicators.NewRecord(many, "citizen:web", t0)
	manyRec.Reports = 40
	manyRec.Sources = append(manyRec.Sources,
		indicators.Source{Name: "citizen:zalo", FirstSeen: t0, LastSeen: t0},
		indicators.Source{Name: "openphish", FirstSeen: t0, LastSeen: t0})
	policeRec := indicators.NewRecord(police, "citizen:web", t0)
	policeRec.Status, policeRec.ConfirmedBy, policeRec.ConfirmedAt = indicators.StatusConfirmed, "officer-7", t0
	citizenRec := indicators.NewRecord(citizen, "citizen:web", t0)
	c := newClockEngine(t, indicators.Scoring{}, citizenRec, manyRec, policeRec)
	ctx := context.Background()
	var s indicators.Scoring
	oneLife, allLife := s.LifetimeOf(&citizenRec), s.Lifetime(indicators.KindPhone)

	check := func(at time.Duration, key indicators.Key, verdict indicators.Verdict) indicators.Result {
		t.Helper()
		c.now = t0.Add(at)
		r := c.engine.CheckKey(ctx, key)
		if r.Verdict != verdict {
			t.Fatalf("%s at +%v = %s (score %v), want %s", key, at, r.Verdict, r.Score, verdict)
		}
		return r
	}
	r := check(0, citizen, indicators.VerdictSuspicious)
	if r.Score != 35 || r.LastSeen == nil || !r.LastSeen.Equal(t0) {
		t.Fatalf("fresh report: score %v last_seen %v, want 35 and %v", r.Score, r.LastSeen, t0)
	}
	r = check(oneLife-time.Hour, citizen, indicators.VerdictSuspicious)
	if r.Score != indicators.DefaultSuspicious {
		t.Errorf("just before its lifetime: score %v, want %v", r.Score, indicators.DefaultSuspicious)
	}
	r = check(oneLife+time.Hour, citizen, indicators.VerdictUnknown)
	if r.Score != 0 || r.Reports != 0 || r.Sources != nil || r.LastSeen != nil || r.Status != "" {
		t.Errorf("a faded report still shows details: %+v", r)
	}
	if r.Advice == nil || r.Advice.EN == "" {
		t.Errorf("faded report has no advice: %+v", r)
	}

	// Strong evidence lasts longer, but not past the kind's lifetime.
	if r := check(0, many, indicators.VerdictDangerous); r.Score != indicators.MaxReportedScore {
		t.Errorf("40 reports from 3 sources score %v", r.Score)
	}
	check(10*day, many, indicators.VerdictDangerous)
	check(oneLife+time.Hour, many, indicators.VerdictSuspicious)
	check(allLife-2*day, many, indicators.VerdictSuspicious)
	check(allLife+time.Hour, many, indicators.VerdictUnknown)

	// Police confirmation does not fade.
	for _, at := range []time.Duration{0, oneLife + time.Hour, allLife + time.Hour, 10 * 365 * day} {
		if r := check(at, police, indicators.VerdictDangerous); r.Score != 100 {
			t.Errorf("confirmed at +%v: score %v, want 100", at, r.Score)
		}
	}

	// A new report on the faded number brings it back at full strength.
	later := t0.Add(allLife + 10*day)
	if _, _, err := c.store.Update(ctx, citizen, func(r *indicators.Record, _ bool) error {
		r.Reports++
		r.LastSeen = later
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c.engine.Invalidate(citizen)
	if r := check(allLife+10*day, citizen, indicators.VerdictSuspicious); r.Score != 57 {
		t.Errorf("after a new report: score %v, want 57", r.Score)
	}
}

// More reports, more distinct sources and trusted feeds each raise the
// score a check answers with, through to the verdict.
func TestEngineScoreEvidence(t *testing.T) {
	keys := make([]indicators.Key, 6)
	for i := range keys {
		keys[i] = mustKey(t, indicators.KindPhone, fmt.Sprintf("09123456%02d", i))
	}
	rec := func(i, reports int, sources ...string) indicators.Record {
		r := indicators.NewRecord(keys[i], sources[0], t0)
		r.Reports = reports
		for _, s := range sources[1:] {
			r.Sources = append(r.Sources, indicators.Source{Name: s, FirstSeen: t0, LastSeen: t0})
		}
		return r
	}
	c := newClockEngine(t, indicators.Scoring{},
		rec(0, 1, "citizen:web"),
		rec(1, 2, "citizen:web"),
		rec(2, 2, "citizen:web", "citizen:zalo"),
		rec(3, 3, "citizen:web", "citizen:zalo", "bank-cert"),
		rec(4, 1, "openphish"),
		rec(5, 2, "citizen:web", "chongluadao"),
	)
	ctx := context.Background()
	score := func(i int) (float64, indicators.Verdict) {
		r := c.engine.CheckKey(ctx, keys[i])
		return r.Score, r.Verdict
	}
	tests := []struct {
		name          string
		lower, higher int
	}{
		{"a second report", 0, 1},
		{"a second source", 1, 2},
		{"a third report and source", 2, 3},
		{"a trusted feed over a citizen", 0, 4},
		{"a trusted feed over a second citizen source", 2, 5},
	}
	for _, tt := range tests {
		lo, _ := score(tt.lower)
		hi, _ := score(tt.higher)
		if hi <= lo {
			t.Errorf("%s: score %v, not above %v", tt.name, hi, lo)
		}
	}
	if _, v := score(0); v != indicators.VerdictSuspicious {
		t.Errorf("one citizen report: %s, want suspicious", v)
	}
	if _, v := score(3); v != indicators.VerdictDangerous {
		t.Errorf("three reports from three sources: %s, want dangerous", v)
	}
	if _, v := score(5); v != indicators.VerdictDangerous {
		t.Errorf("a citizen and a trusted feed: %s, want dangerous", v)
	}

	// With a stricter configuration the same evidence answers less.
	strict := newClockEngine(t, indicators.Scoring{Dangerous: 90, TrustedSources: []string{}}, rec(5, 2, "citizen:web", "chongluadao"))
	if r := strict.engine.CheckKey(ctx, keys[5]); r.Verdict != indicators.VerdictSuspicious || r.Score != 65 {
		t.Errorf("strict scoring: %s score %v, want suspicious 65", r.Verdict, r.Score)
	}
}
