package scamcheck_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
	scamcheck "github.com/scamcheck/scamcheck/sdk/go"
)

func TestTypedErrors(t *testing.T) {
	tests := []struct {
		status int
		body   string
		code   string
		is     error
	}{
		{400, `{"error":{"code":"invalid_phone","message":"not a phone"}}`, "invalid_phone", scamcheck.ErrInvalidInput},
		{401, `{"error":{"code":"unauthorized","message":"bad key"}}`, "unauthorized", scamcheck.ErrUnauthorized},
		{403, `{"error":{"code":"forbidden","message":"role"}}`, "forbidden", scamcheck.ErrUnauthorized},
		{404, `{"error":{"code":"not_found","message":"no"}}`, "not_found", scamcheck.ErrNotFound},
		{429, `{"error":{"code":"rate_limited","message":"slow"}}`, "rate_limited", scamcheck.ErrRateLimited},
		{503, `{"error":{"code":"unavailable","message":"later"}}`, "unavailable", scamcheck.ErrUnavailable},
		{502, `<html>bad gateway</html>`, "http_502", scamcheck.ErrUnavailable},
	}
	sentinels := []error{scamcheck.ErrInvalidInput, scamcheck.ErrUnauthorized, scamcheck.ErrNotFound, scamcheck.ErrRateLimited, scamcheck.ErrUnavailable}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			_, err := mustClient(t, srv.URL, scamcheck.WithRetries(0)).CheckPhone(context.Background(), "x")
			var ae *scamcheck.APIError
			if !errors.As(err, &ae) || ae.Status != tt.status || ae.Code != tt.code {
				t.Fatalf("error %v, want *APIError %d %s", err, tt.status, tt.code)
			}
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == tt.is) {
					t.Errorf("errors.Is(%v, %v) = %v", err, s, got)
				}
			}
		})
	}
}

func TestNewRefusesBadURL(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "ftp://x", "http://"} {
		if _, err := scamcheck.New(u); !errors.Is(err, scamcheck.ErrInvalidInput) {
			t.Errorf("New(%q): %v, want ErrInvalidInput", u, err)
		}
	}
}

