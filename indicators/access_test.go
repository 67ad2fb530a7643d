package indicators_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// checkInvalid fails t unless err is nil when want is "", else an
// *InputError with CodeInvalidRecord that matches ErrInvalidInput and reads
// exactly want: the messages every store returned before the checks moved
// here.
func checkInvalid(t *testing.T, what string, err error, want string) {
	t.Helper()
	var ie *indicators.InputError
	switch {
	case want == "":
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	case !errors.As(err, &ie):
		t.Errorf("%s: err = %v, want an *InputError", what, err)
	case ie.Code != indicators.CodeInvalidRecord || !errors.Is(err, indicators.ErrInvalidInput):
		t.Errorf("%s: err = %v (code %q), want %s matching ErrInvalidInput", what, err, ie.Code, indicators.CodeInvalidRecord)
	case err.Error() != want:
		t.Errorf("%s: err = %q, want %q", what, err.Error(), want)
	}
}

const testHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func TestAPIKeyValidate(t *testing.T) {
	valid := indicators.APIKey{ID: "key-1", Name: "bank-partner", Role: indicators.RolePartner, Hash: testHash}
	tests := []struct {
		name     string
		change   func(k *indicators.APIKey)
		wantErr  string // "" when valid
		wantHash string // Hash after Validate, when valid
	}{
		{"valid", func(*indicators.APIKey) {}, "", testHash},
		{"upper-case hash is lower-cased", func(k *indicators.APIKey) { k.Hash = strings.ToUpper(testHash) }, "", testHash},
		{"no id", func(k *indicators.APIKey) { k.ID = "" }, "invalid_record: an API key needs an id", ""},
		{"blank id", func(k *indicators.APIKey) { k.ID = " \t" }, "invalid_record: an API key needs an id", ""},
		{"no name", func(k *indicators.APIKey) { k.Name = " " }, "invalid_record: an API key needs a name", ""},
		{"no role", func(k *indicators.APIKey) { k.Role = "" },
			`invalid_record: unknown role "" (want public, partner, police or admin)`, ""},
		{"unknown role", func(k *indicators.APIKey) { k.Role = "root" },
			`invalid_record: unknown role "root" (want public, partner, police or admin)`, ""},
		{"short hash", func(k *indicators.APIKey) { k.Hash = testHash[:63] },
			"invalid_record: an API key hash is the 64 hex digits of a SHA-256", ""},
		{"long hash", func(k *indicators.APIKey) { k.Hash = testHash + "0" },
			"invalid_record: an API key hash is the 64 hex digits of a SHA-256", ""},
		{"not hex", func(k *indicators.APIKey) { k.Hash = "g" + testHash[1:] },
			"invalid_record: an API key hash is the 64 hex digits of a SHA-256", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := valid
			tc.change(&k)
			checkInvalid(t, "Validate", k.Validate(), tc.wantErr)
			if tc.wantErr == "" && k.Hash != tc.wantHash {
				t.Errorf("Hash after Validate = %q, want %q", k.Hash, tc.wantHash)
			}
		})
	}
}

func TestStoredKeyKeepsHash(t *testing.T) {
	k := indicators.APIKey{ID: "key-1", Name: "bank-partner", Role: indicators.RolePartner, Hash: testHash,
		CreatedAt: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)}
	public, err := json.Marshal(&k)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(public), testHash) {
		t.Errorf("APIKey JSON %s holds the hash", public)
	}
	data, err := json.Marshal(&indicators.StoredKey{APIKey: k, Hash: k.Hash})
	if err != nil {
		t.Fatal(err)
	}
	var back indicators.StoredKey
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if got := back.Key(); got != k {
		t.Errorf("StoredKey round trip of %s = %+v, want %+v", data, got, k)
	}
}

func TestAuditEntryValidate(t *testing.T) {
	valid := indicators.AuditEntry{Actor: "police-hcm", Role: indicators.RolePolice, Action: "indicator.confirm",
		Target: "domain:example.vn", Before: json.RawMessage(`{"status":"reported"}`), After: json.RawMessage(`{"status":"confirmed"}`)}
	tests := []struct {
		name    string
		change  func(e *indicators.AuditEntry)
		wantErr string // "" when valid
	}{
		{"valid", func(*indicators.AuditEntry) {}, ""},
		{"no role, target, before or after", func(e *indicators.AuditEntry) {
			e.Role, e.Target, e.Before, e.After = "", "", nil, nil
		}, ""},
		{"longest target", func(e *indicators.AuditEntry) { e.Target = strings.Repeat("x", indicators.MaxAuditTarget) }, ""},
		{"no actor", func(e *indicators.AuditEntry) { e.Actor = "" }, "invalid_record: an audit entry needs an actor"},
		{"blank action", func(e *indicators.AuditEntry) { e.Action = " " }, "invalid_record: an audit entry needs an action"},
		{"target too long", func(e *indicators.AuditEntry) { e.Target = strings.Repeat("x", indicators.MaxAuditTarget+1) },
			"invalid_record: audit target longer than 1024 bytes"},
		{"unknown role", func(e *indicators.AuditEntry) { e.Role = "root" }, `invalid_record: unknown role "root"`},
		{"before not JSON", func(e *indicators.AuditEntry) { e.Before = json.RawMessage(`{"status":`) },
			"invalid_record: audit before is not JSON"},
		{"after not JSON", func(e *indicators.AuditEntry) { e.After = json.RawMessage(`nope`) },
			"invalid_record: audit after is not JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := valid
			tc.change(&e)
			checkInvalid(t, "Validate", e.Validate(), tc.wantErr)
		})
	}
}

