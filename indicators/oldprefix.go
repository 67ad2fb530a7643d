package indicators

// Before 2018 Vietnamese mobile numbers had 10 or 11 digits; the 11-digit
// ones (0120…0129, 0162…0169, 0186, 0188, 0199) were moved to 10-digit
// prefixes, keeping their last 7 digits. Old numbers still turn up in
// reports, screenshots and contact lists, and the line behind "0166 123
// 4567" is the line behind "036 123 4567" today, so both must give the same
// key. The table is oldprefixes.csv, embedded, with its sources.
//
// An 11-digit number of that shape whose prefix is not in the table was
// never a mobile number: it is refused with CodeUnknownOldPrefix rather than
// kept as "+841xx…", a key no report could ever share with a current number.
// 1800 and 1900 hotlines have 10-digit national forms too and are not old
// mobile numbers.

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"sync"
)

// OldPrefix is one row of the 2018 renumbering table, in national form.
type OldPrefix struct {
	Old     string // 11-digit era prefix, e.g. "0166"
	New     string // its replacement, e.g. "036"
	Carrier string // operator at the time of the change, e.g. "Viettel"
}

//go:embed oldprefixes.csv
var oldPrefixesCSV []byte

// oldMobileTable maps the two digits after "01" of an old number to the
// two digits after "0" of the new one; the array keeps the lookup on the
// phone fast path free of allocation and hashing.
type oldMobileTable struct {
	rows []OldPrefix
	next [100][2]byte
	ok   [100]bool
}

var oldMobile = sync.OnceValue(func() *oldMobileTable {
	t, err := loadOldPrefixes(bytes.NewReader(oldPrefixesCSV))
	if err != nil {
		// The table is compiled in and tested: a bad one is a build error.
		panic(fmt.Sprintf("indicators: embedded oldprefixes.csv: %v", err))
	}
	return t
})

// OldMobilePrefixes returns the renumbering table NormalizePhone applies, in
// the order of the embedded file.
func OldMobilePrefixes() []OldPrefix {
	return append([]OldPrefix(nil), oldMobile().rows...)
}

// loadOldPrefixes reads the CSV table, checking each row's shape and that
// no old prefix appears twice.
func loadOldPrefixes(r io.Reader) (*oldMobileTable, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 3
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("old prefix table: %w", err)
	}
	if len(recs) < 2 || recs[0][0] != "old" || recs[0][1] != "new" || recs[0][2] != "carrier" {
		return nil, fmt.Errorf("old prefix table: want header old,new,carrier and rows")
	}
	t := &oldMobileTable{}
	for _, rec := range recs[1:] {
		p := OldPrefix{Old: rec[0], New: rec[1], Carrier: rec[2]}
		if len(p.Old) != 4 || p.Old[:2] != "01" || !allDigits(p.Old) {
			return nil, fmt.Errorf("old prefix table: old prefix %q is not 01xx", p.Old)
		}
		if len(p.New) != 3 || p.New[0] != '0' || p.New[1] == '0' || p.New[1] == '1' || !allDigits(p.New) {
			return nil, fmt.Errorf("old prefix table: new prefix %q for %s is not 0[2-9]x", p.New, p.Old)
		}
		if p.Carrier == "" {
			return nil, fmt.Errorf("old prefix table: no carrier for %s", p.Old)
		}
		i := int(p.Old[2]-'0')*10 + int(p.Old[3]-'0')
		if t.ok[i] {
			return nil, fmt.Errorf("old prefix table: %s listed twice", p.Old)
		}
		t.ok[i], t.next[i] = true, [2]byte{p.New[1], p.New[2]}
		t.rows = append(t.rows, p)
	}
	return t, nil
}

// convertOldMobile looks at a Vietnamese national significant number. When
// it has the 10-digit shape of a pre-2018 mobile number ("1xx" and 7 more
// digits, not a 1800/1900 hotline) it writes the current 9-digit NSN into
// buf and returns it with old true, or an error when the prefix was never a
// mobile prefix. Any other NSN is returned unchanged with old false.
func convertOldMobile(nsn []byte, buf *[9]byte) (out []byte, old bool, err error) {
	if len(nsn) != 10 || nsn[0] != '1' || nsn[1] < '0' || nsn[1] > '9' || nsn[2] < '0' || nsn[2] > '9' {
		return nsn, false, nil
	}
	if (nsn[1] == '8' || nsn[1] == '9') && nsn[2] == '0' && nsn[3] == '0' {
		return nsn, false, nil // 1800 / 1900 hotline
	}
	t := oldMobile()
	i := int(nsn[1]-'0')*10 + int(nsn[2]-'0')
	if !t.ok[i] {
		return nil, true, inputErr(CodeUnknownOldPrefix, "01%c%c was never a mobile prefix, so this 11-digit number has no current form", nsn[1], nsn[2])
	}
	buf[0], buf[1] = t.next[i][0], t.next[i][1]
	copy(buf[2:], nsn[3:])
	return buf[:], true, nil
}