// TestClientAgainstServer runs every public endpoint against a real server.
func TestClientAgainstServer(t *testing.T) {
	s := mustServer(t)
	p := s.police(t)
	p.post("/v1/indicators", `{"phone":"0912345678","status":"confirmed","category":"scam"}`)
	p.post("/v1/indicators", `{"domain":"evil.vn","category":"phishing"}`)
	p.post("/v1/indicators", `{"bank":"VCB","account":"0011004353201"}`)
	ct := &countingTransport{}
	c := mustClient(t, s.url, scamcheck.WithHTTPClient(&http.Client{Transport: ct}), scamcheck.WithBatchSize(2))
	ctx := context.Background()

	checks := []struct {
		name    string
		call    func() (scamcheck.Result, error)
		verdict scamcheck.Verdict
		key     indicators.Key
	}{
		{"Check", func() (scamcheck.Result, error) { return c.Check(ctx, "+84 912 345 678") }, scamcheck.VerdictDangerous, "phone:+84912345678"},
		{"CheckPhone", func() (scamcheck.Result, error) { return c.CheckPhone(ctx, "0912.345.678") }, scamcheck.VerdictDangerous, "phone:+84912345678"},
		{"CheckBankAccount", func() (scamcheck.Result, error) { return c.CheckBankAccount(ctx, "Vietcombank", "0011 0043 53201") }, scamcheck.VerdictSuspicious, "bank_account:970436:0011004353201"},
		{"CheckDomain", func() (scamcheck.Result, error) { return c.CheckDomain(ctx, "login.evil.vn") }, scamcheck.VerdictSuspicious, "domain:login.evil.vn"},
		{"CheckURL", func() (scamcheck.Result, error) { return c.CheckURL(ctx, "https://evil.vn/x") }, scamcheck.VerdictSuspicious, "url:evil.vn/x"},
		{"CheckURL unknown", func() (scamcheck.Result, error) { return c.CheckURL(ctx, "https://example.org/") }, scamcheck.VerdictUnknown, "url:example.org/"},
	}
	for _, tt := range checks {
		r, err := tt.call()
		if err != nil || r.Verdict != tt.verdict || r.Key != tt.key {
			t.Errorf("%s: %s %s, %v; want %s %s", tt.name, r.Verdict, r.Key, err, tt.verdict, tt.key)
		}
	}
	var ae *scamcheck.APIError
	if _, err := c.CheckPhone(ctx, "12"); !errors.Is(err, scamcheck.ErrInvalidInput) || !errors.As(err, &ae) || ae.Code != indicators.CodePhoneTooShort {
		t.Errorf("CheckPhone(12): %v, want ErrInvalidInput with %s", err, indicators.CodePhoneTooShort)
	}

	// Five items in batches of two: three requests, results in order.
	items := []scamcheck.CheckItem{{Phone: "0912345678"}, {Domain: "evil.vn"}, {Q: "VCB 0011004353201"}, {URL: "https://example.org/"}, {}}
	ct.reset()
	res, err := c.CheckBatch(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ct.reset()); n != 3 {
		t.Errorf("CheckBatch made %d requests, want 3", n)
	}
	want := []scamcheck.Verdict{scamcheck.VerdictDangerous, scamcheck.VerdictSuspicious, scamcheck.VerdictSuspicious, scamcheck.VerdictUnknown, ""}
	if len(res) != len(want) {
		t.Fatalf("%d results", len(res))
	}
	for i, r := range res {
		if r.Verdict != want[i] {
			t.Errorf("result %d: %s, want %s", i, r.Verdict, want[i])
		}
	}
	if res[4].Error == nil || res[4].Error.Code != indicators.CodeEmpty {
		t.Errorf("empty item: %+v, want an item error %s", res[4].Error, indicators.CodeEmpty)
	}

	id, err := c.Report(ctx, scamcheck.ReportRequest{Phone: "0987654321", Description: "asked for an OTP",
		Contact: &scamcheck.Contact{Email: "a@example.vn"}})
	if err != nil || !strings.HasPrefix(id, "rep_") {
		t.Errorf("Report: %q, %v", id, err)
	}
	if _, err := c.Report(ctx, scamcheck.ReportRequest{Description: "names nothing"}); !errors.Is(err, scamcheck.ErrInvalidInput) {
		t.Errorf("empty report: %v, want ErrInvalidInput", err)
	}

	pl, err := c.Prefixes(ctx, scamcheck.KindPhone, "")
	if err != nil {
		t.Fatal(err)
	}
	reported := indicators.KeyPrefix("phone:+84987654321")
	if !pl.Full || pl.Count != 2 || len(pl.Prefixes) != 2 || (pl.Prefixes[0] != reported && pl.Prefixes[1] != reported) {
		t.Errorf("phone prefixes %+v, want the listed phone and the reported one", pl)
	}
	fr, err := c.FindHashes(ctx, []uint32{indicators.KeyPrefix("phone:+84912345678"), 0})
	if err != nil || len(fr.Matches) != 1 || fr.Matches[0].Verdict != scamcheck.VerdictDangerous || fr.CacheSeconds <= 0 {
		t.Errorf("FindHashes: %+v, %v", fr, err)
	}
}

func TestAPIKeySent(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		fmt.Fprint(w, `{"input":"x","verdict":"unknown"}`)
	}))
	defer srv.Close()
	if _, err := mustClient(t, srv.URL, scamcheck.WithAPIKey("sk_test")).Check(context.Background(), "x"); err != nil {
		t.Fatal(err)
	}
	if got != "Bearer sk_test" {
		t.Errorf("Authorization %q", got)
	}
}
