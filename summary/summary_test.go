package summary_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/backend"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/internal/redistest"
	"github.com/scamcheck/scamcheck/summary"
)

var ict = time.FixedZone("ICT", 7*3600)

// lookalikes is a fixed table: the summary only asks which brand a host
// imitates, and the detector's own tests cover how it decides.
type lookalikes map[string]string

func (l lookalikes) LookalikeOf(host string) (string, bool) { of, ok := l[host]; return of, ok }

const (
	vcbAccount = indicators.Key("bank_account:970436:0011004353201")
	vcbOther   = indicators.Key("bank_account:970436:0011004353299")
	fakeVCB    = indicators.Key("domain:vietcombank-vn.com")
	phone      = indicators.Key("phone:+84912345678")
)

func at(day string, hour int) time.Time {
	t, err := time.ParseInLocation(indicators.DayLayout, day, ict)
	if err != nil {
		panic(err)
	}
	return t.Add(time.Duration(hour) * time.Hour)
}

func TestMain(m *testing.M) { redistest.Main(m) }

// stores is what the backends' concrete stores implement that a summary
// reads.
type stores interface {
	indicators.Store
	indicators.ReportStore
	indicators.AuditLog
	indicators.StatsStore
	indicators.PartnerStore
}

// open returns a fresh real store of the given kind.
func open(t *testing.T, kind string) stores {
	t.Helper()
	cfg := backend.Config{DataDir: t.TempDir()}
	if kind == "redis" {
		cfg.RedisURL, cfg.Prefix = redistest.URL(t), redistest.Prefix(t)
	}
	be, err := backend.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	if s := be.Bolt(); s != nil {
		return s
	}
	return be.Redis()
}

