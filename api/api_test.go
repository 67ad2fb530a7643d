package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/indicators"
)

func TestChecks(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		e := mustEnv(t, store, nil)
		police := e.secrets[indicators.RolePolice]

		var r indicators.Result
		e.mustDo(t, "GET", "/v1/check?phone="+url.QueryEscape("0912 345 678"), "", nil, 200, &r)
		if r.Verdict != indicators.VerdictUnknown || r.Key != "phone:+84912345678" || r.Advice == nil {
			t.Fatalf("miss: got %+v", r)
		}

		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"phone": "0912345678", "category": "scam"}, 201, nil)
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"domain": "fake-bank.example.vn", "category": "phishing"}, 201, nil)

		tests := []struct {
			query   string
			verdict indicators.Verdict
			key     indicators.Key
		}{
			{"q=" + url.QueryEscape("+84 912-345-678"), indicators.VerdictSuspicious, "phone:+84912345678"},
			{"phone=0912345678", indicators.VerdictSuspicious, "phone:+84912345678"},
			{"phone=0912345679", indicators.VerdictUnknown, "phone:+84912345679"},
			{"domain=FAKE-BANK.example.vn.", indicators.VerdictSuspicious, "domain:fake-bank.example.vn"},
			{"url=" + url.QueryEscape("https://login.fake-bank.example.vn/otp?x=1"), indicators.VerdictSuspicious, ""},
			{"q=" + url.QueryEscape("http://example.org/"), indicators.VerdictUnknown, ""},
		}
		for _, tc := range tests {
			var got indicators.Result
			e.mustDo(t, "GET", "/v1/check?"+tc.query, "", nil, 200, &got)
			if got.Verdict != tc.verdict {
				t.Errorf("GET ?%s: verdict %q, want %q (%+v)", tc.query, got.Verdict, tc.verdict, got)
			}
			if tc.key != "" && got.Key != tc.key {
				t.Errorf("GET ?%s: key %q, want %q", tc.query, got.Key, tc.key)
			}
		}

		// Batch: results in order, invalid items answered in place.
		items := []map[string]string{
			{"q": "0912345678"},
			{"phone": "not a phone"},
			{"domain": "fake-bank.example.vn"},
			{"q": "0912345679"},
		}
		var batch struct {
			Results []indicators.Result `json:"results"`
		}
		e.mustDo(t, "POST", "/v1/check", "", map[string]any{"items": items}, 200, &batch)
		if len(batch.Results) != len(items) {
			t.Fatalf("batch: %d results, want %d", len(batch.Results), len(items))
		}
		wantV := []indicators.Verdict{indicators.VerdictSuspicious, "", indicators.VerdictSuspicious, indicators.VerdictUnknown}
		for i, r := range batch.Results {
			if r.Verdict != wantV[i] {
				t.Errorf("batch[%d]: verdict %q, want %q", i, r.Verdict, wantV[i])
			}
		}
		if batch.Results[1].Error == nil || batch.Results[1].Error.Code == "" {
			t.Errorf("batch[1]: want an error, got %+v", batch.Results[1])
		}

		// A full batch is accepted; one more item is not.
		full := make([]map[string]string, 1000)
		for i := range full {
			full[i] = map[string]string{"phone": fmt.Sprintf("09%08d", i)}
		}
		e.mustDo(t, "POST", "/v1/check", "", map[string]any{"items": full}, 200, &batch)
		if len(batch.Results) != 1000 || batch.Results[999].Key != "phone:+84900000999" {
			t.Fatalf("1000 items: %d results, last %+v", len(batch.Results), batch.Results[len(batch.Results)-1])
		}
		full = append(full, map[string]string{"q": "x"})
		r1001 := e.mustDo(t, "POST", "/v1/check", "", map[string]any{"items": full}, 400, nil)
		if r1001.errCode() != api.CodeBatchTooLarge {
			t.Errorf("1001 items: code %q, want %q", r1001.errCode(), api.CodeBatchTooLarge)
		}
	})
}

func TestCheckBankAccount(t *testing.T) {
	e := mustEnv(t, "bolt", nil)
	var r indicators.Result
	e.mustDo(t, "GET", "/v1/check?bank=VCB&account="+url.QueryEscape("0011 0043 53201"), "", nil, 200, &r)
	if r.Kind != indicators.KindBankAccount || r.Verdict != indicators.VerdictUnknown {
		t.Fatalf("got %+v", r)
	}
	bad := e.mustDo(t, "GET", "/v1/check?account=0011004353201", "", nil, 400, nil)
	if bad.errCode() != indicators.CodeMissingBank {
		t.Errorf("account without bank: code %q, want %q", bad.errCode(), indicators.CodeMissingBank)
	}
}

