package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/scamcheck/scamcheck/indicators"
)

func (m *Main) runCheck(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per input")
	kind := fs.String("kind", "", "treat every input as this kind (phone, bank_account, domain, url) instead of auto-detecting")
	expect := fs.String("expect-account", "", "for a VietQR payload: the account you meant to pay (\"VCB 0011004353201\" or the number); warns when the QR pays another")
	cfg := m.storeFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "usage: scamcheck check [--json] [--kind K] [--expect-account ACCOUNT] [--data DIR | --redis URL] INPUT...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitError{code: 2}
	}
	var k indicators.Kind
	if *kind != "" {
		var err error
		if k, err = indicators.ParseKind(*kind); err != nil {
			return fmt.Errorf("--kind: %w", err)
		}
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	// The CLI answers a handful of inputs: asking the Store directly is
	// cheaper than loading filters, so every key counts as a filter hit.
	engine := indicators.NewEngine(b.Store, everyKey{}, indicators.EngineOptions{})

	enc := json.NewEncoder(m.Stdout)
	enc.SetEscapeHTML(false)
	invalid := 0
	for _, in := range fs.Args() {
		var r indicators.Result
		if k != "" {
			r = engine.CheckAs(ctx, k, in)
		} else {
			r = engine.Check(ctx, in)
		}
		if r.Error == nil {
			if err := indicators.ApplyExpected(&r, *expect); err != nil {
				return fmt.Errorf("--expect-account: %w", err)
			}
		}
		if r.Error != nil {
			invalid++
		}
		if *asJSON {
			if err := enc.Encode(r); err != nil {
				return err
			}
			continue
		}
		m.printResult(r)
	}
	if invalid > 0 {
		return exitError{code: 1}
	}
	return nil
}

// everyKey is a Filter that sends every key to the Store.
type everyKey struct{}

func (everyKey) Test(indicators.Key) bool { return true }

var verdictVI = map[indicators.Verdict]string{
	indicators.VerdictDangerous:  "NGUY HIỂM",
	indicators.VerdictSuspicious: "ĐÁNG NGỜ",
	indicators.VerdictTrusted:    "ĐÃ XÁC MINH",
	indicators.VerdictUnknown:    "CHƯA CÓ BÁO CÁO",
}

func (m *Main) printResult(r indicators.Result) {
	if r.Error != nil {
		fmt.Fprintf(m.Stdout, "%s\n  lỗi / error: %s (%s)\n", r.Input, r.Error.Message, r.Error.Code)
		return
	}
	fmt.Fprintf(m.Stdout, "%s\n  %s (%s)  %s\n", r.Input, verdictVI[r.Verdict], r.Verdict, r.Key)
	if r.Reports > 0 {
		fmt.Fprintf(m.Stdout, "  reports: %d  category: %s  sources: %s\n", r.Reports, r.Category, strings.Join(r.Sources, ", "))
	}
	if r.ConvertedFrom != "" {
		fmt.Fprintf(m.Stdout, "  số cũ 11 số, đã đổi / old 11-digit number, converted: %s → %s\n", r.ConvertedFrom, r.Canonical)
	}
	if qr := r.QR; qr != nil {
		fmt.Fprintf(m.Stdout, "  QR: %s (BIN %s) %s", qr.Bank, qr.BIN, qr.AccountMasked)
		if qr.AmountVND > 0 {
			fmt.Fprintf(m.Stdout, "  %d VND", qr.AmountVND)
		}
		if qr.Message != "" {
			fmt.Fprintf(m.Stdout, "  %q", qr.Message)
		}
		fmt.Fprintln(m.Stdout)
		if qr.Mismatch {
			fmt.Fprintf(m.Stdout, "  CẢNH BÁO: mã QR chuyển tiền đến tài khoản khác %s / WARNING: the QR pays another account than %s\n", qr.Expected, qr.Expected)
		}
	}
	if r.Degraded {
		fmt.Fprintln(m.Stdout, "  (store unreachable: answer degraded)")
	}
	if r.Advice != nil {
		fmt.Fprintf(m.Stdout, "  %s\n", r.Advice.VI)
	}
}
