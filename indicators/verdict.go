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
	LookalikeOf string `json:"lookalike_of,omitempty"`
	// Score is the evidence score (0–100) the verdict of a listed
	// indicator comes from (100 when police confirmed it); see the README.
	Score float64 `json:"score,omitempty"`
	// Disputed is true while someone who says they own the indicator has
	// an open dispute about it.
	Disputed bool `json:"disputed,omitempty"`
	// Linked counts the other reported or confirmed indicators named in
	// the same citizen reports, by kind.
	Linked *Linked `json:"linked,omitempty"`
	// ConvertedFrom is the input as typed when it was an old 11-digit
	// mobile number converted to its current 10-digit form.
	ConvertedFrom string `json:"converted_from,omitempty"`
	// QR describes a payment QR code (VietQR) the input was decoded from.
	QR       *PaymentQR   `json:"qr,omitempty"`
	Degraded bool         `json:"degraded,omitempty"`
	Advice   *Advice      `json:"advice,omitempty"`
	Error    *ResultError `json:"error,omitempty"`
}

// Linked counts other listed indicators that appear in the same reports as
// the checked one, without saying who reported them.
type Linked struct {
	Reports      int `json:"reports"` // reports naming the checked indicator with at least one other
	Phones       int `json:"phones,omitempty"`
	BankAccounts int `json:"bank_accounts,omitempty"`
	Domains      int `json:"domains,omitempty"`
	URLs         int `json:"urls,omitempty"`
}

// PaymentQR is what a VietQR / NAPAS EMVCo payload says about a payment.
type PaymentQR struct {
	BIN           string `json:"bin"`
	Bank          string `json:"bank,omitempty"`       // short name from the bank table
	AccountMasked string `json:"account_masked"`       // e.g. "0011••••3201"
	Service       string `json:"service,omitempty"`    // QRIBFTTA (account) or QRIBFTTC (card)
	AmountVND     int64  `json:"amount_vnd,omitempty"` // tag 54, when fixed
	Currency      string `json:"currency,omitempty"`   // tag 53, "704" for VND
	Message       string `json:"message,omitempty"`    // tag 62 purpose / bill
	Mismatch      bool   `json:"mismatch,omitempty"`   // differs from what the person expected to pay
	Expected      string `json:"expected,omitempty"`   // what they expected, as given
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
