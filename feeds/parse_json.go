package feeds

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/scamcheck/scamcheck/indicators"
)

// errOverBudget is what budgetReader returns once a record has read its fill.
var errOverBudget = errors.New("record over the size limit")

// budgetReader lets a json.Decoder read at most left more bytes. The decoder
// buffers a whole value before decoding it, so without a budget one huge
// array element would be held in memory whole; with it, memory stays within
// the budget plus the decoder's read-ahead. Reset before each record.
type budgetReader struct {
	r    io.Reader
	left int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errOverBudget
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// checkJSONStart fails fast when a JSON format does not start like one: the
// first byte (after spaces and a byte order mark, which it drops) must open
// the value the format expects.
func checkJSONStart(br *bufio.Reader, format Format) error {
	for {
		b, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return formatErr(format, 1, "expected JSON, got an empty input")
			}
			return fmt.Errorf("feeds: read %s feed: %w", format, err)
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.Discard(1)
			continue
		case 0xef:
			if bom, _ := br.Peek(3); string(bom) == "\xef\xbb\xbf" {
				_, _ = br.Discard(3)
				continue
			}
		}
		want := "["
		switch format {
		case FormatSTIX:
			want = "{"
		case FormatMISP:
			want = "{["
		}
		if !strings.ContainsRune(want, rune(b[0])) {
			what := map[Format]string{FormatSTIX: `a STIX bundle {"type":"bundle",…}`, FormatMISP: `a MISP event {"Event":…}`,
				FormatChongLuaDao: `a JSON array of {"url":…} records`, FormatPhishTankJSON: `a JSON array of {"phish_id":…} records`}[format]
			line, _ := br.Peek(80)
			if i := bytes.IndexByte(line, '\n'); i >= 0 {
				line = line[:i]
			}
			return formatErr(format, 1, "expected %s, got %s", what, quote(string(line)))
		}
		return nil
	}
}

// jsonErr turns a decoder error at record n into the fatal error it is: a
// JSON stream cannot be resynchronised after a syntax error or an unread
// oversized value.
func jsonErr(format Format, n int, limit int64, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, errOverBudget):
		return formatErr(format, 0, "record %d is larger than %d bytes", n, limit)
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return formatErr(format, 0, "record %d: invalid JSON: %v", n, err)
	case errors.Is(err, io.EOF):
		return formatErr(format, 0, "record %d: input ends inside the JSON value", n)
	}
	return fmt.Errorf("feeds: read %s feed at record %d: %w", format, n, err)
}

// recordFunc turns one JSON array element into items. first is true for the
// first element, where a wrong shape means the input is not the format.
type recordFunc func(n int, raw json.RawMessage, first bool, out []Item) ([]Item, error)

// arrayParser streams a top-level JSON array element by element (Token to
// enter it, Decode per element), never holding more than one element.
type arrayParser struct {
	format  Format
	budget  *budgetReader
	dec     *json.Decoder
	limit   int64
	fn      recordFunc
	opened  bool
	n       int
	pending []Item
	pos     int
	err     error
}

func newArrayParser(br *bufio.Reader, opts Options, format Format, fn recordFunc) *arrayParser {
	b := &budgetReader{r: br}
	return &arrayParser{format: format, budget: b, dec: json.NewDecoder(b), limit: int64(opts.MaxRecordBytes), fn: fn}
}

// Next implements Parser.
func (p *arrayParser) Next() (Item, error) {
	for {
		if p.pos < len(p.pending) {
			it := p.pending[p.pos]
			p.pos++
			return it, nil
		}
		if p.err != nil {
			return Item{}, p.err
		}
		p.budget.left = p.limit
		if !p.opened {
			tok, err := p.dec.Token()
			if err != nil {
				p.err = jsonErr(p.format, 1, p.limit, err)
				return Item{}, p.err
			}
			if tok != json.Delim('[') {
				p.err = formatErr(p.format, 1, "expected a JSON array, got %v", tok)
				return Item{}, p.err
			}
			p.opened = true
		}
		if !p.dec.More() {
			p.err = p.end()
			return Item{}, p.err
		}
		var raw json.RawMessage
		if err := p.dec.Decode(&raw); err != nil {
			p.err = jsonErr(p.format, p.n+1, p.limit, err)
			return Item{}, p.err
		}
		p.n++
		var err error
		p.pending, p.pos = p.pending[:0], 0
		p.pending, err = p.fn(p.n, raw, p.n == 1, p.pending)
		if err != nil {
			p.pending = p.pending[:0]
			var re *RecordError
			if !errors.As(err, &re) {
				p.err = err
			}
			return Item{}, err
		}
	}
}

