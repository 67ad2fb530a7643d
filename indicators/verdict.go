package indicators

import "time"

// Verdict is the answer a check gives. There is deliberately no "safe": the
// absence of reports is not evidence of honesty, so the lowest verdict is
// unknown.
type Verdict string

// Verdicts.
const (
	VerdictDangerous  Verdict = "dangerous"  // confirmed by police, or reported often enough
	VerdictSuspicious Verdict = "suspicious" // reported but unconfirmed, lookalike, or store unreachable on a filter hit
	VerdictTrusted    Verdict = "trusted"    // on the official allowlist
	VerdictUnknown    Verdict = "unknown"    // nothing known: not a clean bill of health
)

// Advice is short guidance shown with a verdict, in Vietnamese and English.
type Advice struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

// ResultError is the error part of a Result for one invalid input.
type ResultError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Result is the answer to one check. The same JSON shape is printed by
// `scamcheck check --json` and returned by GET/POST /v1/check; field names
// are part of the public API.
type Result struct {
	Input     string     `json:"input"`
	Kind      Kind       `json:"kind,omitempty"`
	Key       Key        `json:"key,omitempty"`
	Canonical string     `json:"canonical,omitempty"`
	Verdict   Verdict    `json:"verdict,omitempty"`
	Status    Status     `json:"status,omitempty"`
	Category  Category   `json:"category,omitempty"`
	Reports   int        `json:"reports,omitempty"`
	Sources   []string   `json:"sources,omitempty"`
	FirstSeen *time.Time `json:"first_seen,omitempty"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
	Matched   Key        `json:"matched,omitempty"` // the listed key that matched, when not Key itself
	// Also is the runner-up when both a report and the allowlist match:
	// the allowlist entry a report outranked, or the report a
	// police-confirmed allowlist entry outranked. Both are shown.
	Also *Also `json:"also,omitempty"`
	// LookalikeOf is the trusted domain this domain or link imitates.
	LookalikeOf string       `json:"lookalike_of,omitempty"`
	Degraded    bool         `json:"degraded,omitempty"`
	Advice      *Advice      `json:"advice,omitempty"`
	Error       *ResultError `json:"error,omitempty"`
}

// Also describes a second matching entry of the other side (allowlist or
// report) than the one that decided the verdict.
type Also struct {
	Key     Key     `json:"key"`
	Verdict Verdict `json:"verdict"`
	Status  Status  `json:"status"`
	Reports int     `json:"reports,omitempty"`
}

// ErrorResult builds the Result for an input that could not be checked.
func ErrorResult(input string, err error) Result {
	msg := err.Error()
	if ie, ok := err.(*InputError); ok {
		msg = ie.Message
	}
	return Result{Input: input, Error: &ResultError{Code: ErrorCode(err), Message: msg}}
}
