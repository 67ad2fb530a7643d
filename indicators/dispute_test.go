package indicators_test

import (
	"errors"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

// TestDisputeResolve walks the state machine: only open moves, only to
// upheld or accepted, accepting needs a reason, and a refusal leaves the
// dispute as it was.
func TestDisputeResolve(t *testing.T) {
	open := indicators.Dispute{ID: "d-1", Key: "domain:example.vn", Status: indicators.DisputeOpen, Evidence: "mine", CreatedAt: t0}
	tests := []struct {
		name   string
		from   indicators.DisputeStatus
		to     indicators.DisputeStatus
		reason string
		want   error
		code   string
	}{
		{"uphold", indicators.DisputeOpen, indicators.DisputeUpheld, "", nil, ""},
		{"uphold with reason", indicators.DisputeOpen, indicators.DisputeUpheld, "victims' slips", nil, ""},
		{"accept", indicators.DisputeOpen, indicators.DisputeAccepted, "owner proved it", nil, ""},
		{"accept without reason", indicators.DisputeOpen, indicators.DisputeAccepted, "  ", indicators.ErrInvalidInput, indicators.CodeInvalidDispute},
		{"to open", indicators.DisputeOpen, indicators.DisputeOpen, "x", indicators.ErrInvalidInput, indicators.CodeInvalidDispute},
		{"to nonsense", indicators.DisputeOpen, "closed", "x", indicators.ErrInvalidInput, indicators.CodeInvalidDispute},
		{"upheld again", indicators.DisputeUpheld, indicators.DisputeUpheld, "", indicators.ErrConflict, ""},
		{"accept after uphold", indicators.DisputeUpheld, indicators.DisputeAccepted, "x", indicators.ErrConflict, ""},
		{"uphold after accept", indicators.DisputeAccepted, indicators.DisputeUpheld, "", indicators.ErrConflict, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := open
			d.Status = tc.from
			before := d
			err := d.Resolve(tc.to, "officer", tc.reason, t0)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Resolve: %v", err)
				}
				if d.Status != tc.to || d.ResolvedBy != "officer" || !d.ResolvedAt.Equal(t0) {
					t.Errorf("resolved = %+v", d)
				}
				if err := d.Validate(); err != nil {
					t.Errorf("resolved dispute invalid: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Resolve: err = %v, want %v", err, tc.want)
			}
			var ie *indicators.InputError
			if tc.code != "" && (!errors.As(err, &ie) || ie.Code != tc.code) {
				t.Errorf("Resolve: err = %v, want code %s", err, tc.code)
			}
			if d != before {
				t.Errorf("a refused Resolve changed the dispute: %+v", d)
			}
		})
	}
}
