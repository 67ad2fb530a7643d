package indicators

// Phone numbers become E.164 strings, the form the rest of the world already
// agrees on, with Vietnam as the region assumed when no country is given:
//
//	"tel:(+84) ０９１２-345.678 ext. 12"
//	  → pre-clean (one pass): "+840912345678", extension "12" dropped
//	  → phonenumbers.Parse(…, "VN") → country 84, national number 912345678
//	  → IsPossibleNumberWithReason == IS_POSSIBLE
//	  → key "phone:+84912345678"
//
// Decisions worth knowing:
//
//   - "Possible" (right length for the country), not "valid" (in an allocated
//     range), is the bar, as DESIGN.md says: new ranges appear faster than
//     the metadata is updated, and a scammer's number must never be refused
//     because our copy of the numbering plan is old.
//   - "84912345678" without "+" is a Vietnamese number written with its
//     country code (phonenumbers strips a leading 84 when the rest is a
//     possible national number); "0084…" is the international prefix.
//   - Hotlines 1800xxxx / 1900xxxx (and their 10-digit forms) are accepted:
//     they are real scam vectors, phonenumbers knows them as Vietnamese toll-free
//     and premium numbers, and their canonical form is "+8419001234". Three- to
//     five-digit service codes (113, 1080, 9029) are refused as phone_too_short:
//     they are not dialable from abroad and have no E.164 form.
//   - Letters are refused (phone_has_letters) rather than read as a vanity
//     number: "1-800-FLOWERS" pasted into a scam check is far more likely a
//     mistake than a keypad spelling. The only letters allowed are the "tel:"
//     scheme and an extension marker (ext, ext., extn, extension, x, #,
//     ";ext="); the extension itself is dropped because a reported number is
//     the line, not the desk.
//   - Old 11-digit mobile numbers ("0166 123 4567", "+84 166 123 4567") are
//     converted to their current 10-digit form ("+84361234567") after
//     parsing, whichever path parsed them: the line is the same, so the
//     key must be. The table and the reasons are in oldprefix.go.
//   - The key holds 7 to 15 digits (E.164's limit), even where phonenumbers'
//     metadata would allow a longer or shorter number, and it is a fixed
//     point: where phonenumbers would parse its own E.164 output differently
//     (leading zeros, Chinese carrier prefixes), the E.164 form is parsed
//     again until it is stable.
//
// Spec: ITU-T E.164; RFC 3966 for "tel:" URIs; libphonenumber for the rest.

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// phoneRegion is the region assumed for numbers written without a country code.
const phoneRegion = "VN"

// maxPhoneDigits bounds the digits we hand to phonenumbers: an E.164 number
// has at most 15 digits, plus "00" and a few national-prefix digits that
// parsing may strip. More than this cannot be a possible number anywhere.
const maxPhoneDigits = 20

// minPhoneDigits is the fewest digits that can possibly form a number
// (libphonenumber's MIN_LENGTH_FOR_NSN is 2, the shortest national numbers
// in its metadata are 4, plus the country code).
const minPhoneDigits = 4

// E.164 bounds on the digits of the canonical form (country code included).
const (
	minE164Digits = 7
	maxE164Digits = 15
)

// maxPhoneNormalizeRounds bounds the re-parses done to reach a fixed point
// (see parsePhone).
const maxPhoneNormalizeRounds = 3

// NormalizePhone turns a phone number as people type or paste it into its
// canonical key "phone:+<E.164 digits>". It accepts spaces, dots, dashes,
// brackets, non-breaking spaces and Unicode dashes between digits; full-width
// digits and plus; "+84", "84", "0084" and "0" prefixes; a "tel:" link; an
// extension (dropped); and foreign numbers written with "+" or "00".
//
// Errors are *InputError with CodeEmpty, CodeTooLong, CodePhoneLetters,
// CodePhoneTooShort, CodePhoneTooLong, CodePhoneImpossible or
// CodeInvalidPhone. The canonical value is a fixed point:
// NormalizePhone(key.Value()) returns key.
//
// An old 11-digit mobile number (before the 2018 renumbering, e.g. "0166
// 123 4567" or "+84 166 123 4567") gives the key of its current form
// ("phone:+84361234567"); an 11-digit 01xx number whose prefix was never a
// mobile prefix is CodeUnknownOldPrefix. NormalizePhoneConverted also says
// whether the number was converted.
func NormalizePhone(s string) (Key, error) {
	k, _, err := normalizePhone(s, true, nil)
	return Key(k), err
}

// NormalizePhoneConverted is NormalizePhone that also reports whether s was
// an old 11-digit mobile number converted to its current form, so that the
// answer can say so.
func NormalizePhoneConverted(s string) (key Key, converted bool, err error) {
	k, converted, err := normalizePhone(s, true, nil)
	return Key(k), converted, err
}

