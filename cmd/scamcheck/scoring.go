package main

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// scoringFlags registers the verdict-scoring flags of `serve` on fs and
// returns the function that reads them after Parse. Every default is the
// engine's own (README, "How verdicts are scored"), so leaving the flags
// out changes nothing.
func scoringFlags(fs *flag.FlagSet) func() (indicators.Scoring, error) {
	halfLife := fs.String("score-half-life", "", "half-life of citizen-report scores per kind, e.g. phone=30d,domain=180d; kinds left out keep phone=30d, bank_account=90d, url=60d, domain=180d")
	dangerous := fs.Float64("score-dangerous", indicators.DefaultDangerous, "lowest evidence score (0-100) answered dangerous")
	suspicious := fs.Float64("score-suspicious", indicators.DefaultSuspicious, "lowest evidence score answered suspicious; a report that fades below it answers unknown")
	trusted := fs.String("score-trusted-sources", strings.Join(indicators.DefaultTrustedSources, ","), `comma-separated source-name prefixes of curated feeds whose listings raise the score ("none" for none)`)
	return func() (indicators.Scoring, error) {
		return parseScoring(*halfLife, *dangerous, *suspicious, *trusted)
	}
}

// parseScoring builds a Scoring from the flag values.
func parseScoring(halfLife string, dangerous, suspicious float64, trusted string) (indicators.Scoring, error) {
	s := indicators.Scoring{Dangerous: dangerous, Suspicious: suspicious}
	// A zero threshold would silently mean "default" to Scoring: refuse it
	// rather than answer with numbers the operator did not ask for.
	if !(0 < suspicious && suspicious <= dangerous && dangerous <= 100) {
		return s, fmt.Errorf("--score-suspicious %v and --score-dangerous %v: want 0 < suspicious ≤ dangerous ≤ 100", suspicious, dangerous)
	}
	if halfLife != "" {
		s.HalfLife = map[indicators.Kind]time.Duration{}
		for part := range strings.SplitSeq(halfLife, ",") {
			name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				return s, fmt.Errorf("--score-half-life: %q: want kind=duration, e.g. phone=30d", part)
			}
			kind, err := indicators.ParseKind(name)
			if err != nil {
				return s, fmt.Errorf("--score-half-life: %w", err)
			}
			d, err := parseTTL(value)
			if err != nil {
				return s, fmt.Errorf("--score-half-life %s: %w", kind, err)
			}
			s.HalfLife[kind] = d
		}
	}
	s.TrustedSources = []string{}
	if trusted != "none" {
		for p := range strings.SplitSeq(trusted, ",") {
			if p = strings.TrimSpace(p); p != "" {
				s.TrustedSources = append(s.TrustedSources, p)
			}
		}
	}
	return s, nil
}
