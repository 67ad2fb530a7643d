package main

import (
	"slices"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

func TestParseScoring(t *testing.T) {
	const day = 24 * time.Hour
	defaults := []string{"openphish", "phishtank", "chongluadao", "police"}
	tests := []struct {
		name                string
		halfLife            string
		dangerous, susp     float64
		trusted             string
		wantErr             bool
		wantHalfLife        map[indicators.Kind]time.Duration
		wantTrusted         []string
		phoneAfter30d, want float64 // score of one citizen phone report 30 days old
	}{
		{name: "defaults", dangerous: 70, susp: 20, trusted: "openphish,phishtank,chongluadao,police",
			wantTrusted: defaults, want: 17},
		{name: "years are not a unit", halfLife: "phone=60d, domain=1y", dangerous: 70, susp: 20, trusted: "openphish", wantErr: true},
		{name: "half-lives in days and hours", halfLife: "phone=60d,bank_account=2160h", dangerous: 70, susp: 20, trusted: "x,,y ",
			wantHalfLife: map[indicators.Kind]time.Duration{indicators.KindPhone: 60 * day, indicators.KindBankAccount: 90 * day},
			wantTrusted:  []string{"x", "y"}, want: 24},
		{name: "no trusted feeds", dangerous: 70, susp: 20, trusted: "none", wantTrusted: []string{}, want: 17},
		{name: "unknown kind", halfLife: "email=30d", dangerous: 70, susp: 20, wantErr: true},
		{name: "missing =", halfLife: "phone", dangerous: 70, susp: 20, wantErr: true},
		{name: "zero half-life", halfLife: "phone=0d", dangerous: 70, susp: 20, wantErr: true},
		{name: "suspicious above dangerous", dangerous: 30, susp: 40, wantErr: true},
		{name: "zero suspicious", dangerous: 70, susp: 0, wantErr: true},
		{name: "dangerous above 100", dangerous: 120, susp: 20, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseScoring(tt.halfLife, tt.dangerous, tt.susp, tt.trusted)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if len(s.HalfLife) != len(tt.wantHalfLife) {
				t.Errorf("half-lives %v, want %v", s.HalfLife, tt.wantHalfLife)
			}
			for k, d := range tt.wantHalfLife {
				if s.HalfLife[k] != d {
					t.Errorf("half-life of %s = %v, want %v", k, s.HalfLife[k], d)
				}
			}
			if !slices.Equal(s.TrustedSources, tt.wantTrusted) || s.TrustedSources == nil {
				t.Errorf("trusted sources %q, want %q", s.TrustedSources, tt.wantTrusted)
			}
			now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
			rec := indicators.NewRecord("phone:+84912345678", "citizen:web", now.Add(-30*day))
			if got := s.Score(&rec, now); got != tt.want {
				t.Errorf("one phone report after 30 days scores %v, want %v", got, tt.want)
			}
		})
	}
}