// IsPossiblePhone reports whether NormalizePhone(s) would succeed. It gives
// exactly the same answer but does not allocate for the common Vietnamese
// forms, so an auto-detector can call it on every input. Many bank accounts
// are phone numbers too (banks let customers use their number as the
// account), so a true result does not mean the text is not an account.
func IsPossiblePhone(s string) bool {
	_, _, err := normalizePhone(s, false, nil)
	return err == nil
}

// normalizePhone returns the key for s, or "" when wantKey is false (the
// caller only wants to know whether s is a possible number), and whether s
// was an old 11-digit mobile number (see oldprefix.go). A key of the common
// Vietnamese forms is made in a when a is not nil.
func normalizePhone(s string, wantKey bool, a *KeyArena) (string, bool, error) {
	if len(s) > MaxInputLen {
		return "", false, inputErr(CodeTooLong, "input longer than %d bytes", MaxInputLen)
	}
	var scratch [maxPhoneDigits + 1]byte
	cleaned, err := cleanPhone(s, scratch[:0])
	if err != nil {
		return "", false, err
	}
	var conv [9]byte
	if nsn, ok := fastVNPhone(cleaned); ok {
		nsn, old, err := convertOldMobile(nsn, &conv)
		if err != nil || !wantKey {
			return "", old, err
		}
		const prefix = string(KindPhone) + ":+84"
		var key [len(prefix) + 10]byte
		n := copy(key[:], prefix)
		n += copy(key[n:], nsn)
		if a != nil {
			return a.make(key[:n]), old, nil
		}
		return string(key[:n]), old, nil
	}
	e164, err := parsePhone(string(cleaned))
	if err != nil {
		return "", false, err
	}
	// Forms the fast path leaves to phonenumbers ("+84 0 166…") can still
	// reach an old mobile number.
	old := false
	if nsn, ok := strings.CutPrefix(e164, "+84"); ok {
		var b []byte
		if b, old, err = convertOldMobile([]byte(nsn), &conv); err != nil {
			return "", old, err
		}
		e164 = "+84" + string(b)
	}
	if !wantKey {
		return "", old, nil
	}
	return string(KindPhone) + ":" + e164, old, nil
}

// cleanPhone maps s in one pass to an optional '+' followed by ASCII digits,
// dropping separators, the "tel:" scheme and any extension, and rejecting
// letters and other symbols. It appends to buf.
func cleanPhone(s string, buf []byte) ([]byte, error) {
	if plainPhone(s) {
		// Nothing to clean: the form of nearly every number a bank app or
		// a batch sends, spared the trim and the rune-by-rune loop.
		return append(buf, s...), nil
	}
	return cleanPhoneText(s, buf)
}

// plainPhone reports whether s is already clean and of an acceptable length:
// an optional '+' then minPhoneDigits to maxPhoneDigits ASCII digits.
func plainPhone(s string) bool {
	digits := s
	if len(s) > 0 && s[0] == '+' {
		digits = s[1:]
	}
	return len(digits) >= minPhoneDigits && len(digits) <= maxPhoneDigits && allDigits(digits)
}

// cleanPhoneText is cleanPhone for text that needs cleaning.
func cleanPhoneText(s string, buf []byte) ([]byte, error) {
	s = strings.TrimFunc(s, isPhoneSpace)
	if s == "" {
		return nil, inputErr(CodeEmpty, "no phone number given")
	}
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		// RFC 3966: parameters (;ext=, ;phone-context=, ;isub=) follow the
		// number after ';'. None of them changes which line is called from
		// abroad, and the extension is dropped anyway.
		s = strings.TrimPrefix(s[4:], "//")
		if i := strings.IndexByte(s, ';'); i >= 0 {
			s = s[:i]
		}
	}
	digits, plus := 0, false
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case r >= '0' && r <= '9':
			if digits == maxPhoneDigits {
				return nil, inputErr(CodePhoneTooLong, "more than %d digits", maxPhoneDigits)
			}
			buf = append(buf, byte(r))
			digits++
		case r == '+' || r == '＋':
			if plus || digits > 0 {
				return nil, inputErr(CodeInvalidPhone, "'+' may only start the number")
			}
			plus = true
			buf = append(buf, '+')
		case isPhoneSeparator(r):
		case r == '#' || r == ';' || isASCIILetter(r):
			if digits == 0 {
				if r == '#' || r == ';' {
					return nil, inputErr(CodeInvalidPhone, "unexpected %q before the number", r)
				}
				return nil, inputErr(CodePhoneLetters, "a phone number has no letters")
			}
			if err := checkExtension(s[i:]); err != nil {
				return nil, err
			}
			return finishClean(buf, digits)
		case r == utf8.RuneError && size == 1:
			return nil, inputErr(CodeInvalidPhone, "input is not valid UTF-8")
		default:
			if d, ok := unicodeDigit(r); ok {
				if digits == maxPhoneDigits {
					return nil, inputErr(CodePhoneTooLong, "more than %d digits", maxPhoneDigits)
				}
				buf = append(buf, d)
				digits++
				break
			}
			if unicode.IsLetter(r) {
				return nil, inputErr(CodePhoneLetters, "a phone number has no letters")
			}
			return nil, inputErr(CodeInvalidPhone, "unexpected %q in a phone number", r)
		}
		i += size
	}
	return finishClean(buf, digits)
}