// end consumes the closing ']' and checks that nothing but space follows.
func (p *arrayParser) end() error {
	if _, err := p.dec.Token(); err != nil {
		return jsonErr(p.format, p.n+1, p.limit, err)
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		return formatErr(p.format, 0, "unexpected data after the JSON array (after record %d)", p.n)
	}
	return io.EOF
}

// flexString accepts a JSON string, number or boolean as text: feeds are not
// consistent about ids (phish_id is a number in one dump, a string in the
// next) or flags ("yes" or true).
type flexString string

// UnmarshalJSON implements json.Unmarshaler. encoding/json has already
// checked that b is one valid JSON value.
func (f *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0:
		return errors.New("empty JSON value")
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case string(b) == "null":
		*f = ""
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("want a string or number, got %s", clip(string(b)))
	default: // a number, true or false: keep the literal
		*f = flexString(b)
	}
	return nil
}

// scalar renders a decoded JSON scalar (with UseNumber) as text.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// shapeErr reports a record of the wrong shape: fatal on the first record
// (the input is not this format), a RecordError after.
func shapeErr(format Format, n int, raw []byte, first bool, expected, reason string) error {
	if first {
		return formatErr(format, 0, "record 1: expected %s, got %s", expected, quote(string(raw)))
	}
	return &RecordError{Line: n, Reason: reason, Raw: clip(string(raw))}
}

// chongLuaDaoRecord reads one ChongLuaDao (7zones) record: {"_id","url",
// "type","level","meta"}. A url ending in "/*" covers the whole site and
// becomes a domain; "http://host/path/*" covers a path and becomes the URL
// "http://host/path/"; anything else is a URL as given. The whitelist has
// the same shape without type and level.
func chongLuaDaoRecord(n int, raw json.RawMessage, first bool, out []Item) ([]Item, error) {
	const expected = `{"_id","url","type","level"} records`
	var e struct {
		ID    flexString `json:"_id"`
		URL   string     `json:"url"`
		Type  string     `json:"type"`
		Level flexString `json:"level"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return out, shapeErr(FormatChongLuaDao, n, raw, first, expected, "not a ChongLuaDao record: "+err.Error())
	}
	u := strings.TrimSpace(e.URL)
	if u == "" {
		return out, shapeErr(FormatChongLuaDao, n, raw, first, expected, "empty url")
	}
	it := Item{Line: n, Kind: indicators.KindURL, Value: u, Category: indicators.ParseCategory(e.Type),
		Level: string(e.Level), ExternalID: string(e.ID), Raw: clip(string(raw))}
	if prefix, ok := strings.CutSuffix(u, "*"); ok {
		host, path := splitHostPath(prefix)
		switch {
		case host == "":
			return out, &RecordError{Line: n, Reason: fmt.Sprintf("no host in url %s", quote(u)), Raw: it.Raw}
		case path == "/" || path == "":
			it.Kind, it.Value = indicators.KindDomain, strings.TrimPrefix(host, "*.")
		default:
			it.Value = prefix
		}
	}
	if strings.Contains(it.Value, "*") {
		return out, &RecordError{Line: n, Reason: fmt.Sprintf("wildcard inside url %s is not supported", quote(u)), Raw: it.Raw}
	}
	return append(out, it), nil
}

// splitHostPath cuts "scheme://user@host:port/path" into host and path.
func splitHostPath(u string) (host, path string) {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	host, path = u, ""
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		host, path = u[:i], u[i:]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	return host, path
}

// phishTankRecord reads one element of PhishTank's verified_online.json.
// Unverified entries are RecordErrors, as in the CSV dump.
func phishTankRecord(n int, raw json.RawMessage, first bool, out []Item) ([]Item, error) {
	const expected = `{"phish_id","url",…} records`
	var e struct {
		ID        flexString `json:"phish_id"`
		URL       string     `json:"url"`
		Submitted string     `json:"submission_time"`
		Verified  flexString `json:"verified"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return out, shapeErr(FormatPhishTankJSON, n, raw, first, expected, "not a PhishTank record: "+err.Error())
	}
	u := strings.TrimSpace(e.URL)
	switch {
	case e.ID == "" && first:
		return out, shapeErr(FormatPhishTankJSON, n, raw, first, expected, "")
	case u == "":
		return out, shapeErr(FormatPhishTankJSON, n, raw, first, expected, "empty url")
	}
	if v := strings.ToLower(string(e.Verified)); v != "" && v != "yes" && v != "true" {
		return out, &RecordError{Line: n, Reason: fmt.Sprintf("not verified (verified=%s)", quote(string(e.Verified))), Raw: clip(string(raw))}
	}
	return append(out, Item{Line: n, Kind: indicators.KindURL, Value: u, Category: indicators.CategoryPhishing,
		ExternalID: string(e.ID), Seen: parseTime(e.Submitted), Raw: clip(string(raw))}), nil
}

