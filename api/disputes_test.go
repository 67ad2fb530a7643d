package api_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/bloom"
	"github.com/scamcheck/scamcheck/indicators"
)

// linkAccess is what the backends' stores add for links and disputes.
type linkAccess interface {
	indicators.ReportStore
	indicators.LinkIndex
	indicators.DisputeStore
}

// withLinksAndDisputes wires links and disputes as serve does: into the
// Engine (a fresh one over the same filters) and the API.
func withLinksAndDisputes(mod func(*api.Config)) func(*api.Config) {
	return func(ac *api.Config) {
		acc := ac.Reports.(linkAccess)
		links := indicators.NewLinks(acc, ac.Store, nil)
		ac.Engine = indicators.NewEngine(ac.Store, ac.Filters.(*bloom.Set), indicators.EngineOptions{
			Logger: ac.Logger, OnCheck: ac.CheckStats.Record, Links: links, Disputes: acc})
		ac.Disputes, ac.Links = acc, links
		ac.DisputeLimit = api.Limit{Requests: -1}
		if mod != nil {
			mod(ac)
		}
	}
}

// The reporter's contact in the link tests: none of it may show in a
// check or in the police link graph.
var linkContact = map[string]string{"name": "Phạm Người Báo", "phone": "0977000111", "email": "nguoibao@mail.example"}

func TestLinkedIndicators(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		e := mustEnv(t, store, withLinksAndDisputes(nil))
		police := e.secrets[indicators.RolePolice]
		// An account named with 3 phone numbers (over two reports) and a
		// link; a third report names the account alone.
		var r1, r2 struct {
			ID   string           `json:"id"`
			Keys []indicators.Key `json:"keys"`
		}
		e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"bank": "VCB", "account": "0011004353201",
			"phone": "0912345678", "q": "0903123456", "channel": "web", "contact": linkContact}, 201, &r1)
		e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"bank": "VCB", "account": "0011004353201",
			"phone": "0388123456", "url": "https://lure.example.org/pay", "contact": linkContact}, 201, &r2)
		e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"bank": "VCB", "account": "0011004353201"}, 201, nil)

		var res indicators.Result
		r := e.mustDo(t, "GET", "/v1/check?bank=VCB&account=0011004353201", "", nil, 200, &res)
		if res.Linked == nil {
			t.Fatalf("check of the account: no linked in %s", r.body)
		}
		if want := (indicators.Linked{Reports: 2, Phones: 3, URLs: 1}); *res.Linked != want {
			t.Errorf("linked = %+v, want %+v", *res.Linked, want)
		}
		for _, secret := range append(mapValues(linkContact), r1.ID, r2.ID, "0912345678", "+84912345678") {
			if strings.Contains(string(r.body), secret) {
				t.Errorf("check answer exposes %q: %s", secret, r.body)
			}
		}
		// The other way round: a phone is linked to the account, the other
		// phone of its report, and nothing else.
		var ph indicators.Result
		r = e.mustDo(t, "GET", "/v1/check?phone=0912345678", "", nil, 200, &ph)
		if ph.Linked == nil || *ph.Linked != (indicators.Linked{Reports: 1, Phones: 1, BankAccounts: 1}) {
			t.Errorf("phone linked = %+v, want 1 report, 1 phone, 1 account: %s", ph.Linked, r.body)
		}
		// Unknown: no linked.
		var unknown indicators.Result
		r = e.mustDo(t, "GET", "/v1/check?phone=0987000000", "", nil, 200, &unknown)
		if unknown.Linked != nil || strings.Contains(string(r.body), "linked") {
			t.Errorf("unknown phone answered linked: %s", r.body)
		}

		// Police see the graph; nobody else does.
		acct := r1.Keys[slicesIndexKind(r1.Keys, indicators.KindBankAccount)]
		path := "/v1/indicators/" + url.PathEscape(string(acct)) + "/links"
		for _, who := range []indicators.Role{"", indicators.RolePublic, indicators.RolePartner} {
			if got := e.do(t, "GET", path, e.secrets[who], nil); got.status != 401 && got.status != 403 {
				t.Errorf("links as %q: status %d, want 401/403", who, got.status)
			}
		}
		var g indicators.LinkGraph
		r = e.mustDo(t, "GET", path, police, nil, 200, &g)
		if g.Key != acct || len(g.Reports) != 3 || len(g.Linked) != 4 {
			t.Errorf("graph: key %s, %d reports, %d linked keys; want %s, 3, 4: %s", g.Key, len(g.Reports), len(g.Linked), acct, r.body)
		}
		for _, lk := range g.Linked {
			if lk.Status != indicators.StatusReported || lk.Reports != 1 {
				t.Errorf("linked key %+v, want reported in 1 report", lk)
			}
		}
		for _, secret := range mapValues(linkContact) {
			if strings.Contains(string(r.body), secret) {
				t.Errorf("link graph exposes contact data %q", secret)
			}
		}
		bad := e.do(t, "GET", "/v1/indicators/nonsense/links", police, nil)
		if bad.status != 400 {
			t.Errorf("links of a malformed key: status %d, want 400", bad.status)
		}
	})
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func slicesIndexKind(keys []indicators.Key, k indicators.Kind) int {
	for i, key := range keys {
		if key.Kind() == k {
			return i
		}
	}
	return -1
}

