package api_test

import (
	"net/url"
	"testing"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/indicators"
)

// A site both reported and on a feed's allowlist answers from the report;
// once police put it on the allowlist themselves, the allowlist wins and the
// report is still shown. Confirming an allowlist entry vouches for it rather
// than turning it into a scam.
func TestTrustEndpoint(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		e := mustEnv(t, store, nil)
		police := e.secrets[indicators.RolePolice]
		var ch struct {
			Record indicators.Record `json:"record"`
		}
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"url": "http://cong-ty-x.vn/khuyen-mai/", "source": "hotline"}, 201, &ch)
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"domain": "cong-ty-x.vn", "status": "trusted", "source": "feed-allowlist"}, 201, nil)
		check := func() indicators.Result {
			var r indicators.Result
			e.mustDo(t, "GET", "/v1/check?url="+url.QueryEscape("https://cong-ty-x.vn/khuyen-mai/x"), "", nil, 200, &r)
			return r
		}
		if r := check(); r.Verdict != indicators.VerdictSuspicious || r.Also == nil || r.Also.Verdict != indicators.VerdictTrusted {
			t.Fatalf("feed allowlist vs report: %+v", r)
		}
		path := "/v1/indicators/" + url.PathEscape("domain:cong-ty-x.vn")
		var rec indicators.Record
		e.mustDo(t, "POST", path+"/confirm", police, nil, 200, &rec)
		if rec.Status != indicators.StatusTrusted || rec.ConfirmedBy == "" {
			t.Fatalf("confirming an allowlist entry: %+v, want it trusted and vouched for", rec)
		}
		if r := check(); r.Verdict != indicators.VerdictTrusted || r.Also == nil || r.Also.Key != ch.Record.Key {
			t.Fatalf("police allowlist vs report: %+v, want trusted with the report shown", r)
		}

		// /trust turns a reported key itself into a police-confirmed
		// allowlist entry, keeping its report count.
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"phone": "0912345678", "source": "hotline"}, 201, nil)
		e.mustDo(t, "POST", "/v1/indicators/"+url.PathEscape("phone:+84912345678")+"/trust", police, map[string]any{"note": "tổng đài chính thức"}, 200, &rec)
		if rec.Status != indicators.StatusTrusted || rec.ConfirmedBy == "" || rec.Reports != 1 {
			t.Fatalf("trust: %+v", rec)
		}
		var r indicators.Result
		e.mustDo(t, "GET", "/v1/check?phone=0912345678", "", nil, 200, &r)
		if r.Verdict != indicators.VerdictTrusted || r.Reports != 1 {
			t.Fatalf("trusted phone answers %+v", r)
		}
		var page indicators.AuditPage
		e.mustDo(t, "GET", "/v1/audit?limit=1000", e.secrets[indicators.RoleAdmin], nil, 200, &page)
		found := false
		for _, en := range page.Entries {
			found = found || en.Action == api.ActionIndicatorTrust && en.Target == "phone:+84912345678"
		}
		if !found {
			t.Error("trust is not in the audit log")
		}
		// Only police and admins may trust.
		e.mustDo(t, "POST", "/v1/indicators/"+url.PathEscape("phone:+84912345678")+"/trust", e.secrets[indicators.RolePartner], nil, 403, nil)
	})
}