// TestReportFlow is the police workflow: a citizen reports a number, police
// find it in the pending list, read the contact, confirm, and the check
// now says dangerous.
func TestReportFlow(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		e := mustEnv(t, store, nil)
		police := e.secrets[indicators.RolePolice]

		var created struct {
			ID   string           `json:"id"`
			Keys []indicators.Key `json:"keys"`
		}
		e.mustDo(t, "POST", "/v1/reports", "", map[string]any{
			"phone": "0987 654 321", "bank": "VCB", "account": "0011004353201",
			"channel": "hotline", "category": "impersonation", "description": "Gọi giả danh công an",
			"amount_vnd": 5_000_000, "happened_at": "2025-10-01T08:00:00Z", "holder_name": "NGUYEN VAN B",
			"contact": map[string]string{"name": "Tran Thi C", "phone": "0901234567", "email": "c@example.vn"},
		}, 201, &created)
		if created.ID == "" || len(created.Keys) != 2 {
			t.Fatalf("created %+v", created)
		}

		// The report counted on the indicator: it is listed, not confirmed.
		var r indicators.Result
		e.mustDo(t, "GET", "/v1/check?phone=0987654321", "", nil, 200, &r)
		if r.Verdict != indicators.VerdictSuspicious || r.Reports != 1 || len(r.Sources) != 1 || r.Sources[0] != "citizen:hotline" {
			t.Fatalf("after report: %+v", r)
		}

		var page indicators.ReportPage
		e.mustDo(t, "GET", "/v1/reports?status=pending", police, nil, 200, &page)
		if len(page.Reports) != 1 || page.Reports[0].ID != created.ID || !page.Reports[0].HasContact {
			t.Fatalf("pending list: %+v", page)
		}

		var full struct {
			indicators.Report
			Contact *indicators.Contact `json:"contact"`
		}
		e.mustDo(t, "GET", "/v1/reports/"+created.ID, police, nil, 200, &full)
		if full.Contact == nil || full.Contact.Name != "Tran Thi C" || full.AmountVND != 5_000_000 {
			t.Fatalf("report as police sees it: %+v contact %+v", full.Report, full.Contact)
		}
		// The contact is police-only, and never in the audit log.
		if got := e.do(t, "GET", "/v1/reports/"+created.ID, e.secrets[indicators.RolePartner], nil); got.status != 403 {
			t.Errorf("partner reads report: %d, want 403", got.status)
		}

		var confirmed indicators.Report
		e.mustDo(t, "POST", "/v1/reports/"+created.ID+"/confirm", police, map[string]string{"note": "verified by call"}, 200, &confirmed)
		if confirmed.Status != indicators.ReportConfirmed || confirmed.ReviewedBy != "test-police" {
			t.Fatalf("confirmed report: %+v", confirmed)
		}
		for _, q := range []string{"phone=0987654321", "bank=970436&account=0011004353201"} {
			e.mustDo(t, "GET", "/v1/check?"+q, "", nil, 200, &r)
			if r.Verdict != indicators.VerdictDangerous || r.Status != indicators.StatusConfirmed {
				t.Errorf("after confirm, ?%s: %+v", q, r)
			}
		}
		// A second review of the same report is a conflict.
		again := e.mustDo(t, "POST", "/v1/reports/"+created.ID+"/reject", police, nil, 409, nil)
		if again.errCode() != api.CodeConflict {
			t.Errorf("re-review: code %q", again.errCode())
		}

		// Reject path on another report.
		e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"url": "http://lure.example.org/x", "channel": "web"}, 201, &created)
		var rejected indicators.Report
		e.mustDo(t, "POST", "/v1/reports/"+created.ID+"/reject", police, map[string]string{"note": "not a scam"}, 200, &rejected)
		if rejected.Status != indicators.ReportRejected {
			t.Errorf("rejected: %+v", rejected)
		}
		e.mustDo(t, "GET", "/v1/reports/rep_doesnotexist", police, nil, 404, nil)

		var audit indicators.AuditPage
		e.mustDo(t, "GET", "/v1/audit", e.secrets[indicators.RoleAdmin], nil, 200, &audit)
		actions := map[string]int{}
		for _, a := range audit.Entries {
			actions[a.Action]++
			if strings.Contains(string(a.Before)+string(a.After), "Tran Thi C") || strings.Contains(string(a.After), "0901234567") {
				t.Errorf("audit entry %s holds contact data: %s", a.Action, a.After)
			}
		}
		for _, want := range []string{api.ActionReportCreate, api.ActionReportConfirm, api.ActionReportReject, api.ActionIndicatorConfirm} {
			if actions[want] == 0 {
				t.Errorf("audit has no %s entry (have %v)", want, actions)
			}
		}
		if actions[api.ActionIndicatorConfirm] != 2 {
			t.Errorf("indicator.confirm entries: %d, want 2", actions[api.ActionIndicatorConfirm])
		}
	})
}