// disputeOut is a dispute as the API returns it.
type disputeOut struct {
	indicators.Dispute
	Contact *indicators.DisputeContact `json:"contact"`
}

func TestDisputes(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		e := mustEnv(t, store, withLinksAndDisputes(nil))
		police, admin := e.secrets[indicators.RolePolice], e.secrets[indicators.RoleAdmin]
		const phone = "0912345678"
		e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"phone": phone}, 201, nil)
		check := func() indicators.Result {
			t.Helper()
			var res indicators.Result
			e.mustDo(t, "GET", "/v1/check?phone="+phone, "", nil, 200, &res)
			return res
		}
		if res := check(); res.Verdict != indicators.VerdictSuspicious || res.Disputed {
			t.Fatalf("before any dispute: verdict %s, disputed %v", res.Verdict, res.Disputed)
		}
		listDisputes := func(status string) []indicators.Dispute {
			t.Helper()
			var page indicators.DisputePage
			e.mustDo(t, "GET", "/v1/disputes?status="+status, police, nil, 200, &page)
			return page.Disputes
		}

		// Bad input: a clear code, and nothing stored.
		contact := map[string]string{"name": "Chủ Số", "email": "chu.so@mail.example"}
		bad := []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"no evidence", map[string]any{"phone": phone, "contact": contact}, 400, indicators.CodeMissingEvidence},
			{"blank evidence", map[string]any{"phone": phone, "evidence": "  \n"}, 400, indicators.CodeMissingEvidence},
			{"no indicator", map[string]any{"evidence": "it is mine"}, 400, indicators.CodeInvalidDispute},
			{"unknown field", map[string]any{"phone": phone, "evidence": "it is mine", "owner": "me"}, 400, indicators.CodeInvalidDispute},
			{"malformed JSON", `{"phone":`, 400, indicators.CodeInvalidDispute},
			{"invalid phone", map[string]any{"phone": "12", "evidence": "it is mine"}, 400, ""},
			{"long evidence", map[string]any{"phone": phone, "evidence": strings.Repeat("x", indicators.MaxEvidenceLength+1)}, 400, indicators.CodeInvalidDispute},
			{"not listed", map[string]any{"phone": "0987000000", "evidence": "it is mine"}, 404, api.CodeNotFound},
		}
		for _, tc := range bad {
			r := e.do(t, "POST", "/v1/disputes", "", tc.body)
			if r.status != tc.status || (tc.code != "" && r.errCode() != tc.code) {
				t.Errorf("%s: %d %s, want %d %s", tc.name, r.status, r.body, tc.status, tc.code)
			}
		}
		if ds := listDisputes(""); len(ds) != 0 {
			t.Fatalf("refused disputes stored: %+v", ds)
		}
		if check().Disputed {
			t.Fatal("refused disputes made the phone disputed")
		}

		// File one: open, and checks say disputed.
		var d1 indicators.Dispute
		r := e.mustDo(t, "POST", "/v1/disputes", "", map[string]any{"phone": phone, "evidence": "Số của cửa hàng tôi từ 2019", "contact": contact}, 201, &d1)
		if d1.Status != indicators.DisputeOpen || d1.Key != indicators.Key("phone:+84912345678") || !d1.HasContact {
			t.Errorf("created dispute = %s", r.body)
		}
		if strings.Contains(string(r.body), contact["email"]) {
			t.Errorf("the filer's answer echoes the contact: %s", r.body)
		}
		res := check()
		if !res.Disputed || res.Verdict != indicators.VerdictSuspicious {
			t.Errorf("with an open dispute: disputed %v, verdict %s; want true, still suspicious", res.Disputed, res.Verdict)
		}
		if got := e.do(t, "GET", "/v1/disputes", e.secrets[indicators.RolePublic], nil); got.status != 403 {
			t.Errorf("public list of disputes: %d, want 403", got.status)
		}
		if got := e.do(t, "POST", "/v1/disputes/"+d1.ID+"/uphold", "", nil); got.status != 401 {
			t.Errorf("anonymous uphold: %d, want 401", got.status)
		}
		var full disputeOut
		e.mustDo(t, "GET", "/v1/disputes/"+d1.ID, police, nil, 200, &full)
		if full.Contact == nil || full.Contact.Email != contact["email"] {
			t.Errorf("police view of the dispute: contact %+v", full.Contact)
		}
		if ds := listDisputes("open"); len(ds) != 1 || ds[0].ID != d1.ID {
			t.Errorf("open disputes = %+v", ds)
		}

		// Uphold: stays listed, no longer disputed; a second resolution is
		// refused.
		var up indicators.Dispute
		e.mustDo(t, "POST", "/v1/disputes/"+d1.ID+"/uphold", police, map[string]string{"reason": "reported by 1 victim with bank slip"}, 200, &up)
		if up.Status != indicators.DisputeUpheld || up.ResolvedBy == "" {
			t.Errorf("upheld = %+v", up)
		}
		res = check()
		if res.Disputed || res.Verdict != indicators.VerdictSuspicious {
			t.Errorf("after uphold: disputed %v, verdict %s; want false, suspicious", res.Disputed, res.Verdict)
		}
		if got := e.do(t, "POST", "/v1/disputes/"+d1.ID+"/accept", police, map[string]string{"reason": "x"}); got.status != 409 {
			t.Errorf("accept after uphold: %d %s, want 409", got.status, got.body)
		}

		// A second dispute; accept without a reason changes nothing.
		var d2 indicators.Dispute
		e.mustDo(t, "POST", "/v1/disputes", "", map[string]any{"q": phone, "evidence": "Hợp đồng thuê bao đính kèm"}, 201, &d2)
		if got := e.do(t, "POST", "/v1/disputes/"+d2.ID+"/accept", police, nil); got.status != 400 || got.errCode() != indicators.CodeInvalidDispute {
			t.Errorf("accept without reason: %d %s, want 400 %s", got.status, got.body, indicators.CodeInvalidDispute)
		}
		if res := check(); !res.Disputed || res.Verdict != indicators.VerdictSuspicious {
			t.Errorf("after a refused accept: disputed %v, verdict %s", res.Disputed, res.Verdict)
		}
		if got := e.do(t, "POST", "/v1/disputes/nope/accept", police, map[string]string{"reason": "x"}); got.status != 404 {
			t.Errorf("accept of a missing dispute: %d, want 404", got.status)
		}
		var acc indicators.Dispute
		e.mustDo(t, "POST", "/v1/disputes/"+d2.ID+"/accept", police, map[string]string{"reason": "owner proved the number is a shop's"}, 200, &acc)
		if acc.Status != indicators.DisputeAccepted || acc.Reason == "" {
			t.Errorf("accepted = %+v", acc)
		}
		res = check()
		if res.Verdict != indicators.VerdictUnknown || res.Disputed {
			t.Errorf("after accept: verdict %s, disputed %v; want unknown, false", res.Verdict, res.Disputed)
		}
		var rec indicators.Record
		e.mustDo(t, "GET", "/v1/indicators/"+url.PathEscape(string(d2.Key)), police, nil, 200, &rec)
		if rec.Status != indicators.StatusDelisted || !strings.Contains(rec.Note, "owner proved") {
			t.Errorf("indicator after accept: status %s, note %q", rec.Status, rec.Note)
		}
		// Delisted: nothing left to dispute.
		if got := e.do(t, "POST", "/v1/disputes", "", map[string]any{"phone": phone, "evidence": "again"}); got.status != 404 {
			t.Errorf("dispute of a delisted phone: %d, want 404", got.status)
		}

		// Audited, without the filer's contact.
		audit := func(target string) []string {
			t.Helper()
			var page indicators.AuditPage
			r := e.mustDo(t, "GET", "/v1/audit?target="+url.QueryEscape(target), admin, nil, 200, &page)
			if strings.Contains(string(r.body), contact["email"]) {
				t.Errorf("audit of %s holds the filer's contact", target)
			}
			var actions []string
			for _, en := range page.Entries {
				actions = append(actions, en.Action)
			}
			return actions
		}
		want := map[string][]string{
			d1.ID:          {api.ActionDisputeCreate, api.ActionDisputeUphold},
			d2.ID:          {api.ActionDisputeCreate, api.ActionDisputeAccept},
			string(d2.Key): {api.ActionIndicatorDelist},
		}
		for target, actions := range want {
			got := audit(target)
			for _, a := range actions {
				if !strings.Contains(strings.Join(got, ","), a) {
					t.Errorf("audit of %s = %v, want %s", target, got, a)
				}
			}
		}
	})
}

func TestDisputeRateLimit(t *testing.T) {
	e := mustEnv(t, "bolt", withLinksAndDisputes(func(ac *api.Config) { ac.DisputeLimit = api.Limit{Requests: 1, Window: 3600e9} }))
	e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"phone": "0912345678"}, 201, nil)
	body := map[string]any{"phone": "0912345678", "evidence": "mine"}
	e.mustDo(t, "POST", "/v1/disputes", "", body, 201, nil)
	if r := e.do(t, "POST", "/v1/disputes", "", body); r.status != 429 {
		t.Errorf("second dispute from one IP: %d, want 429", r.status)
	}
	// Police file disputes taken over the hotline: not limited.
	e.mustDo(t, "POST", "/v1/disputes", e.secrets[indicators.RolePolice], body, 201, nil)
	var page indicators.DisputePage
	e.mustDo(t, "GET", "/v1/disputes", e.secrets[indicators.RolePolice], nil, 200, &page)
	if len(page.Disputes) != 2 {
		b, _ := json.Marshal(page)
		t.Errorf("disputes = %s, want 2", b)
	}
}
