package indicators

// A VietQR code is an EMVCo merchant-presented QR payload (EMV QRCPS MPM
// v1.1) carrying a NAPAS 247 transfer: a string of TLV fields, each a
// two-digit ID, a two-digit length and the value, ending with a CRC:
//
//	00 02 01                      payload format indicator (always first)
//	01 02 11|12                   point of initiation: static | one payment
//	38 LL                         merchant account information, NAPAS:
//	   00 10 A000000727              GUID of NAPAS
//	   01 LL                         beneficiary organization:
//	      00 06 970436                  BIN of the bank (acquirer ID)
//	      01 LL 0011004353201           account or card number
//	   02 08 QRIBFTTA                service: to account (QRIBFTTC: to card)
//	53 03 704                     currency (ISO 4217 numeric; 704 is VND)
//	54 LL 50000                   amount, when the code is for a fixed sum
//	58 02 VN                      country
//	62 LL                         additional data: 01 bill number, 08 purpose
//	63 04 XXXX                    CRC-16/CCITT-FALSE of everything before
//	                              the four hex digits, "6304" included
//
// What a citizen needs from it is the account the money goes to, so a
// payload becomes a bank_account key and is checked like any other. The CRC
// is checked first: a payload that fails it was altered or misread, and a
// wrong account is worse than none. Lengths count characters, as EMVCo
// defines them, so a payload with a Vietnamese merchant name in UTF-8 still
// parses.
//
// Spec: EMVCo QRCPS MPM v1.1; NAPAS "VietQR" specification (tag 38 layout,
// GUID A000000727, services QRIBFTTA/QRIBFTTC).

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// NAPAS is the GUID that marks tag 38 as a NAPAS 247 (VietQR) account.
const napasGUID = "A000000727"

// maxQRLen is EMVCo's limit on a merchant-presented payload, in characters.
const maxQRLen = 512

// qrPrefix is what every EMVCo payload starts with: tag 00, length 02,
// payload format "01". No phone number, domain or bank text starts so.
const qrPrefix = "000201"

// VietQR is what a VietQR / NAPAS EMVCo payload says. Empty fields were
// absent. Values are as written in the payload (GUID in upper case).
type VietQR struct {
	Initiation   string // tag 01: "11" static (reusable), "12" dynamic (one payment)
	GUID         string // tag 38.00: "A000000727"
	BIN          string // tag 38.01.00: the beneficiary bank's 6-digit BIN
	Account      string // tag 38.01.01: account or card number
	Service      string // tag 38.02: "QRIBFTTA" (account) or "QRIBFTTC" (card)
	MCC          string // tag 52: merchant category code
	Currency     string // tag 53: ISO 4217 numeric, "704" for VND
	Amount       string // tag 54: decimal amount, as written
	Country      string // tag 58: "VN"
	MerchantName string // tag 59
	MerchantCity string // tag 60
	BillNumber   string // tag 62.01
	Purpose      string // tag 62.08: purpose of transaction (the message)
}

// LooksLikeVietQR reports whether s (trimmed) starts like an EMVCo payload,
// which is how Parse tells a pasted QR payload from other input.
func LooksLikeVietQR(s string) bool {
	return strings.HasPrefix(strings.TrimSpace(s), qrPrefix)
}

