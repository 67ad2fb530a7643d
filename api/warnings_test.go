package api_test

import (
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/webhooks"
)

// warningEnv is a server with the backend's warning and partner stores
// wired in, on a clock the test moves.
func warningEnv(t *testing.T, store string, clock *fakeClock) *env {
	return mustEnv(t, store, func(c *api.Config) {
		c.Warnings = c.Reports.(indicators.WarningStore)
		c.Partners = c.Reports.(indicators.PartnerStore)
		c.Now = clock.Now
	})
}

type warningPage struct {
	Warnings []indicators.Warning `json:"warnings"`
	Next     string               `json:"next"`
}

// allWarnings reads every warning of the store, drafts included, as the
// API cannot show them.
func allWarnings(t *testing.T, e *env) []indicators.Warning {
	t.Helper()
	var acc indicators.WarningStore
	if e.be.Bolt() != nil {
		acc = e.be.Bolt()
	} else {
		acc = e.be.Redis()
	}
	p, err := acc.ListWarnings(t.Context(), indicators.WarningFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return p.Warnings
}

func TestWarningsLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		clock := &fakeClock{t: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)}
		e := warningEnv(t, store, clock)
		police, admin, public := e.secrets[indicators.RolePolice], e.secrets[indicators.RoleAdmin], e.secrets[indicators.RolePublic]
		good := map[string]any{
			"title_vi":   "Giả danh công an gọi điện yêu cầu chuyển tiền",
			"title_en":   "Fake police calls asking for transfers",
			"body_vi":    "Công an không bao giờ yêu cầu chuyển tiền qua điện thoại.",
			"body_en":    "Police never ask for money over the phone.",
			"severity":   "critical",
			"category":   "impersonation",
			"indicators": []string{"domain:vcb-xacminh.top", "domain:vcb-xacminh.top", "bank_account:970436:0011004353201"},
		}

		// Who may write, and bad input: clear 400s, nothing stored.
		e.mustDo(t, "POST", "/v1/warnings", "", good, http.StatusUnauthorized, nil)
		e.mustDo(t, "POST", "/v1/warnings", public, good, http.StatusForbidden, nil)
		for name, edit := range map[string]func(m map[string]any){
			"unknown severity": func(m map[string]any) { m["severity"] = "urgent" },
			"no severity":      func(m map[string]any) { delete(m, "severity") },
			"no title":         func(m map[string]any) { m["title_vi"], m["title_en"] = " ", "" },
			"bad indicator":    func(m map[string]any) { m["indicators"] = []string{"bank_account:1"} },
			"unknown category": func(m map[string]any) { m["category"] = "aliens" },
			"expiry in past":   func(m map[string]any) { m["expires_at"] = clock.Now().Add(-time.Hour) },
		} {
			body := map[string]any{}
			for k, v := range good {
				body[k] = v
			}
			edit(body)
			r := e.do(t, "POST", "/v1/warnings", police, body)
			if r.status != http.StatusBadRequest || r.errCode() == "" {
				t.Errorf("%s: status %d body %s, want 400 with a code", name, r.status, r.body)
			}
		}
		if ws := allWarnings(t, e); len(ws) != 0 {
			t.Fatalf("bad input stored %d warnings", len(ws))
		}

		var w indicators.Warning
		e.mustDo(t, "POST", "/v1/warnings", police, good, http.StatusCreated, &w)
		if w.Status != indicators.WarningDraft || w.Author != "test-police" || w.Severity != indicators.SeverityCritical ||
			len(w.Keys) != 2 || w.Category != indicators.CategoryImpersonation {
			t.Errorf("created %+v, want a critical impersonation draft by test-police with 2 keys (deduplicated)", w)
		}
		// A draft is not public.
		var page warningPage
		e.mustDo(t, "GET", "/v1/warnings", "", nil, http.StatusOK, &page)
		if len(page.Warnings) != 0 {
			t.Errorf("public list shows a draft: %+v", page.Warnings)
		}

		e.mustDo(t, "POST", "/v1/warnings/"+w.ID+"/publish", public, nil, http.StatusForbidden, nil)
		e.mustDo(t, "POST", "/v1/warnings/wrn_missing/publish", police, nil, http.StatusNotFound, nil)
		clock.Advance(time.Minute)
		var pub indicators.Warning
		e.mustDo(t, "POST", "/v1/warnings/"+w.ID+"/publish", admin, nil, http.StatusOK, &pub)
		if pub.Status != indicators.WarningPublished || pub.PublishedBy != "test-admin" || !pub.PublishedAt.Equal(clock.Now()) {
			t.Errorf("published %+v, want published by test-admin at %s", pub, clock.Now())
		}
		if r := e.do(t, "POST", "/v1/warnings/"+w.ID+"/publish", police, nil); r.status != http.StatusConflict {
			t.Errorf("second publish: %d %s, want 409", r.status, r.body)
		}
		e.mustDo(t, "GET", "/v1/warnings", "", nil, http.StatusOK, &page)
		if len(page.Warnings) != 1 || page.Warnings[0].ID != w.ID {
			t.Errorf("public list = %+v, want the published warning", page.Warnings)
		}
		if strings.Contains(string(e.mustDo(t, "GET", "/v1/warnings?latest=5", "", nil, http.StatusOK, &page).body), "dedupe") {
			t.Error("the dedupe key leaks into the API")
		}
		if len(page.Warnings) != 1 {
			t.Errorf("latest = %+v, want 1", page.Warnings)
		}
		e.mustDo(t, "GET", "/v1/warnings?latest=0", "", nil, http.StatusBadRequest, nil)

		clock.Advance(time.Minute)
		var exp indicators.Warning
		e.mustDo(t, "POST", "/v1/warnings/"+w.ID+"/expire", police, nil, http.StatusOK, &exp)
		if exp.Status != indicators.WarningExpired || !exp.ExpiresAt.Equal(clock.Now()) {
			t.Errorf("expired %+v", exp)
		}
		e.mustDo(t, "POST", "/v1/warnings/"+w.ID+"/expire", police, nil, http.StatusConflict, nil)
		e.mustDo(t, "POST", "/v1/warnings/"+w.ID+"/publish", police, nil, http.StatusConflict, nil)
		e.mustDo(t, "GET", "/v1/warnings", "", nil, http.StatusOK, &page)
		if len(page.Warnings) != 0 {
			t.Errorf("public list after expiry = %+v", page.Warnings)
		}

		// Every write is audited, with before and after.
		var audit struct {
			Entries []indicators.AuditEntry `json:"entries"`
		}
		e.mustDo(t, "GET", "/v1/audit?target="+url.QueryEscape("warning:"+w.ID), admin, nil, http.StatusOK, &audit)
		var actions []string
		for _, a := range audit.Entries {
			actions = append(actions, a.Action+"/"+a.Actor)
		}
		want := []string{api.ActionWarningCreate + "/test-police", api.ActionWarningPublish + "/test-admin", api.ActionWarningExpire + "/test-police"}
		if strings.Join(actions, ",") != strings.Join(want, ",") {
			t.Errorf("audit = %v, want %v", actions, want)
		}
	})
}

