package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/summary"
)

func TestSummaryEndpoint(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		now := time.Date(2026, 8, 15, 3, 0, 0, 0, time.UTC)
		e := mustEnv(t, store, func(c *api.Config) { c.Now = func() time.Time { return now } })
		police := e.secrets[indicators.RolePolice]
		e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"bank": "VCB", "account": "0011004353201",
			"channel": "hotline", "category": "impersonation"}, 201, nil)
		e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"phone": "0911111111", "channel": "web"}, 201, nil)

		var got summary.Summary
		e.mustDo(t, "GET", "/v1/summary?from=2026-07-01&to=2026-09-30", police, nil, 200, &got)
		if got.Reports != 2 || len(got.Days) != 92 || got.Days[45].Reports != 2 {
			t.Errorf("summary: %d reports, %d days, %d on 2026-08-15; want 2, 92, 2", got.Reports, len(got.Days), got.Days[45].Reports)
		}
		if len(got.TopBrands) != 1 || got.TopBrands[0].Name != "Vietcombank" {
			t.Errorf("top brands %v, want Vietcombank", got.TopBrands)
		}
		// A period without the reports counts none of them.
		e.mustDo(t, "GET", "/v1/summary?from=2026-10-01&to=2026-12-31", e.secrets[indicators.RoleAdmin], nil, 200, &got)
		if got.Reports != 0 {
			t.Errorf("Q4 summary counts %d reports, want 0", got.Reports)
		}

		for _, tc := range []struct {
			name, query, secret string
			status              int
			want                string
		}{
			{"from after to", "from=2026-09-30&to=2026-07-01", police, 400, "from 2026-09-30 is after to 2026-07-01"},
			{"bad day", "from=2026-07-01&to=2026-13-01", police, 400, `to \"2026-13-01\" is not a day`},
			{"missing from", "to=2026-07-01", police, 400, "from"},
			{"public key", "from=2026-07-01&to=2026-09-30", e.secrets[indicators.RolePublic], 403, ""},
			{"partner key", "from=2026-07-01&to=2026-09-30", e.secrets[indicators.RolePartner], 403, ""},
			{"no key", "from=2026-07-01&to=2026-09-30", "", 401, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(t, "GET", "/v1/summary?"+tc.query, tc.secret, nil)
				if r.status != tc.status || !strings.Contains(string(r.body), tc.want) {
					t.Errorf("status %d body %s; want %d naming %q", r.status, r.body, tc.status, tc.want)
				}
			})
		}
	})
}
