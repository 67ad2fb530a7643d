package indicators

import (
	"math"
	"strings"
	"time"
)

// Scoring turns the evidence behind a listed indicator into a score from 0
// to 100 and the score into a verdict. Its zero value is the documented
// default (see the README, "How verdicts are scored"); any field left zero
// takes its default, so a caller can change one parameter alone.
//
// The rules:
//
//   - police-confirmed: 100, and it does not fade: only delisting ends it;
//   - trusted (the allowlist): not scored, the verdict is trusted;
//   - reported: evidence E = reports plus SourceWeight for each distinct
//     source after the first plus TrustedWeight for each source whose name
//     starts with a TrustedSources prefix; base = 100 × (1 − (1 − Step)^E),
//     which saturates, capped at 99 so that no pile of unverified reports
//     equals a police confirmation; the score is base × 0.5^(age /
//     half-life of the kind), age counted from the last time anyone
//     reported or listed it.
//
// A score at or above Dangerous answers dangerous, at or above Suspicious
// suspicious; below Suspicious the evidence has faded and the check answers
// unknown, as for a delisted indicator.
type Scoring struct {
	// HalfLife is, per kind, how long until a citizen-reported indicator's
	// score halves with no new report. Kinds not in the map take the
	// defaults: phone 30 days, bank account 90, URL 60, domain 180.
	HalfLife map[Kind]time.Duration
	// Step is how much of the remaining distance to 100 one unit of
	// evidence covers. Default 0.35: one report scores 35, three 73.
	Step float64
	// SourceWeight is the extra evidence each distinct source after the
	// first adds, on top of its own report. Default 0.5.
	SourceWeight float64
	// TrustedWeight is the extra evidence each trusted feed source adds.
	// Default 1: a listing by a curated feed counts as one more report.
	TrustedWeight float64
	// TrustedSources are source-name prefixes (case-insensitive) of feeds
	// whose listings are curated. nil takes DefaultTrustedSources; an empty
	// non-nil slice trusts none.
	TrustedSources []string
	// Dangerous is the lowest score answered dangerous. Default 70.
	Dangerous float64
	// Suspicious is the lowest score answered suspicious; below it the
	// check answers unknown. Default 20.
	Suspicious float64
}

// DefaultTrustedSources are the feed-name prefixes trusted by default:
// feeds that review their entries before listing them, and our own police
// channel.
var DefaultTrustedSources = []string{"openphish", "phishtank", "chongluadao", "police"}

// Score defaults; see Scoring.
const (
	DefaultStep          = 0.35
	DefaultSourceWeight  = 0.5
	DefaultTrustedWeight = 1.0
	DefaultDangerous     = 70.0
	DefaultSuspicious    = 20.0
	// ScoreConfirmed is the score of a police-confirmed indicator.
	ScoreConfirmed = 100.0
	// MaxReportedScore caps an unconfirmed indicator's score: only police
	// confirmation reaches 100.
	MaxReportedScore = 99.0
)

// DefaultHalfLife returns the default half-life of a kind's citizen-report
// score. Scam phone numbers are prepaid SIMs thrown away within weeks;
// mule bank accounts are used for months before the bank freezes them;
// phishing links move often but a reported one is cheap to keep warning
// about; domains are paid for by the year and reused across campaigns.
func DefaultHalfLife(kind Kind) time.Duration {
	const day = 24 * time.Hour
	switch kind {
	case KindPhone:
		return 30 * day
	case KindBankAccount:
		return 90 * day
	case KindURL:
		return 60 * day
	case KindDomain:
		return 180 * day
	}
	return 60 * day
}

// halfLife returns the configured or default half-life of kind.
func (s *Scoring) halfLife(kind Kind) time.Duration {
	if d, ok := s.HalfLife[kind]; ok && d > 0 {
		return d
	}
	return DefaultHalfLife(kind)
}

// orDefault returns v, or def when v is not positive (the zero value).
func orDefault(v, def float64) float64 {
	if v > 0 {
		return v
	}
	return def
}

