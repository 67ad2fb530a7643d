package feeds

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/scamcheck/scamcheck/indicators"
)

// field is what a CSV column or JSON Lines key holds.
type field int

const (
	fieldPhone field = iota
	fieldBank
	fieldAccount
	fieldDomain
	fieldURL
	fieldValue
	fieldKind
	fieldCategory
	fieldHolder
	fieldID
	fieldSeen
	fieldLevel
	numFields
)

// valueFields are the fields that carry an indicator; a row needs one.
var valueFields = []field{fieldPhone, fieldAccount, fieldDomain, fieldURL, fieldValue}

var fieldNames = [numFields]string{"phone", "bank", "account", "domain", "url", "value", "kind",
	"category", "holder", "id", "seen", "level"}

// optionFields are the field names accepted on the left of Options.Map.
var optionFields = map[string]field{
	"phone": fieldPhone, "number": fieldPhone, "bank": fieldBank, "account": fieldAccount,
	"domain": fieldDomain, "url": fieldURL, "value": fieldValue, "kind": fieldKind,
	"category": fieldCategory, "holder": fieldHolder, "holder_name": fieldHolder,
	"id": fieldID, "seen": fieldSeen, "reported_at": fieldSeen, "level": fieldLevel,
}

// headerAliases are the header names (after normHeader) mapped without a
// column map: English and unaccented Vietnamese names seen in report exports.
// "type" is deliberately absent: feeds use it for the category as often as
// for the kind.
var headerAliases = map[string]field{
	"phone": fieldPhone, "sdt": fieldPhone, "so_dien_thoai": fieldPhone, "sodienthoai": fieldPhone,
	"phone_number": fieldPhone, "phonenumber": fieldPhone, "number": fieldPhone, "tel": fieldPhone,
	"telephone": fieldPhone, "mobile": fieldPhone, "msisdn": fieldPhone,
	"bank": fieldBank, "ngan_hang": fieldBank, "nganhang": fieldBank, "bank_name": fieldBank,
	"bank_code": fieldBank, "bank_bin": fieldBank, "bin": fieldBank,
	"account": fieldAccount, "stk": fieldAccount, "so_tai_khoan": fieldAccount, "sotaikhoan": fieldAccount,
	"account_number": fieldAccount, "account_no": fieldAccount, "bank_account": fieldAccount,
	"domain": fieldDomain, "host": fieldDomain, "hostname": fieldDomain, "ten_mien": fieldDomain,
	"url": fieldURL, "link": fieldURL, "uri": fieldURL,
	"value": fieldValue, "indicator": fieldValue, "ioc": fieldValue,
	"kind": fieldKind, "indicator_type": fieldKind,
	"category": fieldCategory, "loai": fieldCategory, "threat": fieldCategory, "label": fieldCategory,
	"holder": fieldHolder, "holder_name": fieldHolder, "account_name": fieldHolder,
	"chu_tai_khoan": fieldHolder, "ten_chu_tai_khoan": fieldHolder,
	"id": fieldID, "_id": fieldID, "external_id": fieldID,
	"seen": fieldSeen, "reported_at": fieldSeen, "date": fieldSeen, "dateadded": fieldSeen,
	"date_added": fieldSeen, "submitted_at": fieldSeen, "submission_time": fieldSeen,
	"first_seen": fieldSeen, "created_at": fieldSeen, "timestamp": fieldSeen,
	"level": fieldLevel, "severity": fieldLevel,
}

// normHeader folds a header cell for matching: lower case, separators as "_".
func normHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '.' {
			return '_'
		}
		return r
	}, s)
}

// columnSpec is a parsed Options.Map: per field, a 0-based index or a name.
type columnSpec struct {
	set   [numFields]bool
	index [numFields]int // -1 when given by name
	name  [numFields]string
}

// parseColumnMap reads "field=index|name,…".
func parseColumnMap(s string) (columnSpec, error) {
	var cs columnSpec
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || v == "" {
			return cs, fmt.Errorf("%w: column map entry %q is not field=column", ErrOption, part)
		}
		f, ok := optionFields[strings.ToLower(k)]
		if !ok {
			return cs, fmt.Errorf("%w: column map field %q unknown (want phone|number, bank, account, domain, url, value, kind, category, holder, id, seen|reported_at, level)", ErrOption, k)
		}
		if cs.set[f] {
			return cs, fmt.Errorf("%w: column map names field %q twice", ErrOption, fieldNames[f])
		}
		cs.set[f] = true
		cs.index[f] = -1
		if n, err := strconv.Atoi(v); err == nil {
			if n < 0 || n > 10000 {
				return cs, fmt.Errorf("%w: column map index %d out of range", ErrOption, n)
			}
			cs.index[f] = n
		} else {
			cs.name[f] = v
		}
	}
	return cs, nil
}

