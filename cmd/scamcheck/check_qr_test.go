package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

func TestCheckQRAndOldNumber(t *testing.T) {
	dir := t.TempDir()
	payload, err := indicators.VietQR{GUID: "A000000727", BIN: "970436", Account: "0011004353201", Service: "QRIBFTTA",
		Currency: "704", Amount: "50000", Purpose: "hoc phi"}.Encode()
	if err != nil {
		t.Fatal(err)
	}

	res := runCLI(t, "", "check", "--json", "--data", dir, "--expect-account", "ACB 0011004353201", payload, "0166 123 4567")
	if res.err != nil {
		t.Fatalf("check: %v\n%s", res.err, res.stderr)
	}
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("printed %q", res.stdout)
	}
	var qr, old indicators.Result
	if err := json.Unmarshal([]byte(lines[0]), &qr); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &old); err != nil {
		t.Fatal(err)
	}
	if qr.Key != "bank_account:970436:0011004353201" || qr.QR == nil || !qr.QR.Mismatch || qr.QR.Expected != "ACB 0011004353201" || qr.QR.Bank != "Vietcombank" {
		t.Errorf("QR result %+v (QR %+v)", qr, qr.QR)
	}
	if old.Key != "phone:+84361234567" || old.ConvertedFrom != "0166 123 4567" {
		t.Errorf("old number result %+v", old)
	}

	// The text output says both things.
	res = runCLI(t, "", "check", "--data", dir, "--expect-account", "0011004353202", payload, "0166 123 4567")
	for _, want := range []string{"QR: Vietcombank (BIN 970436) 0011••••3201", "50000 VND", "WARNING: the QR pays another account than 0011004353202", "converted: 0166 123 4567 → +84361234567"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, res.stdout)
		}
	}

	// A bad CRC and an unknown old prefix are input errors (exit 1).
	broken := payload[:len(payload)-4] + "0000"
	out, err := checkJSON(t, dir, broken, "0130 123 4567")
	if exitCode(err) != 1 || out[0].Error == nil || out[0].Error.Code != indicators.CodeQRChecksum ||
		out[1].Error == nil || out[1].Error.Code != indicators.CodeUnknownOldPrefix {
		t.Errorf("bad inputs: exit %d, %+v %+v", exitCode(err), out[0].Error, out[1].Error)
	}
	// An expected account with no number is a usage error.
	if res := runCLI(t, "", "check", "--data", dir, "--expect-account", "abc", payload); res.err == nil {
		t.Error("--expect-account abc accepted")
	}
}