func TestIndicatorEndpoints(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		// A fixed clock: a repeat of the same source is then unchanged.
		now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		e := mustEnv(t, store, func(c *api.Config) { c.Now = func() time.Time { return now } })
		police := e.secrets[indicators.RolePolice]

		var ch struct {
			Change string            `json:"change"`
			Record indicators.Record `json:"record"`
		}
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"url": "http://Evil.example.com/Login?a=1", "category": "phishing", "source": "test-feed"}, 201, &ch)
		urlKey := ch.Record.Key
		if ch.Change != "added" || urlKey.Kind() != indicators.KindURL || ch.Record.Sources[0].Name != "test-feed" {
			t.Fatalf("create: %+v", ch)
		}
		// The same again is unchanged; another source updates.
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"key": string(urlKey), "source": "test-feed"}, 200, &ch)
		if ch.Change != "unchanged" {
			t.Errorf("repeat: change %q", ch.Change)
		}
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"key": string(urlKey), "source": "other"}, 200, &ch)
		if ch.Change != "updated" || len(ch.Record.Sources) != 2 {
			t.Errorf("second source: %+v", ch)
		}
		for i := range 5 {
			e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"phone": fmt.Sprintf("09120000%02d", i), "status": "confirmed"}, 201, nil)
		}

		esc := "/v1/indicators/" + url.PathEscape(string(urlKey))
		var rec indicators.Record
		e.mustDo(t, "GET", esc, police, nil, 200, &rec)
		if rec.Key != urlKey {
			t.Fatalf("get %s: %+v", esc, rec)
		}
		e.mustDo(t, "GET", "/v1/indicators/"+url.PathEscape("phone:+84999999999"), police, nil, 404, nil)

		// List with filters and paging.
		var page indicators.Page
		e.mustDo(t, "GET", "/v1/indicators?kind=phone&status=confirmed&limit=2", police, nil, 200, &page)
		seen := len(page.Records)
		for page.Next != "" {
			if seen > 10 {
				t.Fatal("paging does not end")
			}
			next := page.Next
			page = indicators.Page{}
			e.mustDo(t, "GET", "/v1/indicators?kind=phone&status=confirmed&limit=2&cursor="+url.QueryEscape(string(next)), police, nil, 200, &page)
			seen += len(page.Records)
		}
		if seen != 5 {
			t.Errorf("paged through %d confirmed phones, want 5", seen)
		}
		e.mustDo(t, "GET", "/v1/indicators?source=other", police, nil, 200, &page)
		if len(page.Records) != 1 || page.Records[0].Key != urlKey {
			t.Errorf("source filter: %+v", page.Records)
		}

		// Confirm, then delist (which needs a reason).
		e.mustDo(t, "POST", esc+"/confirm", police, nil, 200, &rec)
		if rec.Status != indicators.StatusConfirmed || rec.ConfirmedBy != "test-police" {
			t.Errorf("confirm: %+v", rec)
		}
		var r indicators.Result
		e.mustDo(t, "GET", "/v1/check?url="+url.QueryEscape("http://evil.example.com/Login?a=1"), "", nil, 200, &r)
		if r.Verdict != indicators.VerdictDangerous {
			t.Errorf("check after confirm: %+v", r)
		}
		if got := e.do(t, "POST", esc+"/delist", police, map[string]string{}); got.status != 400 {
			t.Errorf("delist without reason: %d %s", got.status, got.body)
		}
		e.mustDo(t, "POST", esc+"/delist", police, map[string]string{"reason": "site taken down"}, 200, &rec)
		if rec.Status != indicators.StatusDelisted || !strings.Contains(rec.Note, "site taken down") {
			t.Errorf("delist: %+v", rec)
		}
		e.mustDo(t, "GET", "/v1/check?url="+url.QueryEscape("http://evil.example.com/Login?a=1"), "", nil, 200, &r)
		if r.Verdict != indicators.VerdictUnknown {
			t.Errorf("check after delist: %+v", r)
		}
		e.mustDo(t, "POST", "/v1/indicators/"+url.PathEscape("phone:+84999999999")+"/delist", police, map[string]string{"reason": "x"}, 404, nil)

		// Import a feed in a text format.
		feed := "https://phish-one.example.net/login\nhttps://phish-two.example.net/\nnot a url at all\n"
		var sum struct {
			Format   string   `json:"format"`
			Read     int      `json:"read"`
			Added    int      `json:"added"`
			Rejected int      `json:"rejected"`
			Rejects  []string `json:"rejects"`
		}
		e.mustDo(t, "POST", "/v1/indicators:import?format=openphish&source=openphish-test", police, feed, 200, &sum)
		if sum.Added != 2 || sum.Rejected != 1 || len(sum.Rejects) != 1 {
			t.Errorf("import summary: %+v", sum)
		}
		e.mustDo(t, "GET", "/v1/check?url="+url.QueryEscape("https://phish-two.example.net/"), "", nil, 200, &r)
		if r.Verdict != indicators.VerdictSuspicious {
			t.Errorf("check after import: %+v", r)
		}
		if got := e.do(t, "POST", "/v1/indicators:import?format=nosuch", police, feed); got.status != 400 {
			t.Errorf("import with unknown format: %d %s", got.status, got.body)
		}

		var audit indicators.AuditPage
		e.mustDo(t, "GET", "/v1/audit?target="+url.QueryEscape(string(urlKey)), e.secrets[indicators.RoleAdmin], nil, 200, &audit)
		var acts []string
		for _, a := range audit.Entries {
			acts = append(acts, a.Action)
			if a.Actor != "test-police" || a.Role != indicators.RolePolice {
				t.Errorf("audit actor %q role %q", a.Actor, a.Role)
			}
		}
		want := []string{api.ActionIndicatorCreate, api.ActionIndicatorCreate, api.ActionIndicatorConfirm, api.ActionIndicatorDelist}
		if strings.Join(acts, ",") != strings.Join(want, ",") {
			t.Errorf("audit of %s: %v, want %v", urlKey, acts, want)
		}
	})
}

