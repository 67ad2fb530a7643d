package feeds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// exportFixture fills store with one indicator of every kind and shape worth
// a round trip, plus a delisted and a trusted one, and returns the keys a
// default export must hold.
func exportFixture(t *testing.T, store indicators.Store) []indicators.Key {
	t.Helper()
	mk := func(key indicators.Key, st indicators.Status, cat indicators.Category, holder string) indicators.Record {
		r := indicators.NewRecord(key, "fixture", t0)
		r.Status, r.Category, r.HolderName = st, cat, holder
		if st == indicators.StatusConfirmed {
			r.ConfirmedBy, r.ConfirmedAt = "police", t0
		}
		return r
	}
	listed := []indicators.Record{
		mk("phone:+84912345678", indicators.StatusReported, indicators.CategoryInvestment, "NGUYEN VAN A"),
		mk("phone:+14155550123", indicators.StatusConfirmed, indicators.CategoryScam, ""),
		mk("bank_account:970436:0011004353201", indicators.StatusConfirmed, indicators.CategoryImpersonation, "TRAN THI B"),
		mk("domain:evil-bank.vn", indicators.StatusReported, indicators.CategoryPhishing, ""),
		mk("domain:xn--ngn-hng-dwao.vn", indicators.StatusReported, "", ""),
		mk("url:phish.vn/login?next=/it's", indicators.StatusReported, indicators.CategoryPhishing, ""),
		mk(`url:phish.vn/a\b`, indicators.StatusReported, indicators.CategoryOther, ""),
		mk("url:1.2.3.4/x", indicators.StatusReported, indicators.CategoryMalware, ""),
	}
	others := []indicators.Record{
		mk("domain:gone.vn", indicators.StatusDelisted, "", ""),
		mk("domain:vietcombank.com.vn", indicators.StatusTrusted, "", ""),
	}
	var keys []indicators.Key
	for _, r := range append(listed, others...) {
		if _, err := indicators.ParseKey(string(r.Key)); err != nil {
			t.Fatalf("fixture key %s is not canonical: %v", r.Key, err)
		}
	}
	if _, err := store.Upsert(context.Background(), append(listed, others...)); err != nil {
		t.Fatal(err)
	}
	// Upsert's merge never sets delisted or trusted on an existing record,
	// but does on a new one: check the fixture says what it means.
	for _, r := range others {
		if got := getRecord(t, store, r.Key); got.Status != r.Status {
			t.Fatalf("fixture %s stored as %s, want %s", r.Key, got.Status, r.Status)
		}
	}
	for _, r := range listed {
		keys = append(keys, r.Key)
	}
	slices.Sort(keys)
	return keys
}