func (cs *columnSpec) empty() bool { return !slices.Contains(cs.set[:], true) }

func (cs *columnSpec) hasValue() bool {
	for _, f := range valueFields {
		if cs.set[f] {
			return true
		}
	}
	return false
}

func (cs *columnSpec) hasIndex() bool {
	for f := range numFields {
		if cs.set[f] && cs.index[f] >= 0 {
			return true
		}
	}
	return false
}

// row is one record's fields, trimmed; has says which fields are mapped.
type row struct {
	v   [numFields]string
	has [numFields]bool
}

// items turns a row into the indicators it names: one per filled value field
// (a row may name a phone and an account), sharing the row's metadata.
func (r *row) items(ln int, raw string, defKind indicators.Kind, out []Item) ([]Item, error) {
	v := &r.v
	base := Item{Line: ln, Category: indicators.ParseCategory(v[fieldCategory]), Level: v[fieldLevel],
		ExternalID: v[fieldID], HolderName: v[fieldHolder], Seen: parseTime(v[fieldSeen]), Raw: clip(raw)}
	n := len(out)
	add := func(k indicators.Kind, value string) {
		it := base
		it.Kind, it.Value = k, value
		out = append(out, it)
	}
	if v[fieldPhone] != "" {
		add(indicators.KindPhone, v[fieldPhone])
	}
	if v[fieldAccount] != "" {
		add(indicators.KindBankAccount, strings.TrimSpace(v[fieldBank]+" "+v[fieldAccount]))
		out[len(out)-1].Bank, out[len(out)-1].Account = v[fieldBank], v[fieldAccount]
	}
	if v[fieldDomain] != "" {
		add(indicators.KindDomain, v[fieldDomain])
	}
	if v[fieldURL] != "" {
		add(indicators.KindURL, v[fieldURL])
	}
	if v[fieldValue] != "" {
		kind := defKind
		if k := v[fieldKind]; k != "" {
			pk, err := indicators.ParseKind(k)
			if err != nil {
				return out[:n], &RecordError{Line: ln, Reason: fmt.Sprintf("unknown kind %s", quote(k)), Raw: clip(raw)}
			}
			kind = pk
		}
		add(kind, v[fieldValue])
	}
	if len(out) > n {
		return out, nil
	}
	if r.has[fieldAccount] && v[fieldBank] != "" {
		return out, &RecordError{Line: ln, Reason: fmt.Sprintf("bank %s without an account number", quote(v[fieldBank])), Raw: clip(raw)}
	}
	var empty []string
	for _, f := range valueFields {
		if r.has[f] {
			empty = append(empty, fieldNames[f])
		}
	}
	return out, &RecordError{Line: ln, Reason: "no value (empty " + strings.Join(empty, ", ") + ")", Raw: clip(raw)}
}

// csvSplitter parses one line at a time with encoding/csv. Going line by line
// is what bounds memory (the line reader caps a line; a csv.Reader on the
// whole stream would buffer a runaway quoted field to the end of the file),
// at the price of quoted fields spanning lines, which no feed we know writes.
type csvSplitter struct {
	rd *bytes.Reader
	br *bufio.Reader
	cr *csv.Reader
}

func newCSVSplitter() *csvSplitter {
	rd := bytes.NewReader(nil)
	br := bufio.NewReader(rd)
	cr := csv.NewReader(br) // uses br itself: it is a large enough *bufio.Reader
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return &csvSplitter{rd: rd, br: br, cr: cr}
}

// split returns the fields of one line; the slice is reused by the next call.
func (s *csvSplitter) split(line string) ([]string, error) {
	s.rd.Reset([]byte(line))
	s.br.Reset(s.rd)
	rec, err := s.cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return rec, err
}

// mappedCSV is the generic CSV format: a header names the columns (known
// names are mapped automatically) or Options.Map does.
type mappedCSV struct {
	spec     columnSpec
	kind     indicators.Kind
	sp       *csvSplitter
	resolved bool
	cols     [numFields]int // -1: not mapped
	need     int            // columns a row needs to reach every value column
	row      row
}