// jsonLines reads one JSON object per line. Keys are mapped like CSV
// headers (phone, sdt, bank, account, domain, url, value, kind, category, …)
// or, with Options.Map, only the keys the map names.
type jsonLines struct {
	spec  columnSpec
	kind  indicators.Kind
	first firstRecord
	row   row
	keys  []string
}

func newJSONLines(spec columnSpec, kind indicators.Kind) *jsonLines {
	return &jsonLines{spec: spec, kind: kind}
}

func (*jsonLines) format() Format { return FormatJSONL }

// fieldFor maps an object key to a field.
func (j *jsonLines) fieldFor(key string) (field, bool) {
	if !j.spec.empty() {
		for f := range numFields {
			if j.spec.set[f] && normHeader(j.spec.name[f]) == normHeader(key) {
				return f, true
			}
		}
		return 0, false
	}
	k := normHeader(key)
	if f, ok := headerAliases[k]; ok {
		return f, true
	}
	f, ok := optionFields[k]
	return f, ok
}

func (j *jsonLines) line(ln int, s string, out []Item) ([]Item, error) {
	const expected = "a JSON object per line"
	t := strings.TrimSpace(s)
	if t == "" {
		return out, nil
	}
	if t[0] != '{' {
		return out, j.first.bad(FormatJSONL, ln, s, expected, "not a JSON object")
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return out, j.first.bad(FormatJSONL, ln, s, expected, "invalid JSON: "+err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return out, j.first.bad(FormatJSONL, ln, s, expected, "data after the JSON object")
	}
	j.first.started = true
	j.row = row{}
	j.keys = j.keys[:0]
	for k := range m {
		j.keys = append(j.keys, k)
	}
	slices.Sort(j.keys) // map order is random; the first alias in key order wins
	mapped := false
	for _, k := range j.keys {
		f, ok := j.fieldFor(k)
		if !ok {
			continue
		}
		v, ok := scalar(m[k])
		if !ok {
			return out, &RecordError{Line: ln, Reason: fmt.Sprintf("key %s: want a string or number", quote(k)), Raw: clip(s)}
		}
		if slices.Contains(valueFields, f) {
			mapped = true
		}
		if j.row.v[f] == "" {
			j.row.v[f] = strings.TrimSpace(v)
		}
		j.row.has[f] = true
	}
	if !mapped {
		return out, &RecordError{Line: ln, Reason: "no value key (phone, account, domain, url or value)", Raw: clip(s)}
	}
	return j.row.items(ln, s, j.kind, out)
}
