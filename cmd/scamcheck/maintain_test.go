package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
	"github.com/scamcheck/scamcheck/indicators/storetest"
)

func TestNewLookalikesUsesAllowlist(t *testing.T) {
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	official := indicators.NewRecord("domain:cong-ty-abc.vn", "allowlist", time.Now())
	official.Status = indicators.StatusTrusted
	if _, err := st.Upsert(ctx, []indicators.Record{official}); err != nil {
		t.Fatal(err)
	}
	d, err := newLookalikes(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if of, ok := d.LookalikeOf("vietcombank-xacminh.com"); !ok || of == "" {
		t.Errorf("bank brand lookalike not flagged: %q %v", of, ok)
	}
	// An allowlisted domain is never a lookalike, even one the brand
	// rules alone would not know.
	if of, ok := d.LookalikeOf("cong-ty-abc.vn"); ok {
		t.Errorf("allowlisted domain flagged as lookalike of %q", of)
	}
	// …and its homoglyph is (the allowlist gives homoglyph targets).
	if of, ok := d.LookalikeOf("xn--cong-ty-ab-9sj.vn"); ok && of != "cong-ty-abc.vn" {
		t.Errorf("homoglyph of an allowlisted domain = %q", of)
	}
}

func TestPurgeLoopDeletesOnlyExpiredContacts(t *testing.T) {
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	old, fresh := storetest.NewReport(1), storetest.NewReport(2)
	old.CreatedAt = time.Now().Add(-400 * 24 * time.Hour)
	fresh.CreatedAt = time.Now().Add(-time.Hour)
	for _, r := range []indicators.Report{old, fresh} {
		c := &indicators.Contact{Name: "Nguyễn Văn A", Phone: "0912345678", CreatedAt: r.CreatedAt}
		if err := st.CreateReport(ctx, r, c); err != nil {
			t.Fatal(err)
		}
	}
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		purgeLoop(pctx, st, DefaultContactRetention, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	// The first pass runs at once; poll for it rather than sleeping.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := st.GetContact(ctx, old.ID)
		if errors.Is(err, indicators.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("contact past retention still there: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if _, err := st.GetContact(ctx, fresh.ID); err != nil {
		t.Errorf("contact within retention: %v", err)
	}
	if _, err := st.GetReport(ctx, old.ID); err != nil {
		t.Errorf("the report itself must stay: %v", err)
	}
}

// serve wires the detector: a bank lookalike nobody reported answers
// suspicious with lookalike_of, and the bank's own domain does not.
func TestServeFlagsLookalikes(t *testing.T) {
	base, _, stop := startServe(t, t.TempDir())
	defer stop()
	var r indicators.Result
	if code := getJSON(t, base+"/v1/check?q=https://vietcombank-xacminh.com/dang-nhap", "", &r); code != 200 {
		t.Fatalf("status %d", code)
	}
	if r.Verdict != indicators.VerdictSuspicious || r.LookalikeOf != "vietcombank.com.vn" {
		t.Fatalf("lookalike check = %s lookalike_of %q", r.Verdict, r.LookalikeOf)
	}
	var own indicators.Result
	if code := getJSON(t, base+"/v1/check?q=vietcombank.com.vn", "", &own); code != 200 || own.LookalikeOf != "" || own.Verdict != indicators.VerdictTrusted {
		t.Fatalf("the bank's own domain: status %d, %+v", code, own)
	}
}
