package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/scamcheck/scamcheck/indicators"
)

// TestAppendResultMatchesEncodingJSON holds the hand-written encoder to
// what `scamcheck check --json` prints (encoding/json without HTML
// escaping), byte for byte.
func TestAppendResultMatchesEncodingJSON(t *testing.T) {
	ts := time.Date(2025, 10, 1, 8, 30, 0, 123456789, time.UTC)
	ts2 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("ICT", 7*3600))
	tests := []indicators.Result{
		{},
		{Input: "0912 345 678", Kind: indicators.KindPhone, Key: "phone:+84912345678", Canonical: "+84912345678",
			Verdict: indicators.VerdictUnknown, Advice: indicators.AdviceFor(indicators.VerdictUnknown, indicators.KindPhone)},
		{Input: "http://x.vn/a?b=<c>&d", Kind: indicators.KindURL, Key: "url:x.vn/a?b=<c>&d", Canonical: "http://x.vn/a?b=<c>&d",
			Verdict: indicators.VerdictDangerous, Status: indicators.StatusConfirmed, Category: indicators.CategoryPhishing,
			Reports: 12, Sources: []string{"openphish", "citizen:web"}, FirstSeen: &ts, LastSeen: &ts2,
			Matched: "domain:x.vn", Degraded: true, Advice: indicators.AdviceFor(indicators.VerdictDangerous, indicators.KindURL)},
		{Input: "quote\" back\\slash \n\r\t\b\f \x01\x1f ctl", Error: &indicators.ResultError{Code: "undetected_kind", Message: "tab\there"}},
		{Input: "bad utf8 \xff\xfe end \u2028 \u2029 ngân hàng 🙂", Sources: []string{}},
		{Input: "neg", Reports: -1},
		{Input: "https://bank.vn/x", Kind: indicators.KindURL, Verdict: indicators.VerdictTrusted, LookalikeOf: "vietcombank.com.vn",
			Also: &indicators.Also{Key: "url:bank.vn/x", Verdict: indicators.VerdictSuspicious, Status: indicators.StatusReported, Reports: 3}},
		{Input: "0166 123 4567", Score: 42.5, Disputed: true, ConvertedFrom: "0166 123 4567",
			Linked: &indicators.Linked{Reports: 2, Phones: 3, URLs: 1}},
		{Input: "000201…", Score: 87, Linked: &indicators.Linked{Reports: 1, BankAccounts: 1, Domains: 2},
			QR: &indicators.PaymentQR{BIN: "970436", Bank: "Vietcombank", AccountMasked: "0011••••3201", Service: "QRIBFTTA",
				AmountVND: 150000, Currency: "704", Message: "chuyen tien \"coc\"", Mismatch: true, Expected: "VCB 0011004353202"}},
		{Input: "qr minimal", QR: &indicators.PaymentQR{BIN: "970415", AccountMasked: "12••••89"}},
		{Input: "score fraction", Score: 0.1 + 0.2},
		{Input: "also without reports", Also: &indicators.Also{Key: "domain:bank.vn", Verdict: indicators.VerdictTrusted, Status: indicators.StatusTrusted}},
	}
	// A field added to Result must be taught to appendResult and to the
	// cases above; this count makes the test fail until it is.
	if n := reflect.TypeFor[indicators.Result]().NumField(); n != 22 {
		t.Fatalf("indicators.Result has %d fields; appendResult and this test know 22", n)
	}
	for i, r := range tests {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		got := appendResult(nil, &r)
		if w := bytes.TrimSuffix(want.Bytes(), []byte("\n")); !bytes.Equal(got, w) {
			t.Errorf("case %d:\n got %s\nwant %s", i, got, w)
		}
	}
}

func BenchmarkAppendResult(b *testing.B) {
	r := indicators.Result{Input: "0912 345 678", Kind: indicators.KindPhone, Key: "phone:+84912345678", Canonical: "+84912345678",
		Verdict: indicators.VerdictUnknown, Advice: indicators.AdviceFor(indicators.VerdictUnknown, indicators.KindPhone)}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendResult(buf[:0], &r)
	}
}

// TestPlainString holds the word-at-a-time test to the byte-by-byte
// definition, for every byte value at every position of a word.
func TestPlainString(t *testing.T) {
	slow := func(s string) bool {
		for _, r := range s {
			if r < 0x20 || r == '"' || r == '\\' || r == '\u2028' || r == '\u2029' {
				return false
			}
		}
		return utf8.ValidString(s)
	}
	base := "abcdefghijklmnopqrst"
	for n := 0; n <= len(base); n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				s := base[:pos] + string(rune(c)) + base[pos+1:n]
				if c >= 0x80 {
					s = base[:pos] + string([]byte{byte(c)}) + base[pos+1:n]
				}
				if got, want := plainString(s), slow(s); got != want {
					t.Fatalf("plainString(%q) = %v, want %v", s, got, want)
				}
			}
		}
	}
	for _, s := range []string{"ngân hàng", "a\u2028b", "x\u2029", "🙂🙂🙂🙂", "\xe2\x80", "\xff", "\ufffd ok"} {
		if got, want := plainString(s), slow(s); got != want {
			t.Errorf("plainString(%q) = %v, want %v", s, got, want)
		}
	}
}