func finishClean(buf []byte, digits int) ([]byte, error) {
	if digits == 0 {
		return nil, inputErr(CodeInvalidPhone, "no digits in a phone number")
	}
	if digits < minPhoneDigits {
		return nil, inputErr(CodePhoneTooShort, "%d digits are too few for a phone number", digits)
	}
	return buf, nil
}

// extensionMarkers are the words that may introduce an extension, lower case.
var extensionMarkers = []string{"extension", "extn", "ext", "x"}

// checkExtension accepts s when it is an extension marker followed by the
// extension's digits and nothing else: "ext. 123", "x12", "#9", ";ext=5".
// Any other trailing text means the input is not just a phone number.
func checkExtension(s string) error {
	switch {
	case s[0] == '#':
		s = s[1:]
	case strings.HasPrefix(s, ";"):
		if len(s) < 5 || !strings.EqualFold(s[:5], ";ext=") {
			return inputErr(CodeInvalidPhone, "unexpected ';' in a phone number")
		}
		s = s[5:]
	default:
		word := s
		if i := strings.IndexFunc(s, func(r rune) bool { return !isASCIILetter(r) }); i >= 0 {
			word = s[:i]
		}
		known := false
		for _, m := range extensionMarkers {
			if strings.EqualFold(word, m) {
				known = true
				break
			}
		}
		if !known {
			return inputErr(CodePhoneLetters, "a phone number has no letters (only an extension marker such as \"ext\")")
		}
		s = strings.TrimLeft(s[len(word):], ".:=")
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case isPhoneSpace(r):
		default:
			if _, ok := unicodeDigit(r); ok {
				digits++
				continue
			}
			if unicode.IsLetter(r) {
				return inputErr(CodePhoneLetters, "letters after the extension")
			}
			return inputErr(CodeInvalidPhone, "unexpected %q in the extension", r)
		}
	}
	if digits == 0 || digits > 10 {
		return inputErr(CodeInvalidPhone, "an extension needs 1 to 10 digits")
	}
	return nil
}

// fastVNPhone answers for the common Vietnamese shapes without calling
// phonenumbers, which costs about 8µs and 40 allocations per parse. It must
// give exactly phonenumbers' answer; TestPhoneFastPathMatchesLibrary checks
// that over the vectors, the synthetic reports and generated numbers.
//
// It returns the national significant number (NSN) for an NSN of 9 or 10 digits not
// starting with 0, written as "0NSN", "84NSN", "+84NSN" or "0084NSN". Why
// these give "+84NSN" in phonenumbers: VN's possible NSN lengths are 7–10,
// so the NSN is possible; "0" is VN's national prefix and a leading 0 never
// matches VN's national number pattern, so it is always stripped; "84NSN" is
// 11–12 digits, too long for a VN NSN, so the leading 84 is taken as the
// country code; "00" is VN's international prefix.
func fastVNPhone(b []byte) (nsn []byte, ok bool) {
	switch {
	case len(b) >= 3 && b[0] == '+' && b[1] == '8' && b[2] == '4':
		nsn = b[3:]
	case len(b) >= 4 && b[0] == '0' && b[1] == '0' && b[2] == '8' && b[3] == '4':
		nsn = b[4:]
	case len(b) >= 1 && b[0] == '0':
		nsn = b[1:]
	case len(b) >= 2 && b[0] == '8' && b[1] == '4':
		nsn = b[2:]
	default:
		return nil, false
	}
	if (len(nsn) != 9 && len(nsn) != 10) || nsn[0] == '0' {
		return nil, false
	}
	return nsn, true
}