func TestParseDay(t *testing.T) {
	tests := []struct {
		day  string
		want time.Time // zero: refused
	}{
		{"2025-03-01", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"2024-02-29", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"", time.Time{}},
		{"2025-3-1", time.Time{}},
		{"01/03/2025", time.Time{}},
		{"2025-02-29", time.Time{}},
		{"2025-03-01T00:00:00Z", time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.day, func(t *testing.T) {
			got, err := indicators.ParseDay(tc.day)
			if tc.want.IsZero() {
				var pe *time.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("ParseDay(%q) = %v, %v; want an error wrapping the *time.ParseError", tc.day, got, err)
				}
				checkInvalid(t, "ParseDay", err, `invalid_record: day "`+tc.day+`" is not YYYY-MM-DD: `+pe.Error())
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("ParseDay(%q) = %v, %v; want %v", tc.day, got, err, tc.want)
			}
		})
	}
}

func TestValidateCounters(t *testing.T) {
	longest := strings.Repeat("c", indicators.MaxCounterName)
	tests := []struct {
		name    string
		deltas  map[string]int64
		wantErr string // "" when valid
	}{
		{"nil", nil, ""},
		{"empty", map[string]int64{}, ""},
		{"names", map[string]int64{"checks:phone": 1, "hits:url": 0, longest: -2}, ""},
		{"empty name", map[string]int64{"": 1}, `invalid_record: a counter name has 1 to 256 bytes, got ""`},
		{"name too long", map[string]int64{longest + "c": 1},
			`invalid_record: a counter name has 1 to 256 bytes, got "` + longest + `c"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkInvalid(t, "ValidateCounters", indicators.ValidateCounters(tc.deltas), tc.wantErr)
		})
	}
}

func TestStatsDays(t *testing.T) {
	first := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	lastOfMax := first.AddDate(0, 0, indicators.MaxStatsDays-1).Format(indicators.DayLayout)
	oneTooMany := first.AddDate(0, 0, indicators.MaxStatsDays).Format(indicators.DayLayout)
	tests := []struct {
		name     string
		from, to string
		want     []string // nil with wantErr
		wantN    int      // len(want), or the length of a range too long to spell
		wantErr  string
	}{
		{name: "one day", from: "2025-03-01", to: "2025-03-01", want: []string{"2025-03-01"}},
		{name: "leap day and month end", from: "2024-02-28", to: "2024-03-01",
			want: []string{"2024-02-28", "2024-02-29", "2024-03-01"}},
		{name: "year end", from: "2024-12-31", to: "2025-01-01", want: []string{"2024-12-31", "2025-01-01"}},
		{name: "longest range", from: "2020-01-01", to: lastOfMax, wantN: indicators.MaxStatsDays},
		{name: "range too long", from: "2020-01-01", to: oneTooMany,
			wantErr: "invalid_record: day range 2020-01-01 to " + oneTooMany + " is longer than 3660 days"},
		{name: "from after to", from: "2025-03-02", to: "2025-03-01",
			wantErr: "invalid_record: day range 2025-03-02 to 2025-03-01 ends before it starts"},
		{name: "bad from", from: "2025-3-1", to: "2025-03-01",
			wantErr: `invalid_record: day "2025-3-1" is not YYYY-MM-DD: parsing time "2025-3-1" as "2006-01-02": cannot parse "3-1" as "01"`},
		{name: "bad to", from: "2025-03-01", to: "",
			wantErr: `invalid_record: day "" is not YYYY-MM-DD: parsing time "" as "2006-01-02": cannot parse "" as "2006"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			days, err := indicators.StatsDays(tc.from, tc.to)
			checkErr := indicators.CheckDayRange(tc.from, tc.to)
			checkInvalid(t, "StatsDays", err, tc.wantErr)
			checkInvalid(t, "CheckDayRange", checkErr, tc.wantErr)
			if tc.wantErr != "" || err != nil {
				if days != nil {
					t.Errorf("StatsDays = %d days with an error, want none", len(days))
				}
				return
			}
			if tc.want != nil && !slices.Equal(days, tc.want) {
				t.Errorf("StatsDays(%s, %s) = %v, want %v", tc.from, tc.to, days, tc.want)
			}
			if n := max(tc.wantN, len(tc.want)); len(days) != n {
				t.Fatalf("StatsDays(%s, %s) = %d days, want %d", tc.from, tc.to, len(days), n)
			}
			if days[0] != tc.from || days[len(days)-1] != tc.to {
				t.Errorf("StatsDays(%s, %s) runs from %s to %s", tc.from, tc.to, days[0], days[len(days)-1])
			}
			if !slices.IsSorted(days) {
				t.Errorf("StatsDays(%s, %s) not in string order: the layout must sort as the days do", tc.from, tc.to)
			}
		})
	}
}
