package indicators_test

import (
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

func validReport() indicators.Report {
	return indicators.Report{
		ID:        "r-000001",
		Channel:   indicators.ChannelWeb,
		Status:    indicators.ReportPending,
		Keys:      []indicators.Key{"domain:example.vn"},
		CreatedAt: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC),
	}
}

func TestReportFilterValidate(t *testing.T) {
	tests := []struct {
		status  indicators.ReportStatus
		wantErr string // "" when valid
	}{
		{"", ""},
		{indicators.ReportPending, ""},
		{indicators.ReportConfirmed, ""},
		{indicators.ReportRejected, ""},
		{"maybe", `invalid_record: unknown report status "maybe"`},
	}
	for _, tc := range tests {
		t.Run(string(tc.status), func(t *testing.T) {
			checkInvalid(t, "Validate", indicators.ReportFilter{Status: tc.status, Limit: 5}.Validate(), tc.wantErr)
		})
	}
}

func TestReportValidateUpdate(t *testing.T) {
	before := validReport()
	before.HasContact = true
	tests := []struct {
		name           string
		change         func(r *indicators.Report)
		wantErr        string // "" when valid
		wantHasContact bool
	}{
		{"reviewed", func(r *indicators.Report) {
			r.Status, r.ReviewedBy = indicators.ReportConfirmed, "police-hcm"
		}, "", true},
		{"HasContact is the store's", func(r *indicators.Report) { r.HasContact = false }, "", true},
		{"changed id", func(r *indicators.Report) { r.ID = "r-000002" },
			`invalid_record: update of report "r-000001" changed its id to "r-000002"`, false},
		{"invalid result", func(r *indicators.Report) { r.HasContact, r.Channel = false, "fax" },
			`invalid_record: unknown channel "fax" (want web, app, hotline or police)`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := before
			tc.change(&r)
			checkInvalid(t, "ValidateUpdate", r.ValidateUpdate(&before), tc.wantErr)
			if tc.wantHasContact && !r.HasContact {
				t.Errorf("HasContact after ValidateUpdate = false, want before's true")
			}
		})
	}
}