// seed fills a real store with a quarter's worth of each thing the summary
// reads, and some of each just outside the quarter.
func seed(t *testing.T, kind string) stores {
	t.Helper()
	ctx := context.Background()
	s := open(t, kind)
	reports := []struct {
		day    string
		hour   int
		ch     indicators.Channel
		cat    indicators.Category
		keys   []indicators.Key
		status indicators.ReportStatus
	}{
		{"2026-06-30", 23, indicators.ChannelWeb, indicators.CategoryScam, []indicators.Key{phone}, indicators.ReportPending}, // before
		{"2026-07-01", 0, indicators.ChannelWeb, indicators.CategoryPhishing, []indicators.Key{vcbAccount, fakeVCB}, indicators.ReportConfirmed},
		{"2026-07-01", 9, indicators.ChannelApp, indicators.CategoryPhishing, []indicators.Key{vcbAccount, vcbOther}, indicators.ReportPending},
		{"2026-08-15", 12, indicators.ChannelHotline, indicators.CategoryInvestment, []indicators.Key{phone}, indicators.ReportRejected},
		{"2026-09-30", 23, indicators.ChannelApp, "", []indicators.Key{fakeVCB}, indicators.ReportPending},
		{"2026-10-01", 0, indicators.ChannelPolice, indicators.CategoryScam, []indicators.Key{phone}, indicators.ReportPending}, // after
	}
	for i, r := range reports {
		created := at(r.day, r.hour)
		rep := indicators.Report{ID: fmt.Sprintf("rep_%016x%04d", created.UnixNano(), i), Channel: r.ch, Status: r.status,
			Keys: r.keys, Category: r.cat, CreatedAt: created.UTC()}
		if err := s.CreateReport(ctx, rep, nil); err != nil {
			t.Fatal(err)
		}
	}
	for day, c := range map[string]map[string]int64{
		"2026-06-30": {"checks:phone": 1000, "hits:phone": 900},
		"2026-07-02": {"checks:phone": 100, "hits:phone": 10, "checks:domain": 50, "hits:domain": 5, "reports:web": 3},
		"2026-09-30": {"checks:bank_account": 40, "hits:bank_account": 4},
	} {
		if err := s.AddCounters(ctx, day, c); err != nil {
			t.Fatal(err)
		}
	}
	// Confirmed 10 h and 30 h after the first report: median 20 h. One
	// confirmed before the quarter does not count.
	recs := []indicators.Record{}
	for _, r := range []struct {
		key              indicators.Key
		first, confirmed time.Time
		status           indicators.Status
	}{
		{vcbAccount, at("2026-07-01", 0), at("2026-07-01", 10), indicators.StatusConfirmed},
		{fakeVCB, at("2026-07-01", 0), at("2026-07-02", 6), indicators.StatusConfirmed},
		{phone, at("2026-06-01", 0), at("2026-06-02", 0), indicators.StatusConfirmed},
		{vcbOther, at("2026-07-01", 9), time.Time{}, indicators.StatusReported},
	} {
		rec := indicators.NewRecord(r.key, "citizen", r.first.UTC())
		rec.Status, rec.Reports, rec.ConfirmedAt = r.status, 1, r.confirmed.UTC()
		if !r.confirmed.IsZero() {
			rec.ConfirmedBy = "police"
		}
		recs = append(recs, rec)
	}
	if _, err := s.Upsert(ctx, recs); err != nil {
		t.Fatal(err)
	}
	for _, e := range []indicators.AuditEntry{
		{Time: at("2026-08-01", 0).UTC(), Actor: "police", Action: "indicator.delist", Target: string(vcbOther)},
		{Time: at("2026-08-02", 0).UTC(), Actor: "police", Action: "indicator.delist", Target: string(vcbOther)}, // twice: once
		{Time: at("2026-10-02", 0).UTC(), Actor: "police", Action: "indicator.delist", Target: string(phone)},    // after
		{Time: at("2026-08-03", 0).UTC(), Actor: "police", Action: "indicator.confirm", Target: string(phone)},
	} {
		if _, err := s.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreatePartner(ctx, indicators.Partner{ID: "p1", Name: "VCB", BINs: []string{"970436"},
		URL: "https://vcb.example/hook", Secret: strings.Repeat("s", 16), CreatedAt: at("2026-06-01", 0).UTC()}); err != nil {
		t.Fatal(err)
	}
	var ds []indicators.Delivery
	for i, created := range []time.Time{at("2026-06-30", 0), at("2026-07-01", 10), at("2026-07-05", 0), at("2026-09-01", 0)} {
		ds = append(ds, indicators.Delivery{ID: fmt.Sprintf("d%d", i), PartnerID: "p1", Event: indicators.EventAccountConfirmed,
			Key: vcbAccount, Payload: json.RawMessage(`{}`), State: indicators.DeliveryPending, CreatedAt: created.UTC()})
	}
	// A warning shares the outbox but is no freeze request.
	ds = append(ds, indicators.Delivery{ID: "w1", PartnerID: "p1", Event: indicators.EventWarningPublished,
		Key: vcbAccount, Payload: json.RawMessage(`{}`), State: indicators.DeliveryPending, CreatedAt: at("2026-07-03", 0).UTC()})
	if _, err := s.EnqueueDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	// d0 (before the quarter) and d1 delivered and acknowledged; d2
	// delivered, not acknowledged; d3 still pending.
	for _, id := range []string{"d0", "d1", "d2"} {
		if _, err := s.FinishDelivery(ctx, id, indicators.Attempt{At: at("2026-07-06", 0), Status: 200, Delivered: true}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"d0", "d1"} {
		if _, _, err := s.RecordAck(ctx, indicators.FreezeAck{DeliveryID: id, PartnerID: "p1", Key: vcbAccount, Frozen: true,
			Actor: "vcb", At: at("2026-07-07", 0).UTC()}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func sources(s stores) summary.Sources {
	return summary.Sources{Reports: s, Records: s, Audit: s, Stats: s, Partners: s,
		Lookalikes: lookalikes{"vietcombank-vn.com": "vietcombank.com.vn"},
		Now:        func() time.Time { return at("2026-10-02", 8) }}
}

func counts(cs []summary.Count) map[string]int64 {
	m := map[string]int64{}
	for _, c := range cs {
		m[c.Name] = c.Count
	}
	return m
}

func TestBuild(t *testing.T) {
	for _, kind := range []string{"bolt", "redis"} {
		t.Run(kind, func(t *testing.T) { testBuild(t, kind) })
	}
}

func testBuild(t *testing.T, kind string) {
	s := seed(t, kind)
	got, err := summary.Build(context.Background(), sources(s), "2026-07-01", "2026-09-30")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"reports", got.Reports, int64(4)},
		{"by channel", fmt.Sprint(counts(got.ReportsByChannel)), fmt.Sprint(map[string]int64{"web": 1, "app": 2, "hotline": 1})},
		{"by category", fmt.Sprint(counts(got.ReportsByCategory)), fmt.Sprint(map[string]int64{"phishing": 2, "investment": 1, "other": 1})},
		{"by status", fmt.Sprint(counts(got.ReportsByStatus)), fmt.Sprint(map[string]int64{"pending": 2, "confirmed": 1, "rejected": 1})},
		{"days", len(got.Days), 92},
		{"first day reports", got.Days[0].Reports, int64(2)},
		{"last day reports", got.Days[91].Reports, int64(1)},
		{"checks", got.Checks, int64(190)},
		{"hits", got.Hits, int64(19)},
		{"checks by kind", fmt.Sprint(counts(got.ChecksByKind)), fmt.Sprint(map[string]int64{"phone": 100, "domain": 50, "bank_account": 40})},
		{"day checks", got.Days[1].Checks, int64(150)},
		{"confirmed", got.Confirmed, 2},
		{"delisted", got.Delisted, 1},
		{"median hours", fmt.Sprintf("%.1f", deref(got.MedianHoursToConfirm)), "20.0"},
		{"freeze sent", got.FreezeSent, 3},
		{"freeze delivered", got.FreezeDelivered, 2},
		{"freeze acked", got.FreezeAcked, 1},
		{"freeze frozen", got.FreezeFrozen, 1},
		// Vietcombank: reports 1 and 2 (twice in report 2: counted once);
		// the lookalike domain: reports 1 and 4.
		{"top brands", fmt.Sprint(got.TopBrands), "[{Vietcombank 2} {vietcombank.com.vn 2}]"},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func deref(f *float64) float64 {
	if f == nil {
		return -1
	}
	return *f
}

// TestBuildOptional: without the optional stores the sections say so
// rather than show zeros that would read as "nothing happened".
func TestBuildOptional(t *testing.T) {
	s := seed(t, "bolt")
	got, err := summary.Build(context.Background(), summary.Sources{Reports: s}, "2026-07-01", "2026-09-30")
	if err != nil {
		t.Fatal(err)
	}
	if got.ChecksAvailable || got.IndicatorsAvailable || got.FreezeAvailable || got.Reports != 4 {
		t.Errorf("got available %v %v %v, reports %d; want false false false, 4", got.ChecksAvailable, got.IndicatorsAvailable, got.FreezeAvailable, got.Reports)
	}
	for _, f := range []summary.Format{summary.FormatHTML, summary.FormatCSV, summary.FormatJSON} {
		if err := summary.Write(&bytes.Buffer{}, got, f); err != nil {
			t.Errorf("Write %s: %v", f, err)
		}
	}
}

func TestBuildBadRange(t *testing.T) {
	s := seed(t, "bolt")
	for _, tc := range []struct{ from, to, want string }{
		{"2026-09-30", "2026-07-01", "from 2026-09-30 is after to 2026-07-01"},
		{"2026-7-1", "2026-09-30", `from "2026-7-1"`},
		{"2026-07-01", "", `to ""`},
		{"2000-01-01", "2026-01-01", "longer than"},
	} {
		_, err := summary.Build(context.Background(), sources(s), tc.from, tc.to)
		if !errors.Is(err, summary.ErrInvalidRange) || !errors.Is(err, indicators.ErrInvalidInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Build(%q, %q) = %v, want ErrInvalidRange naming %q", tc.from, tc.to, err, tc.want)
		}
	}
}

func TestWrite(t *testing.T) {
	s := seed(t, "bolt")
	got, err := summary.Build(context.Background(), sources(s), "2026-07-01", "2026-09-30")
	if err != nil {
		t.Fatal(err)
	}
	got.TopBrands = append(got.TopBrands, summary.Count{Name: `<script>alert(1)</script>`, Count: 1})
	for _, tc := range []struct {
		format summary.Format
		check  func(t *testing.T, out string)
	}{
		{summary.FormatJSON, func(t *testing.T, out string) {
			var back summary.Summary
			if err := json.Unmarshal([]byte(out), &back); err != nil || back.Reports != 4 || back.FreezeAcked != 1 {
				t.Errorf("json round trip: %v, reports %d acked %d", err, back.Reports, back.FreezeAcked)
			}
		}},
		{summary.FormatCSV, func(t *testing.T, out string) {
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{"reports,total,4": false, "reports_by_day,2026-07-01,2": false, "freeze,acknowledged,1": false, "hits,total,19": false}
			for _, r := range rows {
				if len(r) != 3 {
					t.Errorf("row %v has %d fields", r, len(r))
				}
				delete(want, strings.Join(r, ","))
			}
			if len(want) > 0 {
				t.Errorf("csv lacks rows %v", want)
			}
		}},
		{summary.FormatHTML, func(t *testing.T, out string) {
			for _, want := range []string{"<svg", "@page", "size: A4", "2026-07-01", "Vietcombank", "&lt;script&gt;"} {
				if !strings.Contains(out, want) {
					t.Errorf("html lacks %q", want)
				}
			}
			// Self-contained: nothing is fetched, so nothing names a
			// scheme other than the SVG namespace.
			for _, bad := range []string{"<script", "<link", "src=", "@import", "url(", "https://"} {
				if strings.Contains(out, bad) {
					t.Errorf("html holds %q: not self-contained or not escaped", bad)
				}
			}
		}},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			var buf bytes.Buffer
			if err := summary.Write(&buf, got, tc.format); err != nil {
				t.Fatal(err)
			}
			tc.check(t, buf.String())
		})
	}
	if _, err := summary.ParseFormat("pdf"); err == nil {
		t.Error("ParseFormat(pdf) succeeded")
	}
}