// parsePhone runs phonenumbers on a cleaned number ('+'? digits).
func parsePhone(cleaned string) (string, error) {
	num, err := phonenumbers.Parse(cleaned, phoneRegion)
	if err != nil {
		return "", phoneParseError(err)
	}
	e164, err := possibleE164(num)
	if err != nil {
		return "", err
	}
	// phonenumbers' parse is not idempotent on its own output: a national
	// number that keeps a leading zero ("+84 0 0912…" gives +840912…) or
	// starts with what looks like a carrier code (China's "+86 0 1100…")
	// loses more digits when its E.164 form is parsed again. The key must be
	// a fixed point, so parse the E.164 form until it stops changing. An
	// input already in E.164 form needs no second parse.
	for round := 0; e164 != cleaned; round++ {
		if round == maxPhoneNormalizeRounds {
			return "", inputErr(CodeInvalidPhone, "number has no stable canonical form")
		}
		num, err = phonenumbers.Parse(e164, phoneRegion)
		if err != nil {
			return "", phoneParseError(err)
		}
		next, err := possibleE164(num)
		if err != nil {
			return "", err
		}
		if next == e164 {
			break
		}
		cleaned, e164 = e164, next
	}
	return e164, nil
}

// possibleE164 formats num as E.164 when its length is possible for its country.
func possibleE164(num *phonenumbers.PhoneNumber) (string, error) {
	switch phonenumbers.IsPossibleNumberWithReason(num) {
	case phonenumbers.IS_POSSIBLE:
	case phonenumbers.TOO_SHORT:
		return "", inputErr(CodePhoneTooShort, "too few digits for a number in that country")
	case phonenumbers.TOO_LONG:
		return "", inputErr(CodePhoneTooLong, "too many digits for a number in that country")
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return "", inputErr(CodePhoneImpossible, "local number: the area code is missing")
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "", inputErr(CodePhoneImpossible, "unknown country calling code")
	default: // INVALID_LENGTH
		return "", inputErr(CodePhoneImpossible, "no number of that length exists in that country")
	}
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	// The metadata allows a few national numbers (Japanese, German
	// toll-free) that do not fit E.164's 15 digits; E.164 is the contract
	// of the key, so they are out. Seven is the shortest real
	// international number (a 3-digit country code and a 4-digit number).
	switch n := len(e164) - 1; {
	case n > maxE164Digits:
		return "", inputErr(CodePhoneTooLong, "more than %d digits in international form", maxE164Digits)
	case n < minE164Digits:
		return "", inputErr(CodePhoneTooShort, "fewer than %d digits in international form", minE164Digits)
	}
	return e164, nil
}

// phoneParseError maps phonenumbers' parse errors onto input error codes.
func phoneParseError(err error) error {
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return &InputError{Code: CodePhoneImpossible, Message: "unknown country calling code", Err: err}
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return &InputError{Code: CodePhoneTooShort, Message: "too few digits", Err: err}
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return &InputError{Code: CodePhoneTooLong, Message: "too many digits", Err: err}
	case errors.Is(err, phonenumbers.ErrNotANumber):
		// Cleaning guarantees digits are present, so phonenumbers says "not a
		// number" only when nothing is left after the country code ("+84").
		return &InputError{Code: CodePhoneTooShort, Message: "no national number after the country code", Err: err}
	}
	return &InputError{Code: CodeInvalidPhone, Message: "not a phone number", Err: err}
}

// isPhoneSpace reports whether r is white space or an invisible format
// character (zero-width space, BOM, direction marks) that copy-paste from
// chat apps leaves around numbers.
func isPhoneSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) || unicode.Is(unicode.Cf, r)
}

// isPhoneSeparator reports whether r is punctuation people put between the
// digits of a phone number.
func isPhoneSeparator(r rune) bool {
	switch r {
	case '.', '-', '(', ')', '[', ']', '/', '\u2212', '\uff0e', '\uff08', '\uff09', '\uff0f', '\u30fc':
		return true
	}
	if r < utf8.RuneSelf {
		return isPhoneSpace(r)
	}
	return isPhoneSpace(r) || unicode.Is(unicode.Pd, r)
}

func isASCIILetter(r rune) bool { return (r|0x20) >= 'a' && (r|0x20) <= 'z' }

// unicodeDigit returns the ASCII digit for a decimal digit of any script
// (full-width ０-９, Arabic-Indic, Devanagari, …). Unicode encodes every
// decimal digit set as ten consecutive code points from zero, and the Nd
// table's ranges start at a zero, so the digit's value is its offset in its
// range modulo 10.
func unicodeDigit(r rune) (byte, bool) {
	if r >= '０' && r <= '９' {
		return byte('0' + r - '０'), true
	}
	if r < utf8.RuneSelf || !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return byte('0' + (r-rune(rg.Lo))%10), true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return byte('0' + (r-rune(rg.Lo))%10), true
		}
	}
	return 0, false
}