func TestKeyEndpoints(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		e := mustEnv(t, store, nil)
		admin := e.secrets[indicators.RoleAdmin]
		var created struct {
			ID     string `json:"id"`
			Role   string `json:"role"`
			Secret string `json:"secret"`
			Hash   string `json:"hash"`
		}
		e.mustDo(t, "POST", "/v1/keys", admin, map[string]string{"name": "bank-x", "role": "police"}, 201, &created)
		if !strings.HasPrefix(created.Secret, api.SecretPrefix) || created.Hash != "" {
			t.Fatalf("created key: %+v", created)
		}
		e.mustDo(t, "GET", "/v1/reports", created.Secret, nil, 200, nil)
		list := e.mustDo(t, "GET", "/v1/keys", admin, nil, 200, nil)
		if strings.Contains(string(list.body), created.Secret) || strings.Contains(string(list.body), api.HashSecret(created.Secret)) {
			t.Errorf("key list shows a secret or hash: %s", list.body)
		}
		e.mustDo(t, "POST", "/v1/keys/bank-x/revoke", admin, nil, 200, nil)
		if got := e.do(t, "GET", "/v1/reports", created.Secret, nil); got.status != 401 || got.errCode() != api.CodeUnauthorized {
			t.Errorf("revoked key: %d %s", got.status, got.body)
		}
		if got := e.do(t, "POST", "/v1/keys", admin, map[string]string{"name": "x", "role": "root"}); got.status != 400 {
			t.Errorf("bad role: %d %s", got.status, got.body)
		}
	})
}