func storedKeys(t *testing.T, store indicators.Store) []indicators.Key {
	t.Helper()
	var keys []indicators.Key
	if err := store.Iterate(context.Background(), "", func(r indicators.Record) error {
		keys = append(keys, r.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}

// TestExportRoundTrip exports in every format and imports the export back
// through the parsers (format detected) into a fresh store: the keys must
// be the same, and formats that carry them keep category and holder name.
func TestExportRoundTrip(t *testing.T) {
	src := storeKinds[0].open(t)
	want := exportFixture(t, src)
	for _, format := range ExportFormats {
		t.Run(string(format), func(t *testing.T) {
			var buf bytes.Buffer
			n, err := Export(context.Background(), src, &buf, ExportOptions{Format: format, Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			if n != len(want) {
				t.Errorf("exported %d, want %d", n, len(want))
			}
			dst := storeKinds[0].open(t)
			var rej bytes.Buffer
			sum, err := Import(context.Background(), dst, nil, bytes.NewReader(buf.Bytes()),
				ImportOptions{Source: "reimport", Now: fixedNow, Rejects: &rej})
			if err != nil {
				t.Fatalf("re-import: %v\n%s", err, buf.String())
			}
			if sum.Rejected != 0 || sum.Added != len(want) {
				t.Errorf("re-import %+v, rejects:\n%s\nexport:\n%s", countsOf(sum), rej.String(), buf.String())
			}
			if sum.Format != format {
				t.Errorf("export detected as %s, want %s", sum.Format, format)
			}
			if got := storedKeys(t, dst); !slices.Equal(got, want) {
				t.Errorf("keys after round trip:\n got %v\nwant %v", got, want)
			}
			if format == FormatPlain {
				return
			}
			for _, k := range want {
				a, b := getRecord(t, src, k), getRecord(t, dst, k)
				wantCat := a.Category
				if format == FormatSTIX && wantCat == indicators.CategoryOther {
					wantCat = "" // STIX has no word for "other": the generic type is written
				}
				if b.Category != wantCat {
					t.Errorf("%s: category %q after round trip, want %q", k, b.Category, wantCat)
				}
				if format == FormatCSV && b.HolderName != a.HolderName {
					t.Errorf("%s: holder %q after round trip, want %q", k, b.HolderName, a.HolderName)
				}
			}
		})
	}
}

func TestExportSTIXShape(t *testing.T) {
	store := storeKinds[0].open(t)
	exportFixture(t, store)
	export := func() []map[string]any {
		var buf bytes.Buffer
		if _, err := Export(context.Background(), store, &buf, ExportOptions{Format: FormatSTIX, Kind: indicators.KindPhone}); err != nil {
			t.Fatal(err)
		}
		var bundle struct {
			Type    string           `json:"type"`
			ID      string           `json:"id"`
			Objects []map[string]any `json:"objects"`
		}
		if err := json.Unmarshal(buf.Bytes(), &bundle); err != nil {
			t.Fatalf("export is not JSON: %v\n%s", err, buf.String())
		}
		if bundle.Type != "bundle" || !strings.HasPrefix(bundle.ID, "bundle--") {
			t.Errorf("bundle header %q %q", bundle.Type, bundle.ID)
		}
		return bundle.Objects
	}
	objs := export()
	if len(objs) != 2 {
		t.Fatalf("%d phone objects, want 2", len(objs))
	}
	var patterns []string
	for _, o := range objs {
		patterns = append(patterns, o["pattern"].(string))
		if o["spec_version"] != "2.1" || o["pattern_type"] != "stix" || !strings.HasPrefix(o["id"].(string), "indicator--") {
			t.Errorf("object %v lacks STIX 2.1 indicator fields", o)
		}
	}
	slices.Sort(patterns)
	wantPatterns := []string{"[x-phone-number:value = '+14155550123']", "[x-phone-number:value = '+84912345678']"}
	if !slices.Equal(patterns, wantPatterns) {
		t.Errorf("patterns %q, want %q", patterns, wantPatterns)
	}
	// Ids depend on the key only: a second export names the same objects.
	ids := func(objs []map[string]any) []string {
		var out []string
		for _, o := range objs {
			out = append(out, o["id"].(string))
		}
		slices.Sort(out)
		return out
	}
	if a, b := ids(objs), ids(export()); !slices.Equal(a, b) {
		t.Errorf("ids differ between exports: %v, %v", a, b)
	}
}

func TestExportFilters(t *testing.T) {
	store := storeKinds[0].open(t)
	exportFixture(t, store)
	tests := []struct {
		opts ExportOptions
		want string
	}{
		{ExportOptions{Kind: indicators.KindDomain}, "evil-bank.vn\nxn--ngn-hng-dwao.vn\n"},
		{ExportOptions{Status: indicators.StatusDelisted}, "gone.vn\n"},
		{ExportOptions{Status: indicators.StatusTrusted}, "vietcombank.com.vn\n"},
		{ExportOptions{Status: indicators.StatusConfirmed}, "+14155550123\n970436:0011004353201\n"},
		{ExportOptions{Kind: indicators.KindBankAccount, Status: indicators.StatusReported}, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.opts.Kind)+"/"+string(tt.opts.Status), func(t *testing.T) {
			var buf bytes.Buffer
			tt.opts.Format, tt.opts.Now = FormatPlain, fixedNow
			if _, err := Export(context.Background(), store, &buf, tt.opts); err != nil {
				t.Fatal(err)
			}
			header := "# scamcheck export, " + t0.Format(time.RFC3339) + "\n"
			body, ok := strings.CutPrefix(buf.String(), header)
			if !ok {
				t.Fatalf("export %q lacks header %q", buf.String(), header)
			}
			lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
			slices.Sort(lines)
			if got := strings.Join(lines, "\n") + "\n"; strings.TrimSpace(got) != strings.TrimSpace(tt.want) {
				t.Errorf("export = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := Export(context.Background(), store, &bytes.Buffer{}, ExportOptions{Format: FormatMISP}); !errors.Is(err, ErrOption) {
		t.Errorf("export as misp: err = %v, want ErrOption", err)
	}
}
