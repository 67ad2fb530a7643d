package indicators

import "strings"

// Kind is the type of thing an indicator names.
type Kind string

// The four kinds of indicator.
const (
	KindPhone       Kind = "phone"
	KindBankAccount Kind = "bank_account"
	KindDomain      Kind = "domain"
	KindURL         Kind = "url"
)

// Kinds lists every kind in a fixed order (used for per-kind filters and stats).
var Kinds = []Kind{KindPhone, KindBankAccount, KindDomain, KindURL}

// Valid reports whether k is one of the four kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindPhone, KindBankAccount, KindDomain, KindURL:
		return true
	}
	return false
}

// ParseKind accepts a kind name (case-insensitive; "bank" and "account" are
// accepted for bank_account, "link" for url).
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "phone", "tel", "number":
		return KindPhone, nil
	case "bank_account", "bank", "account", "bank-account":
		return KindBankAccount, nil
	case "domain", "host":
		return KindDomain, nil
	case "url", "link":
		return KindURL, nil
	}
	return "", inputErr(CodeUnknownKind, "unknown kind %q (want phone, bank_account, domain or url)", s)
}

// Key is the canonical identity of an indicator: "<kind>:<canonical value>",
// e.g. "phone:+84912345678", "bank_account:970436:0011004353201",
// "domain:xn--ngn-hng-dwao.vn", "url:evil.example/login".
type Key string

// NewKey joins a kind and an already canonical value.
func NewKey(k Kind, value string) Key { return Key(string(k) + ":" + value) }

// Kind returns the kind part of the key ("" when the key is malformed).
func (k Key) Kind() Kind {
	i := strings.IndexByte(string(k), ':')
	if i < 0 {
		return ""
	}
	return Kind(k[:i])
}

// Value returns the canonical value part of the key.
func (k Key) Value() string {
	i := strings.IndexByte(string(k), ':')
	if i < 0 {
		return ""
	}
	return string(k[i+1:])
}

// String returns the key as text.
func (k Key) String() string { return string(k) }

// ParseKey checks that s is a canonical key: its kind is known and its value
// normalizes to itself. It is the way to accept keys from the outside (API
// paths, imports of exported data) without trusting them.
func ParseKey(s string) (Key, error) {
	k := Key(s)
	kind := k.Kind()
	if !kind.Valid() {
		return "", inputErr(CodeInvalidKey, "key %q does not start with a known kind", truncate(s, 80))
	}
	got, err := canonicalValue(kind, k.Value())
	if err != nil {
		return "", &InputError{Code: CodeInvalidKey, Message: "key value is not canonical", Err: err}
	}
	if got != k {
		return "", inputErr(CodeInvalidKey, "key %q is not canonical (canonical: %q)", truncate(s, 80), truncate(string(got), 80))
	}
	return k, nil
}

// canonicalValue normalizes the value part of a key of the given kind.
func canonicalValue(kind Kind, v string) (Key, error) {
	switch kind {
	case KindPhone:
		return NormalizePhone(v)
	case KindBankAccount:
		bin, acct, ok := strings.Cut(v, ":")
		if !ok {
			return "", inputErr(CodeInvalidAccount, "bank account key needs <BIN>:<account>")
		}
		return NormalizeBankAccount(bin, acct)
	case KindDomain:
		return NormalizeDomain(v)
	case KindURL:
		return NormalizeURL(v)
	}
	return "", inputErr(CodeUnknownKind, "unknown kind %q", kind)
}

// Normalize turns a value of a known kind into its canonical key. For
// bank_account the value is "<bank> <account>" in any form Parse accepts.
func Normalize(kind Kind, value string) (Key, error) {
	switch kind {
	case KindPhone:
		return NormalizePhone(value)
	case KindBankAccount:
		return ParseBankAccount(value)
	case KindDomain:
		return NormalizeDomain(value)
	case KindURL:
		return NormalizeURL(value)
	}
	return "", inputErr(CodeUnknownKind, "unknown kind %q", kind)
}

// MaxInputLen bounds every normalizer's input: nothing legitimate is longer,
// and bounding it keeps the work per request bounded.
const MaxInputLen = 4096

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