// TestAuthMatrix tries every write (and police/admin read) endpoint with no
// key and a key of each role.
func TestAuthMatrix(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		e := mustEnv(t, store, nil)
		police := e.secrets[indicators.RolePolice]
		newReport := func() string {
			var c struct {
				ID string `json:"id"`
			}
			e.mustDo(t, "POST", "/v1/reports", "", map[string]string{"phone": "0911111111"}, 201, &c)
			return c.ID
		}
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]string{"phone": "0922222222"}, 201, nil)
		key := url.PathEscape("phone:+84922222222")

		const (
			ok        = 0 // any 2xx
			u         = http.StatusUnauthorized
			f         = http.StatusForbidden
			anyStatus = -1
		)
		type endpoint struct {
			method, path string
			body         any
			want         [5]int // no key, public, partner, police, admin
		}
		polOnly := [5]int{u, f, f, ok, ok}
		adminOnly := [5]int{u, f, f, f, ok}
		open := [5]int{ok, ok, ok, ok, ok}
		var keyNum int
		endpoints := []func() endpoint{
			func() endpoint {
				return endpoint{"POST", "/v1/reports", map[string]string{"phone": "0933333333"}, open}
			},
			func() endpoint { return endpoint{"GET", "/v1/reports", nil, polOnly} },
			func() endpoint { return endpoint{"GET", "/v1/reports/" + newReport(), nil, polOnly} },
			func() endpoint { return endpoint{"POST", "/v1/reports/" + newReport() + "/confirm", nil, polOnly} },
			func() endpoint { return endpoint{"POST", "/v1/reports/" + newReport() + "/reject", nil, polOnly} },
			func() endpoint {
				return endpoint{"POST", "/v1/indicators", map[string]string{"domain": "auth-matrix.example.vn"}, polOnly}
			},
			func() endpoint { return endpoint{"GET", "/v1/indicators", nil, polOnly} },
			func() endpoint { return endpoint{"GET", "/v1/indicators/" + key, nil, polOnly} },
			func() endpoint { return endpoint{"POST", "/v1/indicators/" + key + "/confirm", nil, polOnly} },
			func() endpoint { return endpoint{"POST", "/v1/indicators/" + key + "/trust", nil, polOnly} },
			func() endpoint {
				return endpoint{"POST", "/v1/indicators/" + key + "/delist", map[string]string{"reason": "test"}, polOnly}
			},
			func() endpoint {
				return endpoint{"POST", "/v1/indicators:import?format=plain&source=matrix", "matrix.example.vn\n", polOnly}
			},
			func() endpoint { return endpoint{"GET", "/v1/audit", nil, adminOnly} },
			func() endpoint { return endpoint{"GET", "/v1/keys", nil, adminOnly} },
			func() endpoint {
				keyNum++
				return endpoint{"POST", "/v1/keys", map[string]string{"name": fmt.Sprintf("m%d", keyNum), "role": "public"}, adminOnly}
			},
			func() endpoint {
				return endpoint{"POST", "/v1/keys/test-public/revoke", nil, [5]int{u, f, f, f, anyStatus}}
			},
			func() endpoint { return endpoint{"GET", "/v1/check?q=0912345678", nil, open} },
			func() endpoint {
				return endpoint{"POST", "/v1/check", map[string]any{"items": []map[string]string{{"q": "x.vn"}}}, open}
			},
			func() endpoint { return endpoint{"GET", "/v1/stats", nil, open} },
		}
		callers := []indicators.Role{"", indicators.RolePublic, indicators.RolePartner, indicators.RolePolice, indicators.RoleAdmin}
		for _, mk := range endpoints {
			for i, role := range callers {
				ep := mk()
				if ep.path == "/v1/keys/test-public/revoke" && role == indicators.RoleAdmin {
					// Revoking the public key last keeps the matrix's public column valid.
					defer e.mustDo(t, ep.method, ep.path, e.secrets[role], nil, 200, nil)
					continue
				}
				got := e.do(t, ep.method, ep.path, e.secrets[role], ep.body)
				want := ep.want[i]
				name := string(role)
				if name == "" {
					name = "no key"
				}
				switch {
				case want == ok && (got.status < 200 || got.status > 299):
					t.Errorf("%s %s as %s: %d, want 2xx; %s", ep.method, ep.path, name, got.status, got.body)
				case want > 0 && got.status != want:
					t.Errorf("%s %s as %s: %d, want %d; %s", ep.method, ep.path, name, got.status, want, got.body)
				case got.status >= 400 && got.errCode() == "":
					t.Errorf("%s %s as %s: error without a JSON error body: %s", ep.method, ep.path, name, got.body)
				}
			}
		}
		// A made-up key is refused even where no key is needed.
		if got := e.do(t, "GET", "/v1/check?q=0912345678", "sck_madeup", nil); got.status != 401 {
			t.Errorf("unknown key on a public endpoint: %d", got.status)
		}
		if got := e.do(t, "GET", "/v1/check?q=0912345678", "", nil); got.status != 200 {
			t.Errorf("no key: %d", got.status)
		}
	})
}

