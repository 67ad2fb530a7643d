package lookalike

import (
	"bufio"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testdata = "../../testdata/lookalike"

func mustLines(tb testing.TB, name string) []string {
	tb.Helper()
	f, err := os.Open(filepath.Join(testdata, name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// newTestDetector is the configuration the Engine is expected to use: the
// default brands plus an allowlist.
func newTestDetector(tb testing.TB) *Detector {
	tb.Helper()
	return New(DefaultBrands(), Options{Domains: mustLines(tb, "allowlist-sample.txt")})
}

type labelled struct {
	host, label, of string
}

func mustLabelled(tb testing.TB) []labelled {
	tb.Helper()
	f, err := os.Open(filepath.Join(testdata, "labelled.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []labelled
	for i, r := range recs[1:] {
		if r[1] != "lookalike" && r[1] != "benign" {
			tb.Fatalf("labelled.csv line %d: label %q", i+2, r[1])
		}
		out = append(out, labelled{r[0], r[1], r[2]})
	}
	return out
}

// Floors chosen after measuring (precision 0.997, recall 0.835, target
// accuracy 0.997 at the time of writing); a change that lowers them should
// have to explain itself.
const (
	minPrecision      = 0.99
	minRecall         = 0.82
	minTargetAccuracy = 0.97
	minPositives      = 150
	minNegatives      = 300
)

func TestLabelled(t *testing.T) {
	d := newTestDetector(t)
	rows := mustLabelled(t)
	var tp, fp, fn, tn, rightTarget int
	for _, r := range rows {
		m, ok := d.Check(r.host)
		switch {
		case r.label == "lookalike" && ok:
			tp++
			if m.LookalikeOf == r.of {
				rightTarget++
			} else {
				t.Logf("wrong target: %s → %s, want %s", r.host, m.LookalikeOf, r.of)
			}
		case r.label == "lookalike":
			fn++
			t.Logf("missed: %s (lookalike of %s)", r.host, r.of)
		case ok:
			fp++
			t.Logf("false alarm: %s → %+v", r.host, m)
		default:
			tn++
		}
	}
	if tp+fn < minPositives || fp+tn < minNegatives {
		t.Fatalf("labelled.csv has %d positives and %d negatives, want at least %d and %d", tp+fn, fp+tn, minPositives, minNegatives)
	}
	precision := float64(tp) / float64(tp+fp)
	recall := float64(tp) / float64(tp+fn)
	targetAcc := float64(rightTarget) / float64(tp)
	t.Logf("positives %d, negatives %d: TP %d FP %d FN %d TN %d", tp+fn, fp+tn, tp, fp, fn, tn)
	t.Logf("precision %.3f, recall %.3f, right lookalike_of %.3f", precision, recall, targetAcc)
	if precision < minPrecision {
		t.Errorf("precision %.3f < %.2f", precision, minPrecision)
	}
	if recall < minRecall {
		t.Errorf("recall %.3f < %.2f", recall, minRecall)
	}
	if targetAcc < minTargetAccuracy {
		t.Errorf("right lookalike_of %.3f < %.2f", targetAcc, minTargetAccuracy)
	}
}

var popular = []string{
	"google.com", "www.google.com", "facebook.com", "m.facebook.com", "youtube.com",
	"zalo.me", "chat.zalo.me", "shopee.vn", "shopeepay.vn", "tiki.vn", "lazada.vn",
	"vnexpress.net", "dantri.com.vn", "tuoitre.vn", "thanhnien.vn", "momo.vn",
	"vnpay.vn", "napas.com.vn", "vietcombank.com.vn", "www.vietcombank.com.vn",
	"techcombank.com", "bidv.com.vn", "agribank.com.vn", "mbbank.com.vn",
	"vpbank.com.vn", "tpb.vn", "acb.com.vn", "vib.com.vn", "ocb.com.vn",
	"scb.com.vn", "shb.com.vn", "sacombank.com.vn", "vietinbank.vn",
	"dichvucong.gov.vn", "bocongan.gov.vn", "baohiemxahoi.gov.vn", "hanoi.gov.vn",
	"chinhphu.vn", "zingmp3.vn", "sendo.vn", "thegioididong.com",
	"cellphones.com.vn", "fptshop.com.vn", "vietnamairlines.com", "vietjetair.com",
	"baomoi.com", "kenh14.vn", "24h.com.vn", "vtv.vn", "cafef.vn", "github.com",
	"wikipedia.org", "apple.com", "microsoft.com", "amazon.com", "netflix.com",
	"tiktok.com", "instagram.com", "x.com", "mbox.com", "docbao.vn",
	"vietnamnet.vn", "viettel.vn",
}

// TestPopularNotFlagged checks the promise that matters most: legitimate
// sites stay unflagged, both with the brands alone (no allowlist loaded)
// and with the whole allowlist.
func TestPopularNotFlagged(t *testing.T) {
	brandsOnly := New(DefaultBrands(), Options{})
	for _, h := range popular {
		if m, ok := brandsOnly.Check(h); ok {
			t.Errorf("brands only: Check(%q) = %+v, want no match", h, m)
		}
	}
	d := newTestDetector(t)
	for _, h := range append(popular, mustLines(t, "allowlist-sample.txt")...) {
		if m, ok := d.Check(h); ok {
			t.Errorf("with allowlist: Check(%q) = %+v, want no match", h, m)
		}
	}
}

func TestSignals(t *testing.T) {
	d := newTestDetector(t)
	tests := []struct {
		host   string
		reason Reason // "" means no match
		of     string
	}{
		// trusted
		{"vietcombank.com.vn", "", ""},
		{"VCBDigibank.Vietcombank.com.vn.", "", ""},
		{"https://ib.techcombank.com.vn/login", "", ""},
		{"anything.gov.vn", "", ""},
		{"192.0.2.1", "", ""},
		{"", "", ""},
		// homoglyph
		{"vietc0mbank.com", ReasonHomoglyph, "vietcombank.com.vn"},
		{"vietcornbank.com.vn", ReasonHomoglyph, "vietcombank.com.vn"},
		{"techcornbank.com", ReasonHomoglyph, "techcombank.com"},
		{"xn--vietcombnk-lj3e.com", ReasonHomoglyph, "vietcombank.com.vn"},
		{"vietcombạnk.com", ReasonHomoglyph, "vietcombank.com.vn"},
		{"vіetcombank.com", ReasonHomoglyph, "vietcombank.com.vn"}, // Cyrillic і
		{"tеchcombank.com", ReasonHomoglyph, "techcombank.com"},    // Cyrillic е
		{"sacombαnk.com", ReasonHomoglyph, "sacombank.com.vn"},     // Greek α
		{"bіdv.com", ReasonHomoglyph, "bidv.com.vn"},               // short label, IDN
		{"arnazon.tk", ReasonHomoglyph, "amazon.com"},              // allowlist entry
		{"vvikipedia.net", ReasonHomoglyph, "wikipedia.org"},       // vv → w, allowlisted site
		// same label, other suffix
		{"vietcombank.com", ReasonBrandEmbedded, "vietcombank.com.vn"},
		{"kul.com", "", ""}, // allowlist-only label: innocent
		// edit distance
		{"techconbank.vn", ReasonEditDistance, "techcombank.com"},
		{"vietcmobank.com", ReasonEditDistance, "vietcombank.com.vn"},
		{"vieittcombank.com", ReasonEditDistance, "vietcombank.com.vn"}, // 2 edits, 11 letters
		{"lazda.vn", ReasonEditDistance, "lazada.vn"},
		{"shoppe21.vip", ReasonEditDistance, "shopee.vn"},
		{"vietcxmbxxk.com", "", ""},                        // 3 edits
		{"vnpat.vn", ReasonEditDistance, "vnpay.vn"},       // 1 edit, 5 letters
		{"vmpai.vn", "", ""},                               // 2 edits on 5 letters
		{"acbbank.xyz", ReasonBrandEmbedded, "acb.com.vn"}, // not ED to abbank
		{"tpbank.shop", ReasonBrandEmbedded, "tpb.vn"},     // not ED to vpbank
		// brand embedded
		{"vietcombank-vn.com", ReasonBrandEmbedded, "vietcombank.com.vn"},
		{"vietcombankk.com", ReasonBrandEmbedded, "vietcombank.com.vn"},
		{"vcb-online.net", ReasonBrandEmbedded, "vietcombank.com.vn"},
		{"secure-bidv.top", ReasonBrandEmbedded, "bidv.com.vn"},
		{"vcb.com.vn.xyz.com", ReasonBrandEmbedded, "vietcombank.com.vn"},
		{"vietcombank.com.vn.login-verify.ru", ReasonBrandEmbedded, "vietcombank.com.vn"},
		{"dichvucong.gov.vn.hotro.xyz", ReasonBrandEmbedded, "dichvucong.gov.vn"},
		{"thue.gov.vn.hotro.xyz", ReasonBrandEmbedded, "thue.gov.vn"}, // suffix rule
		{"shbfinance1.com", ReasonBrandEmbedded, "shb.com.vn"},
		{"acb.vn-banking.xyz", ReasonBrandEmbedded, "acb.com.vn"},
		{"chanlemomo.net", ReasonBrandEmbedded, "momo.vn"},
		{"momo88.top", ReasonBrandEmbedded, "momo.vn"},
		{"vсb-online.net", ReasonBrandEmbedded, "vietcombank.com.vn"}, // Cyrillic с in a short code
		// short codes inside innocent words
		{"mbox.com", "", ""},
		{"acbuilding.com", "", ""},
		{"scbtv.com", "", ""},
		{"docbao.vn", "", ""},
		{"cashboom.io", "", ""},
		{"momondo.com", "", ""},
		{"bidvest.co.za", "", ""},
		{"acb.com", ReasonBrandEmbedded, "acb.com.vn"}, // a bank's own label, other suffix
		{"acb.mx", ReasonBrandEmbedded, "acb.com.vn"},
		{"acb-motors.com", "", ""}, // bare three-letter code, no lure word
		{"chanlemomovip.com", ReasonBrandEmbedded, "momo.vn"},
		// free hosting
		{"vietcombank-online.weebly.com", ReasonFreeHosting, "vietcombank.com.vn"},
		{"vcb.weebly.com", ReasonFreeHosting, "vietcombank.com.vn"},
		{"techcornbank.webflow.io", ReasonFreeHosting, "techcombank.com"},
		{"bidv-smart.github.io", ReasonFreeHosting, "bidv.com.vn"},
		{"my-portfolio.github.io", "", ""},
		{"weebly.com", "", ""},
	}
	for _, tt := range tests {
		m, ok := d.Check(tt.host)
		if ok != (tt.reason != "") || m.Reason != tt.reason || m.LookalikeOf != tt.of {
			t.Errorf("Check(%q) = %+v, %v; want reason %q, lookalike_of %q", tt.host, m, ok, tt.reason, tt.of)
		}
		if ok && (m.Score <= 0 || m.Score > 1) {
			t.Errorf("Check(%q).Score = %v, want in (0, 1]", tt.host, m.Score)
		}
	}
}

func TestSkeleton(t *testing.T) {
	tests := []struct{ in, want string }{
		{"vietcombank", "vletcombank"},
		{"VIETCOMBANK", "vletcombank"},
		{"vietc0mbank", "vletcombank"},
		{"vietcornbank", "vletcombank"},
		{"v1etcombank", "vletcombank"},
		{"vіеtсоmbаnk", "vletcombank"}, // Cyrillic і е с о а
		{"vietcombạnk", "vletcombank"}, // dot below
		{"ngân-hàng", "ngan-hang"},
		{"đông", "dong"},
		{"ｖｃｂ", "vcb"}, // full width
		{"vvietcombank", "wletcombank"},
		{"ρayραl", "paypal"}, // Greek ρ α
		{"a.b-c", "a.b-c"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Skeleton(tt.in); got != tt.want {
			t.Errorf("Skeleton(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"vietcombank", "vietcombank", 2, 0},
		{"vietcombank", "vietcombankk", 2, 1},
		{"vietcombank", "vietcobmank", 2, 1}, // swap
		{"vietcombank", "vietconbank", 2, 1},
		{"vietcombank", "vetcombnk", 2, 2},
		{"vietcombank", "xxxxcombank", 2, 3}, // over max → max+1
		{"abc", "", 1, 2},
		{"ca", "abc", 3, 3}, // OSA, not unrestricted DL
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b, tt.max); got != tt.want {
			t.Errorf("distance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.max, got, tt.want)
		}
	}
}

func TestConfusablesTable(t *testing.T) {
	m, err := parseConfusables(confusablesTxt)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) < 60 {
		t.Errorf("confusables table has %d entries, want the full subset (60+)", len(m))
	}
	for src, dst := range m {
		if dst >= 0x80 || dst != []rune(strings.ToLower(string(dst)))[0] {
			t.Errorf("confusable %U → %U: target must be lower-case ASCII", src, dst)
		}
	}
	if _, err := parseConfusables("0430 ; 0061\n0430 ; 0061\n"); err == nil {
		t.Error("duplicate source accepted")
	}
	if _, err := parseConfusables("zz ; 0061\n"); err == nil {
		t.Error("bad hex accepted")
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{"vietcombank.com.vn", "xn--vietcombnk-lj3e.com", "vcb.com.vn.xyz.com",
		"a.weebly.com", "ngân-hàng.vn", "http://user@[::1]:80/", "..", "xn--", "vіetcombank.com", "a.gov.vn.b.c"} {
		f.Add(s)
	}
	d := New(DefaultBrands(), Options{Domains: []string{"kul.vn", "amazon.com"}})
	f.Fuzz(func(t *testing.T, host string) {
		m1, ok1 := d.Check(host)
		m2, ok2 := d.Check(host)
		if ok1 != ok2 || m1 != m2 {
			t.Fatalf("Check(%q) not deterministic: %+v %v, then %+v %v", host, m1, ok1, m2, ok2)
		}
		if ok1 && (m1.LookalikeOf == "" || m1.Reason == "" || m1.Score <= 0 || m1.Score > 1) {
			t.Fatalf("Check(%q) = %+v: incomplete match", host, m1)
		}
		_ = Skeleton(host)
	})
}

func BenchmarkCheck(b *testing.B) {
	d := newTestDetector(b)
	rows := mustLabelled(b)
	hosts := make([]string, len(rows))
	for i, r := range rows {
		hosts[i] = r.host
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		d.Check(hosts[i%len(hosts)])
	}
}

func BenchmarkNew(b *testing.B) {
	allow := mustLines(b, "allowlist-sample.txt")
	brands := DefaultBrands()
	b.ReportAllocs()
	for b.Loop() {
		New(brands, Options{Domains: allow})
	}
}
