package indicators_test

import (
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

// FuzzDecodeVietQR: the decoder never panics, and whatever it accepts
// survives a round trip: encoding the decoded fields gives a payload that
// decodes to the same fields.
func FuzzDecodeVietQR(f *testing.F) {
	for _, q := range validQRs() {
		p, err := q.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
	}
	for _, b := range brokenQRs(f) {
		f.Add(b.payload)
	}
	f.Add("000201")
	f.Add("00020101021238570010A00000072701270006970436011300110043532010208QRIBFTTA53037045802VN63046E1B")
	f.Fuzz(func(t *testing.T, payload string) {
		q, err := indicators.DecodeVietQR(payload)
		if err != nil {
			if indicators.ErrorCode(err) == "internal" {
				t.Fatalf("DecodeVietQR(%q): error without a code: %v", payload, err)
			}
			return
		}
		again, err := q.Encode()
		if err != nil {
			t.Fatalf("DecodeVietQR(%q) = %+v, which does not encode: %v", payload, q, err)
		}
		q2, err := indicators.DecodeVietQR(again)
		if err != nil {
			t.Fatalf("re-encoded %q (from %q) does not decode: %v", again, payload, err)
		}
		if q2 != q {
			t.Fatalf("round trip of %q:\n got %+v\nwant %+v", payload, q2, q)
		}
		// Whatever decodes also parses or fails with a code, without panicking.
		if p, err := indicators.ParseVietQR(payload); err == nil && (p.QR == nil || p.Kind != indicators.KindBankAccount) {
			t.Fatalf("ParseVietQR(%q) = %+v", payload, p)
		}
	})
}
