package api

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/scamcheck/scamcheck/indicators"
)

// appendResult appends r as JSON, byte for byte what encoding/json produces
// for indicators.Result with SetEscapeHTML(false) (the `check --json`
// output; TestAppendResultMatchesEncodingJSON holds it to that). It exists
// because the check endpoint's answer is its hottest path: reflection-based
// encoding cost more than the check itself.
func appendResult(b []byte, r *indicators.Result) []byte {
	b = append(b, `{"input":`...)
	b = appendString(b, r.Input)
	// The kind and the verdict are nearly always one of the known values,
	// whose fields are encoded in advance (kindIndex and verdictIndex are
	// switches on a few constants).
	ki, vi := kindIndex(r.Kind), verdictIndex(r.Verdict)
	if ki < len(kindFields) && r.Kind == statKinds[ki] {
		b = append(b, kindFields[ki]...)
	} else if r.Kind != "" {
		b = append(b, `,"kind":`...)
		b = appendString(b, string(r.Kind))
	}
	if r.Key != "" {
		b = append(b, `,"key":`...)
		b = appendString(b, string(r.Key))
	}
	if r.Canonical != "" {
		b = append(b, `,"canonical":`...)
		b = appendString(b, r.Canonical)
	}
	if vi < len(verdictFields) && r.Verdict == statVerdicts[vi] {
		b = append(b, verdictFields[vi]...)
	} else if r.Verdict != "" {
		b = append(b, `,"verdict":`...)
		b = appendString(b, string(r.Verdict))
	}
	if r.Status != "" {
		b = append(b, `,"status":`...)
		b = appendString(b, string(r.Status))
	}
	if r.Category != "" {
		b = append(b, `,"category":`...)
		b = appendString(b, string(r.Category))
	}
	if r.Reports != 0 {
		b = append(b, `,"reports":`...)
		b = strconv.AppendInt(b, int64(r.Reports), 10)
	}
	if len(r.Sources) > 0 {
		b = append(b, `,"sources":[`...)
		for i, s := range r.Sources {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		b = append(b, ']')
	}
	if r.FirstSeen != nil {
		b = append(b, `,"first_seen":`...)
		b = appendTime(b, *r.FirstSeen)
	}
	if r.LastSeen != nil {
		b = append(b, `,"last_seen":`...)
		b = appendTime(b, *r.LastSeen)
	}
	if r.Matched != "" {
		b = append(b, `,"matched":`...)
		b = appendString(b, string(r.Matched))
	}
	if a := r.Also; a != nil {
		b = append(b, `,"also":{"key":`...)
		b = appendString(b, string(a.Key))
		b = append(b, `,"verdict":`...)
		b = appendString(b, string(a.Verdict))
		b = append(b, `,"status":`...)
		b = appendString(b, string(a.Status))
		if a.Reports != 0 {
			b = append(b, `,"reports":`...)
			b = strconv.AppendInt(b, int64(a.Reports), 10)
		}
		b = append(b, '}')
	}
	if r.LookalikeOf != "" {
		b = append(b, `,"lookalike_of":`...)
		b = appendString(b, r.LookalikeOf)
	}
	if r.Score != 0 {
		b = append(b, `,"score":`...)
		b = strconv.AppendFloat(b, r.Score, 'f', -1, 64)
	}
	if r.Disputed {
		b = append(b, `,"disputed":true`...)
	}
	if l := r.Linked; l != nil {
		b = append(b, `,"linked":{"reports":`...)
		b = strconv.AppendInt(b, int64(l.Reports), 10)
		b = appendCount(b, `,"phones":`, l.Phones)
		b = appendCount(b, `,"bank_accounts":`, l.BankAccounts)
		b = appendCount(b, `,"domains":`, l.Domains)
		b = appendCount(b, `,"urls":`, l.URLs)
		b = append(b, '}')
	}
	if r.ConvertedFrom != "" {
		b = append(b, `,"converted_from":`...)
		b = appendString(b, r.ConvertedFrom)
	}
	if q := r.QR; q != nil {
		b = append(b, `,"qr":{"bin":`...)
		b = appendString(b, q.BIN)
		b = appendOptString(b, `,"bank":`, q.Bank)
		b = append(b, `,"account_masked":`...)
		b = appendString(b, q.AccountMasked)
		b = appendOptString(b, `,"service":`, q.Service)
		if q.AmountVND != 0 {
			b = append(b, `,"amount_vnd":`...)
			b = strconv.AppendInt(b, q.AmountVND, 10)
		}
		b = appendOptString(b, `,"currency":`, q.Currency)
		b = appendOptString(b, `,"message":`, q.Message)
		if q.Mismatch {
			b = append(b, `,"mismatch":true`...)
		}
		b = appendOptString(b, `,"expected":`, q.Expected)
		b = append(b, '}')
	}
	if r.Degraded {
		b = append(b, `,"degraded":true`...)
	}
	if r.Advice != nil {
		b = append(b, `,"advice":`...)
		if e := &adviceTable[vi][ki]; e.advice == r.Advice {
			b = append(b, e.json...)
		} else {
			b = appendAdvice(b, r.Advice)
		}
	}
	if r.Error != nil {
		b = append(b, `,"error":{"code":`...)
		b = appendString(b, r.Error.Code)
		b = append(b, `,"message":`...)
		b = appendString(b, r.Error.Message)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendOptString appends `name` and s when s is not empty (omitempty).
func appendOptString(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(append(b, name...), s)
}

// appendCount appends `name` and n when n is not zero (omitempty).
func appendCount(b []byte, name string, n int) []byte {
	if n == 0 {
		return b
	}
	b = append(b, name...)
	return strconv.AppendInt(b, int64(n), 10)
}

// kindFields and verdictFields are the encoded "kind" and "verdict" fields
// of the known kinds and verdicts, indexed as statKinds and statVerdicts
// (whose last entries, "other" and "error", are not real values).
var (
	kindFields    = encodedFields(`,"kind":`, statKinds[:len(statKinds)-1])
	verdictFields = encodedFields(`,"verdict":`, statVerdicts[:len(statVerdicts)-1])
)

func encodedFields[T ~string](name string, values []T) [][]byte {
	fields := make([][]byte, len(values))
	for i, v := range values {
		fields[i] = appendString([]byte(name), string(v))
	}
	return fields
}

// adviceTable holds the encoding of the advice the engine gives each
// verdict and kind (indicators.AdviceFor), indexed as the check counters
// are. Their long bilingual texts are most of a result's bytes: encoding
// them was the costliest part of encoding a result, and a lookup by
// pointer in adviceJSON cost more than copying the bytes.
var adviceTable = func() (t [len(statVerdicts)][len(statKinds)]adviceEntry) {
	for vi, v := range statVerdicts {
		for ki, k := range statKinds {
			if a := indicators.AdviceFor(v, k); a != nil {
				t[vi][ki] = adviceEntry{advice: a, json: encodeAdvice(nil, a)}
			}
		}
	}
	return t
}()

type adviceEntry struct {
	advice *indicators.Advice
	json   []byte
}

func encodeAdvice(b []byte, a *indicators.Advice) []byte {
	b = append(b, `{"vi":`...)
	b = appendString(b, a.VI)
	b = append(b, `,"en":`...)
	b = appendString(b, a.EN)
	return append(b, '}')
}

// adviceJSON caches the encoding of Advice values not in adviceTable, by
// pointer, should an Engine hand out other shared ones. Entries are never
// removed; the cache is bounded (see appendAdvice).
var adviceJSON sync.Map // *indicators.Advice → []byte

// maxAdviceCache bounds adviceJSON against an Engine that allocates a
// fresh Advice per result (none does today).
const maxAdviceCache = 64

var adviceCacheLen atomic.Int32

func appendAdvice(b []byte, a *indicators.Advice) []byte {
	if v, ok := adviceJSON.Load(a); ok {
		return append(b, v.([]byte)...)
	}
	start := len(b)
	b = encodeAdvice(b, a)
	// Only the engine's shared advice values are worth caching, and they
	// are immutable: cache the first few pointers seen.
	if adviceCacheLen.Load() < maxAdviceCache {
		if _, loaded := adviceJSON.LoadOrStore(a, slices.Clone(b[start:])); !loaded {
			adviceCacheLen.Add(1)
		}
	}
	return b
}

// appendTime appends t as encoding/json does (RFC 3339 with nanoseconds).
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// plainString reports whether s needs no escaping at all: valid UTF-8
// with no control character, quote, backslash, U+2028 or U+2029. The
// inputs, keys and canonical forms of checks are short ASCII: they are
// tested eight bytes at a time, and only a string with a non-ASCII byte is
// looked at closely.
func plainString(s string) bool {
	n := len(s)
	if n < 8 {
		for i := 0; i < n; i++ {
			if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
				return plainStringSlow(s)
			}
		}
		return true
	}
	for i := 0; i+8 <= n; i += 8 {
		if !plainASCII8(load64(s, i)) {
			return plainStringSlow(s)
		}
	}
	// The last bytes, as a word that overlaps the one before.
	if n%8 != 0 && !plainASCII8(load64(s, n-8)) {
		return plainStringSlow(s)
	}
	return true
}

// load64 reads the eight bytes of s at i as a little-endian word, byte by
// byte, which the compiler merges into one load.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// plainASCII8 reports whether none of the eight bytes of x is a control
// character, a quote, a backslash or a non-ASCII byte (the classic
// "has a byte less than n" and "has a zero byte" bit tricks).
func plainASCII8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	lt20 := (x - ones*0x20) &^ x
	q := x ^ (ones * '"')
	bs := x ^ (ones * '\\')
	quote := (q - ones) &^ q
	back := (bs - ones) &^ bs
	return (lt20|quote|back|x)&highs == 0
}

// plainStringSlow is plainString for strings that are not plain ASCII.
// U+2028 and U+2029 are the only runes whose UTF-8 forms start 0xE2 0x80
// 0xA8/0xA9.
func plainStringSlow(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
		if c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// appendString appends s as a JSON string the way encoding/json does
// without HTML escaping: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped
// (JavaScript treats them as line ends).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	if plainString(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