// SuspiciousAt returns the lowest score answered suspicious.
func (s *Scoring) SuspiciousAt() float64 { return orDefault(s.Suspicious, DefaultSuspicious) }

// DangerousAt returns the lowest score answered dangerous.
func (s *Scoring) DangerousAt() float64 { return orDefault(s.Dangerous, DefaultDangerous) }

// Score returns the evidence score of a listed record at now, rounded down
// to a whole number: the score shown and the verdict agree, and ageing never
// rounds a score back up across a threshold. Trusted and delisted records
// score 0.
func (s *Scoring) Score(rec *Record, now time.Time) float64 {
	switch rec.Status {
	case StatusConfirmed:
		return ScoreConfirmed
	case StatusReported:
	default:
		return 0
	}
	base := s.Base(rec)
	last := rec.LastSeen
	for i := range rec.Sources {
		if rec.Sources[i].LastSeen.After(last) {
			last = rec.Sources[i].LastSeen
		}
	}
	if !last.IsZero() {
		if age := now.Sub(last); age > 0 {
			base *= math.Exp2(-float64(age) / float64(s.halfLife(rec.Kind)))
		}
	}
	// The epsilon keeps float error (35 computed as 34.999…) from costing a
	// whole point.
	return math.Floor(base + 1e-9)
}

// Base returns the score a reported record's evidence earns before ageing.
func (s *Scoring) Base(rec *Record) float64 {
	n := len(rec.Sources)
	e := float64(max(rec.Reports, n, 1))
	if n > 1 {
		e += orDefault(s.SourceWeight, DefaultSourceWeight) * float64(n-1)
	}
	if t := s.trustedSources(rec); t > 0 {
		e += orDefault(s.TrustedWeight, DefaultTrustedWeight) * float64(t)
	}
	step := min(orDefault(s.Step, DefaultStep), 1)
	return min(100*(1-math.Pow(1-step, e)), MaxReportedScore)
}

// trustedSources counts rec's sources whose name starts with a trusted
// prefix.
func (s *Scoring) trustedSources(rec *Record) int {
	prefixes := s.TrustedSources
	if prefixes == nil {
		prefixes = DefaultTrustedSources
	}
	n := 0
	for i := range rec.Sources {
		name := rec.Sources[i].Name
		for _, p := range prefixes {
			if p != "" && len(name) >= len(p) && strings.EqualFold(name[:len(p)], p) {
				n++
				break
			}
		}
	}
	return n
}

// VerdictFor maps a score to a verdict: dangerous, suspicious, or unknown
// when the evidence has faded below the suspicious threshold.
func (s *Scoring) VerdictFor(score float64) Verdict {
	switch {
	case score >= s.DangerousAt():
		return VerdictDangerous
	case score >= s.SuspiciousAt():
		return VerdictSuspicious
	}
	return VerdictUnknown
}

// Lifetime returns how long, at most, a citizen-reported indicator of kind
// keeps answering suspicious with no new report: however strong the
// evidence, its score is at most 99, and it falls below the suspicious
// threshold after half-life × log2(99 / threshold) (about 2.3 half-lives
// with the defaults: 69 days for a phone number).
func (s *Scoring) Lifetime(kind Kind) time.Duration {
	return s.lifetimeFrom(MaxReportedScore, kind)
}

// LifetimeOf returns how long a reported record whose evidence earns base
// keeps a score at or above the suspicious threshold; for one citizen
// report with the defaults (base 35) it is 0.81 half-lives: 24 days for a
// phone number.
func (s *Scoring) LifetimeOf(rec *Record) time.Duration {
	return s.lifetimeFrom(s.Base(rec), rec.Kind)
}

// lifetimeFrom returns how long a score starting at base stays at or above
// the suspicious threshold (before rounding).
func (s *Scoring) lifetimeFrom(base float64, kind Kind) time.Duration {
	th := s.SuspiciousAt()
	if base <= th {
		return 0
	}
	return time.Duration(float64(s.halfLife(kind)) * math.Log2(base/th))
}