func newMappedCSV(spec columnSpec, kind indicators.Kind) *mappedCSV {
	return &mappedCSV{spec: spec, kind: kind, sp: newCSVSplitter()}
}

func (*mappedCSV) format() Format { return FormatCSV }

func (m *mappedCSV) line(ln int, s string, out []Item) ([]Item, error) {
	if t := strings.TrimSpace(s); t == "" || t[0] == '#' {
		return out, nil
	}
	rec, err := m.sp.split(s)
	if err != nil {
		return out, &RecordError{Line: ln, Reason: "bad CSV: " + err.Error(), Raw: clip(s)}
	}
	if len(rec) == 0 {
		return out, nil
	}
	if !m.resolved {
		header, err := m.resolve(ln, rec)
		if err != nil {
			return out, err
		}
		if header {
			return out, nil
		}
	}
	if len(rec) < m.need {
		return out, &RecordError{Line: ln, Reason: fmt.Sprintf("%d columns, want at least %d", len(rec), m.need), Raw: clip(s)}
	}
	for f := range numFields {
		m.row.v[f] = ""
		if c := m.cols[f]; c >= 0 && c < len(rec) {
			m.row.v[f] = strings.TrimSpace(rec[c])
		}
	}
	return m.row.items(ln, s, m.kind, out)
}

// resolve fixes the column of every field from the first row, and reports
// whether that row is a header. Without a map the first row must be a header
// naming a value column; with a map by names it must hold those names; with
// a map by indexes it is a header only if a cell is a known field name.
func (m *mappedCSV) resolve(ln int, rec []string) (header bool, err error) {
	m.resolved = true
	for f := range numFields {
		m.cols[f] = -1
	}
	cells := make([]string, len(rec))
	for i, c := range rec {
		cells[i] = normHeader(c)
	}
	switch {
	case m.spec.empty():
		header = true
		for i, c := range cells {
			if f, ok := headerAliases[c]; ok && m.cols[f] < 0 {
				m.cols[f] = i
			}
		}
	default:
		for _, c := range cells {
			if _, ok := headerAliases[c]; ok {
				header = true
			}
			if _, ok := optionFields[c]; ok {
				header = true
			}
		}
		for f := range numFields {
			if !m.spec.set[f] {
				continue
			}
			if i := m.spec.index[f]; i >= 0 {
				m.cols[f] = i
				continue
			}
			i := slices.Index(cells, normHeader(m.spec.name[f]))
			if i < 0 {
				return false, formatErr(FormatCSV, ln, "expected a header with a column %s for %s, got %s", quote(m.spec.name[f]), fieldNames[f], quote(strings.Join(rec, ",")))
			}
			m.cols[f] = i
			header = true
		}
	}
	for _, f := range valueFields {
		m.row.has[f] = m.cols[f] >= 0
		if m.cols[f] >= 0 {
			m.need = max(m.need, m.cols[f]+1)
		}
	}
	if m.need == 0 {
		return false, formatErr(FormatCSV, ln, "expected a header naming a value column (phone, sdt, account, stk, domain, url, value…) or a column map, got %s", quote(strings.Join(rec, ",")))
	}
	return header, nil
}

// phishTankCSV reads PhishTank's verified_online.csv: columns are found by
// their header names. Rows whose "verified" is not "yes" are RecordErrors
// ("not verified"): PhishTank's own dumps only hold verified rows, so one that
// is not verified is a sign of a hand-edited or different file, worth seeing.
type phishTankCSV struct {
	sp                       *csvSplitter
	header                   bool
	id, url, submitted, verf int
	need                     int
}

func newPhishTankCSV() *phishTankCSV { return &phishTankCSV{sp: newCSVSplitter()} }

func (*phishTankCSV) format() Format { return FormatPhishTankCSV }

