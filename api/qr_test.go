package api_test

import (
	"net/url"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

// TestCheckVietQRAndOldNumbers checks a VietQR payload and old 11-digit
// numbers through GET /v1/check, against Redis and the embedded store.
func TestCheckVietQRAndOldNumbers(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		e := mustEnv(t, store, nil)
		police := e.secrets[indicators.RolePolice]
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"bank": "MB", "account": "0987654321", "category": "scam"}, 201, nil)
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"phone": "036 123 4567", "category": "scam"}, 201, nil)

		q := indicators.VietQR{Initiation: "12", GUID: "A000000727", BIN: "970422", Account: "0987654321", Service: "QRIBFTTA",
			Currency: "704", Amount: "200000", Country: "VN", Purpose: "dat coc"}
		payload, err := q.Encode()
		if err != nil {
			t.Fatal(err)
		}
		check := "/v1/check?q=" + url.QueryEscape(payload)

		var r indicators.Result
		e.mustDo(t, "GET", check, "", nil, 200, &r)
		want := indicators.PaymentQR{BIN: "970422", Bank: "MBBank", AccountMasked: "098••••321", Service: "QRIBFTTA",
			AmountVND: 200000, Currency: "704", Message: "dat coc"}
		if r.Key != "bank_account:970422:0987654321" || r.Verdict == indicators.VerdictUnknown || r.QR == nil || *r.QR != want {
			t.Fatalf("QR check: %+v (QR %+v); want the listed account (not unknown), %+v", r, r.QR, want)
		}

		tests := []struct {
			expect   string
			mismatch bool
		}{
			{"MB 0987654321", false},
			{"0987 654 321", false},
			{"VCB 0987654321", true},
			{"0987654320", true},
		}
		for _, tt := range tests {
			var got indicators.Result
			e.mustDo(t, "GET", check+"&expect_account="+url.QueryEscape(tt.expect), "", nil, 200, &got)
			if got.QR == nil || got.QR.Mismatch != tt.mismatch || got.QR.Expected != tt.expect {
				t.Errorf("expect_account=%q: QR %+v; want mismatch %v", tt.expect, got.QR, tt.mismatch)
			}
		}
		if bad := e.mustDo(t, "GET", check+"&expect_account=abc", "", nil, 400, nil); bad.errCode() != indicators.CodeInvalidAccount {
			t.Errorf("expect_account=abc: code %q", bad.errCode())
		}

		// A bad CRC is refused with its own code.
		broken := payload[:len(payload)-4] + "0000"
		if payload[len(payload)-4:] == "0000" {
			broken = payload[:len(payload)-4] + "FFFF"
		}
		if bad := e.mustDo(t, "GET", "/v1/check?q="+url.QueryEscape(broken), "", nil, 400, nil); bad.errCode() != indicators.CodeQRChecksum {
			t.Errorf("bad CRC: code %q, want %q", bad.errCode(), indicators.CodeQRChecksum)
		}

		// Old numbers: converted and said so; an unknown old prefix is a 400.
		for _, in := range []string{"0166 123 4567", "+84 166 123 4567"} {
			var got indicators.Result
			e.mustDo(t, "GET", "/v1/check?q="+url.QueryEscape(in), "", nil, 200, &got)
			if got.Key != "phone:+84361234567" || got.ConvertedFrom != in || got.Verdict == indicators.VerdictUnknown {
				t.Errorf("old number %q: %+v", in, got)
			}
		}
		if bad := e.mustDo(t, "GET", "/v1/check?phone="+url.QueryEscape("0130 123 4567"), "", nil, 400, nil); bad.errCode() != indicators.CodeUnknownOldPrefix {
			t.Errorf("unknown old prefix: code %q, want %q", bad.errCode(), indicators.CodeUnknownOldPrefix)
		}

		// A citizen report names an old number: it lands on the current
		// key. One with an unknown old prefix is refused and stores nothing.
		var created struct {
			ID   string           `json:"id"`
			Keys []indicators.Key `json:"keys"`
		}
		e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"phone": "0166 123 4567", "channel": "hotline", "category": "scam"}, 201, &created)
		if len(created.Keys) != 1 || created.Keys[0] != "phone:+84361234567" {
			t.Errorf("report of an old number: keys %v", created.Keys)
		}
		var before, after indicators.ReportPage
		e.mustDo(t, "GET", "/v1/reports?status=pending", police, nil, 200, &before)
		if bad := e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"phone": "0130 123 4567", "channel": "hotline", "category": "scam"}, 400, nil); bad.errCode() != indicators.CodeUnknownOldPrefix {
			t.Errorf("report with unknown old prefix: code %q", bad.errCode())
		}
		e.mustDo(t, "GET", "/v1/reports?status=pending", police, nil, 200, &after)
		if len(before.Reports) != 1 || len(after.Reports) != len(before.Reports) {
			t.Errorf("pending reports %d before, %d after a refused report; want 1 and 1", len(before.Reports), len(after.Reports))
		}
	})
}
