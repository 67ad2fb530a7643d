package indicators_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/bloom"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
)

var t0 = time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)

// engineFixture is an Engine over a real embedded store and real filters.
type engineFixture struct {
	store  *boltstore.Store
	set    *bloom.Set
	engine *indicators.Engine
	checks atomic.Int64
}

func newEngineFixture(t *testing.T, recs ...indicators.Record) *engineFixture {
	t.Helper()
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &engineFixture{store: st, set: bloom.New(bloom.Options{})}
	if len(recs) > 0 {
		if _, err := st.Upsert(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			f.set.Add(r.Key)
		}
	}
	f.engine = indicators.NewEngine(st, f.set, indicators.EngineOptions{
		Now:     func() time.Time { return t0.Add(24 * time.Hour) },
		OnCheck: func(indicators.Kind, indicators.Verdict) { f.checks.Add(1) },
	})
	return f
}

func mustKey(t *testing.T, kind indicators.Kind, s string) indicators.Key {
	t.Helper()
	k, err := indicators.Normalize(kind, s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func record(key indicators.Key, mod func(*indicators.Record)) indicators.Record {
	r := indicators.NewRecord(key, "test-feed", t0)
	r.Category = indicators.CategoryScam
	if mod != nil {
		mod(&r)
	}
	return r
}

func TestEngineVerdicts(t *testing.T) {
	phone := mustKey(t, indicators.KindPhone, "0912345678")
	confirmedPhone := mustKey(t, indicators.KindPhone, "0987654321")
	account := mustKey(t, indicators.KindBankAccount, "VCB 0011004353201")
	manyReports := mustKey(t, indicators.KindPhone, "0901234567")
	delisted := mustKey(t, indicators.KindPhone, "0933333333")
	expired := mustKey(t, indicators.KindPhone, "0944444444")
	domain := mustKey(t, indicators.KindDomain, "evil-bank.com.vn")
	urlKey := mustKey(t, indicators.KindURL, "http://phish.example.vn/login/")
	trusted := mustKey(t, indicators.KindDomain, "vietcombank.com.vn")
	f := newEngineFixture(t,
		record(phone, nil),
		record(confirmedPhone, func(r *indicators.Record) { r.Status = indicators.StatusConfirmed; r.ConfirmedBy = "police" }),
		record(account, func(r *indicators.Record) { r.Status = indicators.StatusConfirmed }),
		record(manyReports, func(r *indicators.Record) { r.Reports = 5 }),
		record(delisted, func(r *indicators.Record) { r.Status = indicators.StatusDelisted }),
		record(expired, func(r *indicators.Record) { r.ExpiresAt = t0.Add(time.Hour) }),
		record(domain, func(r *indicators.Record) { r.Category = indicators.CategoryPhishing }),
		record(urlKey, func(r *indicators.Record) { r.Category = indicators.CategoryPhishing }),
		record(trusted, func(r *indicators.Record) { r.Status = indicators.StatusTrusted; r.Category = "" }),
	)
	tests := []struct {
		input   string
		verdict indicators.Verdict
		matched indicators.Key
	}{
		{"0912 345 678", indicators.VerdictSuspicious, ""},
		{"+84 987 654 321", indicators.VerdictDangerous, ""},
		{"Vietcombank 0011 0043 53201", indicators.VerdictDangerous, ""},
		{"0901234567", indicators.VerdictDangerous, ""},
		{"0933333333", indicators.VerdictUnknown, ""},
		{"0944444444", indicators.VerdictUnknown, ""},
		{"0955555555", indicators.VerdictUnknown, ""},
		{"evil-bank.com.vn", indicators.VerdictSuspicious, ""},
		{"login.evil-bank.com.vn", indicators.VerdictSuspicious, domain},
		{"https://secure.evil-bank.com.vn/otp?x=1", indicators.VerdictSuspicious, domain},
		{"http://phish.example.vn/login/step2.html", indicators.VerdictSuspicious, urlKey},
		{"http://phish.example.vn/other", indicators.VerdictUnknown, ""},
		{"vietcombank.com.vn", indicators.VerdictTrusted, ""},
		{"https://www.vietcombank.com.vn/", indicators.VerdictTrusted, trusted},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			r := f.engine.Check(context.Background(), tt.input)
			if r.Error != nil {
				t.Fatalf("Check(%q) error %+v", tt.input, r.Error)
			}
			if r.Verdict != tt.verdict || r.Matched != tt.matched {
				t.Fatalf("Check(%q) = %s matched %q, want %s matched %q", tt.input, r.Verdict, r.Matched, tt.verdict, tt.matched)
			}
			if r.Advice == nil || r.Advice.VI == "" || r.Advice.EN == "" {
				t.Errorf("Check(%q) has no advice", tt.input)
			}
			if r.Verdict == indicators.VerdictUnknown && (r.Reports != 0 || r.Sources != nil) {
				t.Errorf("unknown verdict carries details: %+v", r)
			}
			if r.Verdict == indicators.VerdictSuspicious && (r.Reports == 0 || len(r.Sources) == 0 || r.FirstSeen == nil) {
				t.Errorf("listed verdict lacks details: %+v", r)
			}
		})
	}
	if got := f.checks.Load(); got != int64(len(tests)) {
		t.Errorf("OnCheck called %d times, want %d", got, len(tests))
	}
}

func TestEngineInvalidInput(t *testing.T) {
	f := newEngineFixture(t)
	r := f.engine.Check(context.Background(), "12")
	if r.Error == nil || r.Error.Code != indicators.CodePhoneTooShort || r.Verdict != "" {
		t.Fatalf("Check(12) = %+v, want error phone_too_short and no verdict", r)
	}
}