// TestBadInput sends malformed requests of every sort: each gets a 4xx with
// a JSON error body, never a 5xx.
func TestBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		e := mustEnv(t, store, nil)
		police := e.secrets[indicators.RolePolice]
		huge := `{"items":[` + strings.Repeat(`{"q":"0912345678"},`, 70_000) + `{"q":"1"}]}`
		tests := []struct {
			name, method, path, secret string
			body                       any
			want                       int
			code                       string
		}{
			{"empty q", "GET", "/v1/check?q=", "", nil, 400, indicators.CodeEmpty},
			{"no parameter", "GET", "/v1/check", "", nil, 400, indicators.CodeEmpty},
			{"two parameters", "GET", "/v1/check?q=1&phone=2", "", nil, 400, api.CodeBadRequest},
			{"unknown parameter", "GET", "/v1/check?phone=0912345678&x=1", "", nil, 400, api.CodeBadRequest},
			{"bad phone", "GET", "/v1/check?phone=12", "", nil, 400, ""},
			{"undetectable", "GET", "/v1/check?q=hello", "", nil, 400, indicators.CodeUndetected},
			{"long input", "GET", "/v1/check?q=" + strings.Repeat("9", 5000), "", nil, 400, indicators.CodeTooLong},
			{"huge URL", "GET", "/v1/check?q=" + strings.Repeat("9", 20000), "", nil, 431, api.CodeBadRequest},
			{"malformed JSON", "POST", "/v1/check", "", `{"items":[`, 400, api.CodeBadRequest},
			{"not JSON", "POST", "/v1/check", "", `hello`, 400, api.CodeBadRequest},
			{"empty body", "POST", "/v1/check", "", ``, 400, api.CodeBadRequest},
			{"trailing data", "POST", "/v1/check", "", `{"items":[]} {}`, 400, api.CodeBadRequest},
			{"unknown field", "POST", "/v1/check", "", `{"items":[{"phone_number":"0912345678"}]}`, 400, api.CodeBadRequest},
			{"unknown top field", "POST", "/v1/check", "", `{"items":[],"x":1}`, 400, api.CodeBadRequest},
			{"wrong type", "POST", "/v1/check", "", `{"items":[{"phone":912345678}]}`, 400, api.CodeBadRequest},
			{"items not array", "POST", "/v1/check", "", `{"items":"0912345678"}`, 400, api.CodeBadRequest},
			{"empty item", "POST", "/v1/check", "", `{"items":[{}]}`, 400, api.CodeBadRequest},
			{"two fields in item", "POST", "/v1/check", "", `{"items":[{"q":"a","phone":"b"}]}`, 400, api.CodeBadRequest},
			{"no items", "POST", "/v1/check", "", `{}`, 400, api.CodeBadRequest},
			{"huge body", "POST", "/v1/check", "", huge, 413, api.CodePayloadTooLarge},
			{"report without indicator", "POST", "/v1/reports", "", `{"description":"x"}`, 400, indicators.CodeEmpty},
			{"report bad channel", "POST", "/v1/reports", "", `{"phone":"0912345678","channel":"fax"}`, 400, indicators.CodeInvalidRecord},
			{"report negative amount", "POST", "/v1/reports", "", `{"phone":"0912345678","amount_vnd":-1}`, 400, indicators.CodeInvalidRecord},
			{"report bad date", "POST", "/v1/reports", "", `{"phone":"0912345678","happened_at":"yesterday"}`, 400, api.CodeBadRequest},
			{"report wrong type", "POST", "/v1/reports", "", `{"phone":"0912345678","amount_vnd":"lots"}`, 400, api.CodeBadRequest},
			{"report unknown contact field", "POST", "/v1/reports", "", `{"phone":"0912345678","contact":{"address":"x"}}`, 400, api.CodeBadRequest},
			{"report long description", "POST", "/v1/reports", "", map[string]string{"phone": "0912345678", "description": strings.Repeat("x", 5000)}, 400, indicators.CodeInvalidRecord},
			{"bad key in path", "GET", "/v1/indicators/nonsense", police, nil, 400, indicators.CodeInvalidKey},
			{"non-canonical key", "GET", "/v1/indicators/" + url.PathEscape("phone:0912345678"), police, nil, 400, indicators.CodeInvalidKey},
			{"bad escape in key", "GET", "/v1/indicators/phone:%ZZ", police, nil, 400, indicators.CodeInvalidKey},
			{"bad report id", "GET", "/v1/reports/" + url.PathEscape("../../etc"), police, nil, 400, api.CodeBadRequest},
			{"bad status filter", "GET", "/v1/indicators?status=evil", police, nil, 400, ""},
			{"bad kind filter", "GET", "/v1/indicators?kind=evil", police, nil, 400, indicators.CodeUnknownKind},
			{"bad limit", "GET", "/v1/indicators?limit=-3", police, nil, 400, api.CodeBadRequest},
			{"bad report status", "GET", "/v1/reports?status=maybe", police, nil, 400, api.CodeBadRequest},
			{"indicator two inputs", "POST", "/v1/indicators", police, `{"phone":"0912345678","domain":"x.vn"}`, 400, api.CodeBadRequest},
			{"indicator bad status", "POST", "/v1/indicators", police, `{"phone":"0912345678","status":"delisted"}`, 400, api.CodeBadRequest},
			{"indicator bad category", "POST", "/v1/indicators", police, `{"phone":"0912345678","category":"evil"}`, 400, indicators.CodeInvalidRecord},
			{"empty import", "POST", "/v1/indicators:import", police, ``, 400, api.CodeBadRequest},
			{"import bad status", "POST", "/v1/indicators:import?status=delisted", police, "x.vn\n", 400, api.CodeBadRequest},
			{"stats bad days", "GET", "/v1/stats?days=0", "", nil, 400, api.CodeBadRequest},
			{"malformed auth header", "GET", "/v1/check?q=0912345678", "", nil, 401, api.CodeUnauthorized},
			{"no route", "GET", "/v1/nothing", "", nil, 404, api.CodeNotFound},
			{"wrong method", "DELETE", "/v1/check", "", nil, 405, api.CodeMethodNotAllowed},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var got response
				if tc.name == "malformed auth header" {
					req, _ := http.NewRequest(tc.method, e.url+tc.path, nil)
					req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
					got = send(t, req)
				} else if tc.name == "huge URL" {
					// fasthttp answers 431 to a request line past its read
					// buffer and closes at once; with the rest of the line
					// still unread, the kernel may reset the connection
					// before the client reads the 431. Either way the
					// request is refused, never served or answered 5xx.
					res, err := http.Get(e.url + tc.path)
					if err != nil {
						if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
							t.Fatalf("huge URL: %v", err)
						}
						return
					}
					b, _ := io.ReadAll(res.Body)
					res.Body.Close()
					got = response{status: res.StatusCode, header: res.Header, body: b}
				} else if strings.Contains(tc.path, "%ZZ") {
					// Go's client refuses to send a bad escape unless told exactly.
					req, _ := http.NewRequest(tc.method, e.url+"/", nil)
					req.URL.Opaque = tc.path
					req.Header.Set("Authorization", "Bearer "+tc.secret)
					got = send(t, req)
				} else {
					got = e.do(t, tc.method, tc.path, tc.secret, tc.body)
				}
				if got.status != tc.want {
					t.Fatalf("status %d, want %d; body %s", got.status, tc.want, got.body)
				}
				if got.status >= 500 {
					t.Fatalf("5xx for bad input: %s", got.body)
				}
				var eb struct {
					Error *struct {
						Code    string `json:"code"`
						Message string `json:"message"`
					} `json:"error"`
				}
				if err := json.Unmarshal(got.body, &eb); err != nil || eb.Error == nil || eb.Error.Code == "" || eb.Error.Message == "" {
					t.Fatalf("not a JSON error body: %s", got.body)
				}
				if tc.code != "" && eb.Error.Code != tc.code {
					t.Errorf("code %q, want %q (%s)", eb.Error.Code, tc.code, eb.Error.Message)
				}
				if ct := got.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q", ct)
				}
			})
		}
	})
}