// TestWarningsExpiresAt: a published warning whose expires_at passed is no
// longer listed, without anyone expiring it.
func TestWarningsExpiresAt(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)}
	e := warningEnv(t, "bolt", clock)
	police := e.secrets[indicators.RolePolice]
	var w indicators.Warning
	e.mustDo(t, "POST", "/v1/warnings", police, map[string]any{"title_vi": "Cảnh báo ngắn hạn", "severity": "info",
		"expires_at": clock.Now().Add(time.Hour)}, http.StatusCreated, &w)
	e.mustDo(t, "POST", "/v1/warnings/"+w.ID+"/publish", police, nil, http.StatusOK, nil)
	var page warningPage
	e.mustDo(t, "GET", "/v1/warnings", "", nil, http.StatusOK, &page)
	if len(page.Warnings) != 1 {
		t.Fatalf("before expiry: %d warnings, want 1", len(page.Warnings))
	}
	clock.Advance(2 * time.Hour)
	e.mustDo(t, "GET", "/v1/warnings", "", nil, http.StatusOK, &page)
	if len(page.Warnings) != 0 {
		t.Errorf("after expires_at: %d warnings, want 0", len(page.Warnings))
	}
}

// atomDoc is the part of Atom 1.0 (RFC 4287) whose presence the test
// checks by hand, on top of the feed parser.
type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Authors []struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Links []struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Links   []struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Summary struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"summary"`
	} `xml:"entry"`
}

func TestWarningsAtom(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		clock := &fakeClock{t: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)}
		e := warningEnv(t, store, clock)
		police := e.secrets[indicators.RolePolice]
		// An empty feed is still valid Atom.
		r := e.mustDo(t, "GET", "/warnings.atom", "", nil, http.StatusOK, nil)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
			t.Errorf("Content-Type %q", ct)
		}
		checkAtom(t, r.body, 0)

		titles := []string{"Tin nhắn giả ngân hàng kèm đường link", "Việc nhẹ lương cao <b>qua mạng</b> & \"nhiệm vụ\"", "Mã QR giả dán tại cửa hàng"}
		var ids []string
		for i, title := range titles {
			var w indicators.Warning
			e.mustDo(t, "POST", "/v1/warnings", police, map[string]any{"title_vi": title, "title_en": "Warning " + string(rune('A'+i)),
				"body_vi": "Nội dung cảnh báo " + title, "severity": "warning"}, http.StatusCreated, &w)
			clock.Advance(time.Hour)
			e.mustDo(t, "POST", "/v1/warnings/"+w.ID+"/publish", police, nil, http.StatusOK, nil)
			ids = append(ids, w.ID)
		}
		var draft indicators.Warning
		e.mustDo(t, "POST", "/v1/warnings", police, map[string]any{"title_vi": "Bản nháp", "severity": "info"}, http.StatusCreated, &draft)

		r = e.mustDo(t, "GET", "/warnings.atom", "", nil, http.StatusOK, nil)
		doc := checkAtom(t, r.body, 3)
		feed, err := gofeed.NewParser().ParseString(string(r.body))
		if err != nil {
			t.Fatalf("gofeed: %v\n%s", err, r.body)
		}
		if feed.FeedType != "atom" || feed.FeedVersion != "1.0" {
			t.Errorf("parsed as %s %s, want atom 1.0", feed.FeedType, feed.FeedVersion)
		}
		if len(feed.Items) != 3 {
			t.Fatalf("%d items, want 3 (no draft)", len(feed.Items))
		}
		for i, it := range feed.Items { // newest first
			want := titles[len(titles)-1-i]
			if !strings.HasPrefix(it.Title, want) {
				t.Errorf("item %d title %q, want it to start with %q", i, it.Title, want)
			}
			if !strings.HasSuffix(it.GUID, ids[len(ids)-1-i]) {
				t.Errorf("item %d id %q, want the warning id %s", i, it.GUID, ids[len(ids)-1-i])
			}
			if it.UpdatedParsed == nil {
				t.Errorf("item %d has no parsable updated", i)
			}
			if strings.Contains(it.Title, draft.TitleVI) {
				t.Error("a draft is in the feed")
			}
		}
		if feed.UpdatedParsed == nil || !feed.UpdatedParsed.Equal(clock.Now()) {
			t.Errorf("feed updated %v, want the newest publication %v", feed.UpdatedParsed, clock.Now())
		}
		if doc.Entries[1].Summary.Type != "text" {
			t.Errorf("summary type %q, want text (no markup from warnings)", doc.Entries[1].Summary.Type)
		}
	})
}

// checkAtom checks the elements RFC 4287 requires: a feed id, title and
// updated (RFC 3339), an author on the feed (so entries need none), a
// self link, and on every entry an id, title, updated and a link (no
// content element is given).
func checkAtom(t *testing.T, body []byte, entries int) atomDoc {
	t.Helper()
	var doc atomDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("not an Atom document: %v\n%s", err, body)
	}
	if doc.ID == "" || doc.Title == "" || len(doc.Authors) == 0 || doc.Authors[0].Name == "" {
		t.Errorf("feed lacks id, title or author: %s", body)
	}
	if _, err := time.Parse(time.RFC3339, doc.Updated); err != nil {
		t.Errorf("feed updated %q: %v", doc.Updated, err)
	}
	self := false
	for _, l := range doc.Links {
		if l.Rel == "self" && strings.HasSuffix(l.Href, "/warnings.atom") && strings.HasPrefix(l.Href, "http") {
			self = true
		}
	}
	if !self {
		t.Errorf("no absolute self link: %+v", doc.Links)
	}
	if len(doc.Entries) != entries {
		t.Fatalf("%d entries, want %d", len(doc.Entries), entries)
	}
	seen := map[string]bool{}
	for i, en := range doc.Entries {
		if en.ID == "" || en.Title == "" || len(en.Links) == 0 || seen[en.ID] {
			t.Errorf("entry %d lacks id, title or link, or repeats an id: %+v", i, en)
		}
		seen[en.ID] = true
		if _, err := time.Parse(time.RFC3339, en.Updated); err != nil {
			t.Errorf("entry %d updated %q: %v", i, en.Updated, err)
		}
	}
	return doc
}

// TestWarningWebhook: publishing enqueues a signed warning.published
// delivery for partners subscribed to warnings (registered through the
// API with "warnings": true and no BINs), retried until they accept it;
// a bank partner without the flag gets nothing.
func TestWarningWebhook(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		clock := &fakeClock{t: time.Now().UTC().Truncate(time.Second)}
		e := warningEnv(t, store, clock)
		admin, police := e.secrets[indicators.RoleAdmin], e.secrets[indicators.RolePolice]
		var mu sync.Mutex // guards got, fail
		var got []string
		fail := 1
		var secret string
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			body, _ := io.ReadAll(r.Body)
			if err := webhooks.Verify(secret, r.Header.Get(webhooks.HeaderTimestamp), r.Header.Get(webhooks.HeaderSignature),
				body, clock.Now(), 0); err != nil {
				t.Errorf("delivery does not verify: %v", err)
			}
			got = append(got, r.Header.Get(webhooks.HeaderEvent)+" "+r.Header.Get(webhooks.HeaderDelivery))
			if fail > 0 {
				fail--
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			w.WriteHeader(http.StatusOK)
		}))
		defer hook.Close()
		var created struct {
			indicators.Partner
			Secret string `json:"secret"`
		}
		e.mustDo(t, "POST", "/v1/partners", admin, map[string]any{"name": "zalopay", "url": hook.URL, "warnings": true}, http.StatusCreated, &created)
		if !created.Warnings || len(created.BINs) != 0 {
			t.Fatalf("partner %+v, want a warnings subscriber without BINs", created.Partner)
		}
		mu.Lock()
		secret = created.Secret
		mu.Unlock()
		e.mustDo(t, "POST", "/v1/partners", admin, map[string]any{"name": "bank-nowarn", "bins": []string{"970436"}, "url": hook.URL}, http.StatusCreated, nil)
		e.mustDo(t, "POST", "/v1/partners", admin, map[string]any{"name": "nobody", "url": hook.URL}, http.StatusBadRequest, nil)

		var w indicators.Warning
		e.mustDo(t, "POST", "/v1/warnings", police, map[string]any{"title_vi": "Lừa đảo đầu tư tiền ảo", "severity": "warning"}, http.StatusCreated, &w)
		e.mustDo(t, "POST", "/v1/warnings/"+w.ID+"/publish", police, nil, http.StatusOK, nil)

		var outbox indicators.PartnerStore
		if e.be.Bolt() != nil {
			outbox = e.be.Bolt()
		} else {
			outbox = e.be.Redis()
		}
		worker := webhooks.NewWorker(outbox, webhooks.Options{Now: clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Jitter: func(time.Duration) time.Duration { return 0 }})
		for range 3 {
			if _, err := worker.RunOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
			clock.Advance(10 * time.Second)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 2 || got[0] != got[1] || !strings.HasPrefix(got[0], indicators.EventWarningPublished+" dlv_") {
			t.Errorf("deliveries %v, want one warning.published sent twice (a retry after 502) with one id", got)
		}
	})
}

// TestWarningsSection: the citizen page carries the hidden "Cảnh báo mới"
// section, its script and the feed link, all served from this origin.
func TestWarningsSection(t *testing.T) {
	e := mustEnv(t, "bolt", nil)
	page := string(e.mustDo(t, "GET", "/", "", nil, http.StatusOK, nil).body)
	for _, want := range []string{`id="canh-bao"`, "Cảnh báo mới", `src="/static/warnings.js"`,
		`href="/static/warnings.css"`, `type="application/atom+xml" href="/warnings.atom"`} {
		if !strings.Contains(page, want) {
			t.Errorf("citizen page lacks %s", want)
		}
	}
	for path, ct := range map[string]string{"/static/warnings.js": "text/javascript", "/static/warnings.css": "text/css"} {
		r := e.mustDo(t, "GET", path, "", nil, http.StatusOK, nil)
		if !strings.HasPrefix(r.header.Get("Content-Type"), ct) {
			t.Errorf("%s: Content-Type %q, want %s", path, r.header.Get("Content-Type"), ct)
		}
	}
	js := string(e.mustDo(t, "GET", "/static/warnings.js", "", nil, http.StatusOK, nil).body)
	if !strings.Contains(js, `"/v1/warnings?latest="`) || strings.Contains(js, "innerHTML") || strings.Contains(js, "http") && strings.Contains(js, "://") {
		t.Error("warnings.js must fetch /v1/warnings on this origin and never insert HTML")
	}
}
