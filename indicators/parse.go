package indicators

import (
	"strings"
	"unicode"
)

// Parsed is free text resolved to one indicator.
type Parsed struct {
	Input     string `json:"input"`
	Kind      Kind   `json:"kind"`
	Key       Key    `json:"key"`
	Canonical string `json:"canonical"` // for URLs the full canonical URL; else the key's value
	// ConvertedFrom is the input when it was an old 11-digit mobile
	// number that Key holds in its current 10-digit form.
	ConvertedFrom string `json:"converted_from,omitempty"`
	// QR is set when the input was a VietQR payload: Key is the account
	// it pays to, QR what else it says.
	QR *PaymentQR `json:"qr,omitempty"`
}

// Parse decides what kind of indicator free text names and normalizes it, so
// a citizen can paste anything: a phone number in any common form, "bank +
// account" ("VCB 0011004353201"), a link, or a bare domain.
//
// Decision order (first match wins):
//
//  0. a VietQR payment payload ("000201…", the text in a payment QR code)
//     → bank_account of the account it pays, with Parsed.QR.
//  1. "tel:" links and text made only of digits and phone punctuation → phone.
//     A bare number is always taken as a phone: account numbers reuse phone
//     numbers, so a number alone cannot name an account; the bank is needed.
//  2. text with a scheme ("://"), or a host followed by a path → url.
//  3. text naming a known bank together with 6–19 digits → bank_account.
//  4. a single token with a dot → domain.
//
// Anything else is an InputError with CodeUndetected.
func Parse(input string) (Parsed, error) {
	return ParseIn(input, nil)
}

// ParseIn is Parse making the key of a phone number or a bank account in a
// (when not nil), as ParseAsIn does.
func ParseIn(input string, a *KeyArena) (Parsed, error) {
	s := strings.TrimSpace(input)
	if s == "" {
		return Parsed{}, inputErr(CodeEmpty, "nothing to check")
	}
	if len(s) > MaxInputLen {
		return Parsed{}, inputErr(CodeTooLong, "input longer than %d bytes", MaxInputLen)
	}
	if LooksLikeVietQR(s) {
		return ParseVietQR(input)
	}
	kind := detectKind(s)
	if kind == "" {
		return Parsed{}, inputErr(CodeUndetected, "not a phone number, bank account, domain or link")
	}
	return ParseAsIn(kind, input, a)
}

// ParseAs normalizes input as the given kind.
// A phone that was an old 11-digit mobile number has ConvertedFrom set; a
// bank_account given as a VietQR payload has QR set.
func ParseAs(kind Kind, input string) (Parsed, error) {
	return ParseAsIn(kind, input, nil)
}

// ParseAsIn is ParseAs making the key of a phone number or a bank account
// in a (when not nil): a batch of parses then allocates once rather than
// once an item.
func ParseAsIn(kind Kind, input string, a *KeyArena) (Parsed, error) {
	switch {
	case kind == KindPhone:
		k, converted, err := normalizePhone(input, true, a)
		if err != nil {
			return Parsed{}, err
		}
		key := Key(k)
		p := Parsed{Input: input, Kind: kind, Key: key, Canonical: key.Value()}
		if converted {
			p.ConvertedFrom = input
		}
		return p, nil
	case kind == KindBankAccount && LooksLikeVietQR(input):
		return ParseVietQR(input)
	}
	var key Key
	var err error
	if kind == KindBankAccount {
		key, err = parseBankAccountIn(input, a)
	} else {
		key, err = Normalize(kind, input)
	}
	if err != nil {
		return Parsed{}, err
	}
	p := Parsed{Input: input, Kind: kind, Key: key, Canonical: key.Value()}
	if kind == KindURL {
		p.Canonical = "http://" + key.Value()
		if c, err := CanonicalURL(input); err == nil {
			p.Canonical = c
		}
	}
	return p, nil
}

func detectKind(s string) Kind {
	lower := strings.ToLower(s)
	if strings.HasPrefix(lower, "tel:") || phoneShaped(s) {
		return KindPhone
	}
	if strings.Contains(s, "://") {
		return KindURL
	}
	fields := strings.Fields(s)
	if len(fields) == 1 {
		if i := strings.IndexAny(s, "/?#"); i > 0 && strings.Contains(s[:i], ".") {
			return KindURL
		}
		if strings.Contains(s, ".") || strings.Contains(s, "。") {
			if mostlyDigits(s) {
				// "0912.345.678" is a phone; "1.2.3.4" is an address.
				if strings.Count(s, ".") == 3 {
					return KindDomain
				}
				return KindPhone
			}
			return KindDomain
		}
	}
	if hasDigitRun(s, 6) {
		return KindBankAccount
	}
	return ""
}

// phoneShaped reports whether s has only digits (any script's full-width
// forms included) and the punctuation people put in phone numbers.
func phoneShaped(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digits++
		case strings.ContainsRune(" +-.()/\u00a0\u2010\u2011\u2012\u2013\u2014\uff0b\uff0d\u3000", r):
		default:
			return false
		}
	}
	return digits > 0 && strings.Count(s, ".") != 3
}

func mostlyDigits(s string) bool {
	d, o := 0, 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			d++
		} else if r != '.' {
			o++
		}
	}
	return d > 0 && o == 0
}

func hasDigitRun(s string, n int) bool {
	run := 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			run++
			if run >= n {
				return true
			}
		case r == ' ' || r == '-' || r == '.':
		default:
			run = 0
		}
	}
	return false
}

// LookupKeys returns every key a check of p tests against the filters, most
// specific first: the key itself for phones and accounts; the host and its
// parent domains for domains; for URLs the Safe Browsing expressions plus the
// domain keys of the host.
func LookupKeys(p Parsed) []Key {
	switch p.Kind {
	case KindDomain:
		return DomainLookupKeys(p.Key.Value())
	case KindURL:
		exprs, err := URLExpressions(p.Canonical)
		if err != nil {
			return []Key{p.Key}
		}
		keys := make([]Key, 0, len(exprs)+maxDomainLookups)
		for _, e := range exprs {
			keys = append(keys, NewKey(KindURL, e))
		}
		host := p.Key.Value()
		if i := strings.IndexByte(host, '/'); i >= 0 {
			host = host[:i]
		}
		if h, err := CanonicalHost(host); err == nil {
			keys = append(keys, DomainLookupKeys(h)...)
		}
		return keys
	}
	return []Key{p.Key}
}