func (p *phishTankCSV) line(ln int, s string, out []Item) ([]Item, error) {
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	rec, err := p.sp.split(s)
	if err != nil {
		return out, &RecordError{Line: ln, Reason: "bad CSV: " + err.Error(), Raw: clip(s)}
	}
	if !p.header {
		cells := make([]string, len(rec))
		for i, c := range rec {
			cells[i] = normHeader(c)
		}
		p.id, p.url = slices.Index(cells, "phish_id"), slices.Index(cells, "url")
		p.submitted, p.verf = slices.Index(cells, "submission_time"), slices.Index(cells, "verified")
		if p.id < 0 || p.url < 0 {
			return out, formatErr(FormatPhishTankCSV, ln, "expected the header phish_id,url,phish_detail_url,submission_time,verified,…, got %s", quote(s))
		}
		p.header = true
		p.need = max(p.id, p.url) + 1
		return out, nil
	}
	if len(rec) < p.need {
		return out, &RecordError{Line: ln, Reason: fmt.Sprintf("%d columns, want at least %d", len(rec), p.need), Raw: clip(s)}
	}
	u := strings.TrimSpace(rec[p.url])
	if u == "" {
		return out, &RecordError{Line: ln, Reason: "empty url", Raw: clip(s)}
	}
	if p.verf >= 0 && p.verf < len(rec) && !strings.EqualFold(strings.TrimSpace(rec[p.verf]), "yes") {
		return out, &RecordError{Line: ln, Reason: fmt.Sprintf("not verified (verified=%s)", quote(rec[p.verf])), Raw: clip(s)}
	}
	it := Item{Line: ln, Kind: indicators.KindURL, Value: u, Category: indicators.CategoryPhishing,
		ExternalID: strings.TrimSpace(rec[p.id]), Raw: clip(s)}
	if p.submitted >= 0 && p.submitted < len(rec) {
		it.Seen = parseTime(rec[p.submitted])
	}
	return append(out, it), nil
}

// urlhausCSV reads abuse.ch URLhaus CSV dumps: "#" comment lines, one of
// which is the header "# id,dateadded,url,url_status,last_online,threat,
// tags,urlhaus_link,reporter". Without a header the columns are taken in that
// order. Every URL is malware (URLhaus lists malware distribution sites).
type urlhausCSV struct {
	sp             *csvSplitter
	first          firstRecord
	header         bool
	id, added, url int
}

func newURLhausCSV() *urlhausCSV {
	return &urlhausCSV{sp: newCSVSplitter(), id: 0, added: 1, url: 2}
}

func (*urlhausCSV) format() Format { return FormatURLhaus }

func (u *urlhausCSV) line(ln int, s string, out []Item) ([]Item, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return out, nil
	}
	if t[0] == '#' {
		h := strings.TrimSpace(strings.TrimLeft(t, "#"))
		if !u.header && strings.HasPrefix(h, "id,dateadded") {
			u.setHeader(h)
		}
		return out, nil
	}
	rec, err := u.sp.split(s)
	if err != nil {
		return out, &RecordError{Line: ln, Reason: "bad CSV: " + err.Error(), Raw: clip(s)}
	}
	if !u.header && isURLhausHeader(rec) {
		u.setHeader(t)
		return out, nil
	}
	const expected = "URLhaus rows id,dateadded,url,url_status,…"
	need := max(u.id, u.added, u.url) + 1
	if len(rec) < need {
		return out, u.first.bad(FormatURLhaus, ln, s, expected, fmt.Sprintf("%d columns, want at least %d", len(rec), need))
	}
	link := strings.TrimSpace(rec[u.url])
	if !hasScheme(link) {
		return out, u.first.bad(FormatURLhaus, ln, s, expected, fmt.Sprintf("url column holds %s, not a URL", quote(link)))
	}
	u.first.started = true
	return append(out, Item{Line: ln, Kind: indicators.KindURL, Value: link, Category: indicators.CategoryMalware,
		ExternalID: strings.TrimSpace(rec[u.id]), Seen: parseTime(rec[u.added]), Raw: clip(s)}), nil
}

// isURLhausHeader reports a header row written without the leading "#".
func isURLhausHeader(rec []string) bool {
	var id, url bool
	for _, c := range rec {
		switch normHeader(c) {
		case "id":
			id = true
		case "url":
			url = true
		}
	}
	return id && url
}

// setHeader takes the column positions from a header line.
func (u *urlhausCSV) setHeader(h string) {
	u.header = true
	rec, err := u.sp.split(h)
	if err != nil {
		return // keep the default positions
	}
	cells := make([]string, len(rec))
	for i, c := range rec {
		cells[i] = normHeader(c)
	}
	if i := slices.Index(cells, "url"); i >= 0 {
		u.url = i
	}
	if i := slices.Index(cells, "id"); i >= 0 {
		u.id = i
	}
	if i := slices.Index(cells, "dateadded"); i >= 0 {
		u.added = i
	}
}