// A filter hit that the Store cannot confirm must warn, not reassure; a
// miss needs no Store at all.
func TestEngineDegraded(t *testing.T) {
	phone := mustKey(t, indicators.KindPhone, "0912345678")
	f := newEngineFixture(t, record(phone, nil))
	if err := f.store.Close(); err != nil {
		t.Fatal(err)
	}
	r := f.engine.Check(context.Background(), "0912345678")
	if r.Verdict != indicators.VerdictSuspicious || !r.Degraded {
		t.Fatalf("hit with store down = %s degraded=%v, want suspicious degraded", r.Verdict, r.Degraded)
	}
	r = f.engine.Check(context.Background(), "0977777777")
	if r.Verdict != indicators.VerdictUnknown || r.Degraded {
		t.Fatalf("miss with store down = %s degraded=%v, want unknown, not degraded", r.Verdict, r.Degraded)
	}
}

// The LRU answers repeated hits; Invalidate makes a write visible at once.
func TestEngineCacheInvalidate(t *testing.T) {
	phone := mustKey(t, indicators.KindPhone, "0912345678")
	f := newEngineFixture(t, record(phone, nil))
	ctx := context.Background()
	if r := f.engine.CheckKey(ctx, phone); r.Verdict != indicators.VerdictSuspicious {
		t.Fatalf("before confirm: %s", r.Verdict)
	}
	if _, _, err := f.store.Update(ctx, phone, func(r *indicators.Record, _ bool) error {
		r.Status = indicators.StatusConfirmed
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if r := f.engine.CheckKey(ctx, phone); r.Verdict != indicators.VerdictSuspicious {
		t.Fatalf("cached answer changed without invalidation: %s", r.Verdict)
	}
	f.engine.Invalidate(phone)
	if r := f.engine.CheckKey(ctx, phone); r.Verdict != indicators.VerdictDangerous {
		t.Fatalf("after invalidate: %s, want dangerous", r.Verdict)
	}
}

// An allowlist entry outranks a report on the same check only when police
// confirmed it; either way the other side is shown in Also.
func TestEngineTrustedVersusReport(t *testing.T) {
	feedTrusted := mustKey(t, indicators.KindDomain, "bank-a.com.vn")
	policeTrusted := mustKey(t, indicators.KindDomain, "bank-b.com.vn")
	reportA := mustKey(t, indicators.KindURL, "http://bank-a.com.vn/khuyen-mai/")
	reportB := mustKey(t, indicators.KindURL, "http://bank-b.com.vn/khuyen-mai/")
	trusted := func(confirmedBy string) func(*indicators.Record) {
		return func(r *indicators.Record) {
			r.Status, r.Category, r.ConfirmedBy = indicators.StatusTrusted, "", confirmedBy
		}
	}
	f := newEngineFixture(t,
		record(feedTrusted, trusted("")),
		record(policeTrusted, trusted("officer-7")),
		record(reportA, nil),
		record(reportB, nil),
	)
	ctx := context.Background()
	r := f.engine.Check(ctx, "https://bank-a.com.vn/khuyen-mai/qua-tang")
	if r.Verdict != indicators.VerdictSuspicious || r.Matched != reportA || r.Also == nil || r.Also.Key != feedTrusted || r.Also.Verdict != indicators.VerdictTrusted {
		t.Fatalf("feed allowlist vs report = %s matched %q also %+v, want suspicious from the report, allowlist shown", r.Verdict, r.Matched, r.Also)
	}
	r = f.engine.Check(ctx, "https://bank-b.com.vn/khuyen-mai/qua-tang")
	if r.Verdict != indicators.VerdictTrusted || r.Matched != policeTrusted || r.Also == nil || r.Also.Key != reportB || r.Also.Reports != 1 {
		t.Fatalf("police allowlist vs report = %s matched %q also %+v, want trusted with the report shown", r.Verdict, r.Matched, r.Also)
	}
	if r := f.engine.Check(ctx, "bank-a.com.vn"); r.Verdict != indicators.VerdictTrusted || r.Also != nil {
		t.Fatalf("allowlisted domain alone = %s also %+v", r.Verdict, r.Also)
	}
}

// lookalikeStub flags hosts containing "vietcombank" that are not the bank.
type lookalikeStub struct{}

func (lookalikeStub) LookalikeOf(host string) (string, bool) {
	if host != "vietcombank.com.vn" && strings.Contains(host, "vietcombank") {
		return "vietcombank.com.vn", true
	}
	return "", false
}

func TestEngineLookalike(t *testing.T) {
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := indicators.NewEngine(st, bloom.New(bloom.Options{}), indicators.EngineOptions{Lookalikes: lookalikeStub{}})
	ctx := context.Background()
	for _, in := range []string{"vietcombank-vn.com", "https://login.vietcombank-vn.com/otp"} {
		r := e.Check(ctx, in)
		if r.Verdict != indicators.VerdictSuspicious || r.LookalikeOf != "vietcombank.com.vn" {
			t.Errorf("Check(%q) = %s lookalike_of %q, want suspicious lookalike of vietcombank.com.vn", in, r.Verdict, r.LookalikeOf)
		}
	}
	if r := e.CheckKey(ctx, "domain:vietcombank-vn.com"); r.LookalikeOf == "" {
		t.Errorf("CheckKey skipped the lookalike check: %+v", r)
	}
	if r := e.Check(ctx, "vietcombank.com.vn"); r.Verdict != indicators.VerdictUnknown || r.LookalikeOf != "" {
		t.Errorf("the real domain = %s lookalike_of %q", r.Verdict, r.LookalikeOf)
	}
	if r := e.Check(ctx, "0912345678"); r.LookalikeOf != "" {
		t.Errorf("phones are never lookalikes: %+v", r)
	}
}
