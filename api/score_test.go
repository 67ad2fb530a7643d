package api_test

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/indicators"
)

// The answer carries the score and last_seen; a citizen-style report fades
// out of both /v1/check and hashes:find once its lifetime passes, and a
// police-confirmed one does not.
func TestScoreAgeingThroughAPI(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		e := mustEnv(t, store, func(c *api.Config) { c.Now = func() time.Time { return now } })
		police := e.secrets[indicators.RolePolice]
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"phone": "0912345678", "source": "citizen:web"}, 201, nil)
		e.mustDo(t, "POST", "/v1/indicators", police, map[string]any{"phone": "0987654321", "status": "confirmed"}, 201, nil)
		reported, confirmed := indicators.Key("phone:+84912345678"), indicators.Key("phone:+84987654321")

		check := func(key indicators.Key) (indicators.Result, []byte) {
			t.Helper()
			var r indicators.Result
			resp := e.mustDo(t, "GET", "/v1/check?q="+url.QueryEscape(key.Value()), "", nil, 200, &r)
			return r, resp.body
		}
		find := func(key indicators.Key) int {
			t.Helper()
			b64 := base64.StdEncoding.EncodeToString(indicators.AppendPrefixes(nil, []uint32{indicators.KeyPrefix(key)}))
			var res struct {
				Matches []struct {
					Verdict string `json:"verdict"`
				} `json:"matches"`
			}
			e.mustDo(t, "POST", "/v1/hashes:find", "", map[string]any{"prefixes": []string{b64}}, 200, &res)
			return len(res.Matches)
		}

		r, body := check(reported)
		if r.Verdict != indicators.VerdictSuspicious || r.Score != 35 || r.LastSeen == nil || !r.LastSeen.Equal(now) {
			t.Fatalf("fresh report: %s", body)
		}
		if !bytes.Contains(body, []byte(`"score":35`)) || !bytes.Contains(body, []byte(`"last_seen":"2026-03-01T10:00:00Z"`)) {
			t.Errorf("answer lacks score or last_seen: %s", body)
		}
		if n := find(reported); n != 1 {
			t.Errorf("hashes:find on a fresh report: %d matches", n)
		}

		var s indicators.Scoring
		now = now.Add(s.Lifetime(indicators.KindPhone) + time.Hour)
		if r, body := check(reported); r.Verdict != indicators.VerdictUnknown || bytes.Contains(body, []byte(`"score"`)) || r.Reports != 0 {
			t.Errorf("faded report: %s", body)
		}
		if n := find(reported); n != 0 {
			t.Errorf("hashes:find still answers a faded report: %d matches", n)
		}
		if r, body := check(confirmed); r.Verdict != indicators.VerdictDangerous || r.Score != 100 {
			t.Errorf("confirmed after the phone lifetime: %s", body)
		}
		if n := find(confirmed); n != 1 {
			t.Errorf("hashes:find on a confirmed phone: %d matches", n)
		}
	})
}