// DecodeVietQR decodes a VietQR payload (the text inside the QR code). It
// checks the TLV structure, the CRC (tag 63) and the NAPAS account (tag 38)
// and returns the fields; it does not look the BIN up in the bank table
// (Key does).
//
// Errors are *InputError: CodeEmpty, CodeTooLong, CodeInvalidQR (not UTF-8,
// bad or truncated TLV, duplicate tags, no CRC, malformed values),
// CodeQRChecksum (CRC mismatch), CodeQRNoAccount (no tag 38 with the NAPAS
// GUID).
func DecodeVietQR(payload string) (VietQR, error) {
	s := strings.TrimSpace(payload)
	if s == "" {
		return VietQR{}, inputErr(CodeEmpty, "no QR payload given")
	}
	if !utf8.ValidString(s) {
		return VietQR{}, inputErr(CodeInvalidQR, "QR payload is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > maxQRLen {
		return VietQR{}, inputErr(CodeInvalidQR, "QR payload longer than %d characters", maxQRLen)
	}
	fields, err := parseTLV(s, true)
	if err != nil {
		return VietQR{}, err
	}
	if len(fields) == 0 || fields[0].id != "00" || fields[0].value != "01" {
		return VietQR{}, inputErr(CodeInvalidQR, "QR payload does not start with format indicator 000201")
	}
	last := fields[len(fields)-1]
	if last.id != "63" {
		return VietQR{}, inputErr(CodeInvalidQR, "QR payload has no CRC (tag 63) at the end: truncated?")
	}
	if len(last.value) != 4 || !isHex(last.value) {
		return VietQR{}, inputErr(CodeInvalidQR, "QR CRC (tag 63) is not 4 hex digits")
	}
	signed := s[:len(s)-4]
	if want := fmt.Sprintf("%04X", crc16CCITTFalse(signed)); !strings.EqualFold(want, last.value) {
		return VietQR{}, inputErr(CodeQRChecksum, "QR checksum does not match (altered or misread code)")
	}
	var q VietQR
	napas := false
	for _, f := range fields[1 : len(fields)-1] {
		switch f.id {
		case "01":
			q.Initiation = f.value
		case "38":
			if napas, err = q.decodeNAPAS(f.value); err != nil {
				return VietQR{}, err
			}
		case "52":
			q.MCC = f.value
		case "53":
			if len(f.value) != 3 || !allDigits(f.value) {
				return VietQR{}, inputErr(CodeInvalidQR, "QR currency (tag 53) is not 3 digits")
			}
			q.Currency = f.value
		case "54":
			if !validQRAmount(f.value) {
				return VietQR{}, inputErr(CodeInvalidQR, "QR amount (tag 54) is not a decimal number of at most 13 characters")
			}
			q.Amount = f.value
		case "58":
			q.Country = f.value
		case "59":
			q.MerchantName = f.value
		case "60":
			q.MerchantCity = f.value
		case "62":
			sub, err := parseTLV(f.value, false)
			if err != nil {
				return VietQR{}, err
			}
			for _, sf := range sub {
				switch sf.id {
				case "01":
					q.BillNumber = sf.value
				case "08":
					q.Purpose = sf.value
				}
			}
		case "63":
			return VietQR{}, inputErr(CodeInvalidQR, "QR CRC (tag 63) is not the last field")
		}
	}
	if !napas {
		return VietQR{}, inputErr(CodeQRNoAccount, "not a VietQR transfer code: no NAPAS account (tag 38)")
	}
	return q, nil
}

// decodeNAPAS reads tag 38. It returns false (and no error) when the tag
// belongs to another scheme.
func (q *VietQR) decodeNAPAS(v string) (bool, error) {
	sub, err := parseTLV(v, false)
	if err != nil {
		return false, err
	}
	var org string
	for _, f := range sub {
		switch f.id {
		case "00":
			q.GUID = strings.ToUpper(f.value)
		case "01":
			org = f.value
		case "02":
			q.Service = f.value
		}
	}
	if q.GUID != napasGUID {
		q.GUID, q.Service = "", ""
		return false, nil
	}
	if org == "" {
		return false, inputErr(CodeInvalidQR, "QR tag 38 has no beneficiary (38.01)")
	}
	bo, err := parseTLV(org, false)
	if err != nil {
		return false, err
	}
	for _, f := range bo {
		switch f.id {
		case "00":
			q.BIN = f.value
		case "01":
			q.Account = f.value
		}
	}
	if len(q.BIN) != 6 || !allDigits(q.BIN) {
		return false, inputErr(CodeInvalidQR, "QR bank BIN (38.01.00) is not 6 digits")
	}
	if q.Account == "" {
		return false, inputErr(CodeInvalidQR, "QR has no account or card number (38.01.01)")
	}
	return true, nil
}

// tlv is one EMVCo data object.
type tlv struct{ id, value string }

// parseTLV splits s into data objects. Lengths count characters (runes).
// Top-level IDs may not repeat; an empty value is malformed (EMVCo lengths
// are 01–99).
func parseTLV(s string, topLevel bool) ([]tlv, error) {
	var out []tlv
	var seen [100]bool
	for s != "" {
		if len(s) < 4 || !isDigit2(s[0], s[1]) || !isDigit2(s[2], s[3]) {
			return nil, inputErr(CodeInvalidQR, "QR payload is truncated or has a malformed field header")
		}
		id := s[:2]
		n := int(s[2]-'0')*10 + int(s[3]-'0')
		if n == 0 {
			return nil, inputErr(CodeInvalidQR, "QR field %s is empty", id)
		}
		rest := s[4:]
		end := 0
		for i := 0; i < n; i++ {
			if end >= len(rest) {
				return nil, inputErr(CodeInvalidQR, "QR field %s is truncated", id)
			}
			_, size := utf8.DecodeRuneInString(rest[end:])
			end += size
		}
		idn := int(id[0]-'0')*10 + int(id[1]-'0')
		if topLevel && seen[idn] {
			return nil, inputErr(CodeInvalidQR, "QR field %s appears twice", id)
		}
		seen[idn] = true
		out = append(out, tlv{id: id, value: rest[:end]})
		s = rest[end:]
	}
	return out, nil
}

func isDigit2(a, b byte) bool { return a >= '0' && a <= '9' && b >= '0' && b <= '9' }

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// validQRAmount accepts EMVCo's amount format: digits, optionally a '.'
// and decimals, at most 13 characters.
func validQRAmount(s string) bool {
	if len(s) > 13 {
		return false
	}
	intPart, frac, _ := strings.Cut(s, ".")
	return intPart != "" && allDigits(intPart) && allDigits(frac)
}

// crc16CCITTFalse is CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no
// reflection, no final XOR), the checksum EMVCo prescribes for tag 63.
func crc16CCITTFalse(s string) uint16 {
	crc := uint16(0xFFFF)
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// Encode builds the payload for q, with tags in ascending order and the CRC
// appended; empty fields are left out. It fails when a field does not fit
// in EMVCo's two-digit length. Tests and fixtures use it; DecodeVietQR of
// the result gives q back.
func (q VietQR) Encode() (string, error) {
	var b strings.Builder
	var err error
	put := func(sb *strings.Builder, id, v string) {
		if v == "" || err != nil {
			return
		}
		n := utf8.RuneCountInString(v)
		if n > 99 {
			err = fmt.Errorf("QR field %s: %d characters, at most 99 fit", id, n)
			return
		}
		fmt.Fprintf(sb, "%s%02d%s", id, n, v)
	}
	put(&b, "00", "01")
	put(&b, "01", q.Initiation)
	var org, acct strings.Builder
	put(&org, "00", q.BIN)
	put(&org, "01", q.Account)
	put(&acct, "00", q.GUID)
	put(&acct, "01", org.String())
	put(&acct, "02", q.Service)
	put(&b, "38", acct.String())
	put(&b, "52", q.MCC)
	put(&b, "53", q.Currency)
	put(&b, "54", q.Amount)
	put(&b, "58", q.Country)
	put(&b, "59", q.MerchantName)
	put(&b, "60", q.MerchantCity)
	var add strings.Builder
	put(&add, "01", q.BillNumber)
	put(&add, "08", q.Purpose)
	put(&b, "62", add.String())
	if err != nil {
		return "", err
	}
	b.WriteString("6304")
	fmt.Fprintf(&b, "%04X", crc16CCITTFalse(b.String()))
	return b.String(), nil
}

// Key returns the bank_account key of the account the code pays to. Errors
// are *InputError with CodeUnknownBank (BIN not in the bank table) or
// CodeInvalidAccount (the account is not 6–19 digits; card numbers are
// accepted the same way, being 16–19 digits).
func (q VietQR) Key() (Key, error) {
	b, ok := DefaultBanks().ByBIN(q.BIN)
	if !ok {
		return "", inputErr(CodeUnknownBank, "the QR's bank BIN %s is not a known bank", q.BIN)
	}
	if len(q.Account) < minAccountDigits || len(q.Account) > maxAccountDigits || !allDigits(q.Account) {
		return "", inputErr(CodeInvalidAccount, "the QR's account is not %d to %d digits", minAccountDigits, maxAccountDigits)
	}
	return bankAccountKey(b.BIN, []byte(q.Account), nil), nil
}

// Payment is the part of q a citizen is shown: bank, masked account,
// amount and message.
func (q VietQR) Payment() *PaymentQR {
	p := &PaymentQR{
		BIN:           q.BIN,
		AccountMasked: maskAccount(q.Account),
		Service:       q.Service,
		Currency:      q.Currency,
		Message:       q.Purpose,
	}
	if b, ok := DefaultBanks().ByBIN(q.BIN); ok {
		p.Bank = b.ShortName
	}
	if p.Message == "" {
		p.Message = q.BillNumber
	}
	// VND has no minor unit, so only the integer part is money.
	if q.Amount != "" && (q.Currency == "" || q.Currency == "704") {
		intPart, _, _ := strings.Cut(q.Amount, ".")
		if v, err := strconv.ParseInt(intPart, 10, 64); err == nil {
			p.AmountVND = v
		}
	}
	return p
}

// ParseVietQR decodes a VietQR payload into the bank_account it pays, with
// the payment details in Parsed.QR. Errors are those of DecodeVietQR and
// VietQR.Key.
func ParseVietQR(input string) (Parsed, error) {
	if len(input) > MaxInputLen {
		return Parsed{}, inputErr(CodeTooLong, "input longer than %d bytes", MaxInputLen)
	}
	q, err := DecodeVietQR(input)
	if err != nil {
		return Parsed{}, err
	}
	key, err := q.Key()
	if err != nil {
		return Parsed{}, err
	}
	return Parsed{Input: input, Kind: KindBankAccount, Key: key, Canonical: key.Value(), QR: q.Payment()}, nil
}

// maskAccount shows the start and end of an account number and hides the
// middle behind four bullets whatever its length ("0011••••3201"), so the
// citizen can recognise it without the answer leaking the whole number or
// its length.
func maskAccount(acct string) string {
	n := utf8.RuneCountInString(acct)
	keep := min(4, n/3)
	if keep == 0 {
		return "••••"
	}
	r := []rune(acct)
	return string(r[:keep]) + "••••" + string(r[n-keep:])
}

// ApplyExpected compares the account a QR answer pays with the one the
// person meant to pay, given as "bank account" text ("VCB 0011004353201")
// or the account number alone, and sets r.QR.Expected and r.QR.Mismatch.
// With a bank, both bank and account must agree; with the number alone,
// only the number. It does nothing when r is not a QR answer or expected
// is blank, and returns an *InputError (CodeInvalidAccount) when expected
// names no account.
func ApplyExpected(r *Result, expected string) error {
	expected = strings.TrimSpace(expected)
	if r == nil || r.QR == nil || expected == "" {
		return nil
	}
	bin, acct, _ := strings.Cut(r.Key.Value(), ":")
	var mismatch bool
	if b, digits, err := splitBankAccount(expected); err == nil {
		mismatch = b.BIN != bin || digits != acct
	} else {
		var scratch [maxAccountDigits]byte
		digits, err := cleanAccount(expected, scratch[:0])
		if err != nil {
			return &InputError{Code: CodeInvalidAccount, Message: "expect_account names no account number (6 to 19 digits, optionally with the bank)", Err: err}
		}
		mismatch = string(digits) != acct
	}
	qr := *r.QR
	qr.Expected, qr.Mismatch = expected, mismatch
	r.QR = &qr
	return nil
}
