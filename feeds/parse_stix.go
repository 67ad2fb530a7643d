package feeds

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/scamcheck/scamcheck/indicators"
)

// STIX 2.1 bundles ({"type":"bundle","objects":[…]}) are streamed object by
// object. What becomes an item:
//
//   - an "indicator" whose pattern_type is "stix" (or absent) and whose
//     pattern is an OR of equality comparisons on a supported path — one
//     item per comparison: [domain-name:value = 'a.com' OR url:value =
//     'http://b/x'] gives two items. A pattern with AND, FOLLOWEDBY,
//     qualifiers, NOT or another operator is a RecordError: it matches only
//     when several things are observed together, and listing each part as an
//     indicator of its own would report innocent values. "IN ('a','b')" is
//     read as an OR. Comparisons on unsupported paths (ipv4-addr:value, file
//     hashes) inside an OR are dropped; a pattern with none supported is a
//     RecordError naming it.
//   - a bare observable of a supported type ({"type":"domain-name","value":…}).
//
// Supported paths (the x- ones are this project's convention, there being no
// standard STIX object for a phone number or a bank account):
//
//	domain-name:value      → domain
//	url:value              → url
//	x-phone-number:value   → phone ('+84912345678' or any typed form)
//	x-bank-account:value   → bank_account ('<bank>:<account>', e.g. '970436:0011004353201'
//	                          or 'VCB:0011004353201'; other text is kept as Value)
//
// Category comes from indicator_types (or STIX 2.0 labels): the first that
// indicators.ParseCategory maps to a specific category wins ("phishing",
// "fraud" → scam, "malware"…); the generic STIX vocabulary
// (malicious-activity, anomalous-activity, compromised, …) gives no category,
// leaving it to the source's default. A "benign" indicator is a RecordError
// (it is an allowlist entry, not a threat), and so is a revoked one.
// ExternalID is the object's id; Seen is valid_from, else created.
//
// Other objects (identity, relationship, malware, report, marking-definition,
// …) are skipped silently.
//
// The top level must be an object with "type":"bundle"; a different type
// fails at once with ErrFormat. When "objects" comes before "type" (legal
// JSON, unusual STIX) the objects are streamed and a missing type is only
// noticed at the end.

// stixPaths maps the supported object paths to kinds.
var stixPaths = map[string]indicators.Kind{
	"domain-name:value":    indicators.KindDomain,
	"url:value":            indicators.KindURL,
	"x-phone-number:value": indicators.KindPhone,
	"x-bank-account:value": indicators.KindBankAccount,
}

// stixObservables maps the supported observable object types to kinds.
var stixObservables = map[string]indicators.Kind{
	"domain-name": indicators.KindDomain, "url": indicators.KindURL,
	"x-phone-number": indicators.KindPhone, "x-bank-account": indicators.KindBankAccount,
}

type stixState int

const (
	stixStart   stixState = iota // before the top-level '{'
	stixKeys                     // among the bundle's keys
	stixObjects                  // inside "objects"
)

type stixParser struct {
	budget  *budgetReader
	dec     *json.Decoder
	limit   int64
	state   stixState
	sawType bool
	n       int
	pending []Item
	pos     int
	err     error
}

func newSTIXParser(br *bufio.Reader, opts Options) *stixParser {
	b := &budgetReader{r: br}
	return &stixParser{budget: b, dec: json.NewDecoder(b), limit: int64(opts.MaxRecordBytes)}
}

// Next implements Parser.
func (p *stixParser) Next() (Item, error) {
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
		items, err := p.step()
		if err != nil {
			var re *RecordError
			if !errors.As(err, &re) {
				p.err = err
			}
			return Item{}, err
		}
		p.pending, p.pos = items, 0
	}
}

// step advances by one token or one object; it returns the items of an
// object, or nothing when it only moved through the bundle's structure.
func (p *stixParser) step() ([]Item, error) {
	switch p.state {
	case stixStart:
		tok, err := p.dec.Token()
		if err != nil {
			return nil, jsonErr(FormatSTIX, 1, p.limit, err)
		}
		if tok != json.Delim('{') {
			return nil, formatErr(FormatSTIX, 1, `expected a STIX bundle {"type":"bundle",…}, got %v`, tok)
		}
		p.state = stixKeys
		return nil, nil
	case stixKeys:
		if !p.dec.More() {
			if _, err := p.dec.Token(); err != nil {
				return nil, jsonErr(FormatSTIX, p.n+1, p.limit, err)
			}
			if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
				return nil, formatErr(FormatSTIX, 0, "unexpected data after the bundle")
			}
			if !p.sawType {
				return nil, formatErr(FormatSTIX, 0, `expected a STIX bundle, got an object without "type":"bundle"`)
			}
			return nil, io.EOF
		}
		tok, err := p.dec.Token()
		if err != nil {
			return nil, jsonErr(FormatSTIX, p.n+1, p.limit, err)
		}
		switch tok {
		case "type":
			var t string
			if err := p.dec.Decode(&t); err != nil {
				return nil, formatErr(FormatSTIX, 0, `"type" of the top-level object: %v`, err)
			}
			if t != "bundle" {
				return nil, formatErr(FormatSTIX, 0, `expected a STIX bundle, got an object of type %s`, quote(t))
			}
			p.sawType = true
		case "objects":
			tok, err := p.dec.Token()
			if err != nil {
				return nil, jsonErr(FormatSTIX, p.n+1, p.limit, err)
			}
			if tok != json.Delim('[') {
				return nil, formatErr(FormatSTIX, 0, `"objects" is not an array`)
			}
			p.state = stixObjects
		default:
			var skip json.RawMessage
			if err := p.dec.Decode(&skip); err != nil {
				return nil, jsonErr(FormatSTIX, p.n+1, p.limit, err)
			}
		}
		return nil, nil
	default: // stixObjects
		if !p.dec.More() {
			if _, err := p.dec.Token(); err != nil {
				return nil, jsonErr(FormatSTIX, p.n+1, p.limit, err)
			}
			p.state = stixKeys
			return nil, nil
		}
		var raw json.RawMessage
		if err := p.dec.Decode(&raw); err != nil {
			return nil, jsonErr(FormatSTIX, p.n+1, p.limit, err)
		}
		p.n++
		return stixObject(p.n, raw, p.pending[:0])
	}
}

// stixObject turns one STIX object into items.
func stixObject(n int, raw json.RawMessage, out []Item) ([]Item, error) {
	var o struct {
		Type           string   `json:"type"`
		ID             string   `json:"id"`
		Pattern        string   `json:"pattern"`
		PatternType    string   `json:"pattern_type"`
		IndicatorTypes []string `json:"indicator_types"`
		Labels         []string `json:"labels"`
		Value          string   `json:"value"`
		Created        string   `json:"created"`
		ValidFrom      string   `json:"valid_from"`
		Revoked        bool     `json:"revoked"`
	}
	rawText := clip(string(raw))
	reject := func(format string, args ...any) error {
		return &RecordError{Line: n, Reason: fmt.Sprintf(format, args...), Raw: rawText}
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return out, reject("not a STIX object: %v", err)
	}
	if kind, ok := stixObservables[o.Type]; ok {
		it, ok := stixItem(Item{Line: n, ExternalID: o.ID, Raw: rawText}, kind, o.Value)
		if !ok {
			return out, reject("%s object without a value", o.Type)
		}
		return append(out, it), nil
	}
	if o.Type != "indicator" {
		return out, nil
	}
	if o.Revoked {
		return out, reject("revoked indicator")
	}
	if o.PatternType != "" && o.PatternType != "stix" {
		return out, reject("pattern_type %s is not supported (want stix)", quote(o.PatternType))
	}
	cat, benign := stixCategory(o.IndicatorTypes, o.Labels)
	if benign {
		return out, reject("benign indicator (not a threat)")
	}
	comps, err := parsePattern(o.Pattern)
	if err != nil {
		return out, reject("pattern %s: %v", quote(o.Pattern), err)
	}
	seen := parseTime(o.ValidFrom)
	if seen.IsZero() {
		seen = parseTime(o.Created)
	}
	base := Item{Line: n, Category: cat, ExternalID: o.ID, Seen: seen, Raw: rawText}
	start := len(out)
	for _, c := range comps {
		if kind, ok := stixPaths[c.path]; ok {
			if it, ok := stixItem(base, kind, c.value); ok {
				out = append(out, it)
			}
		}
	}
	if len(out) == start {
		return out, reject("pattern %s names no supported object with a value (domain-name:value, url:value, x-phone-number:value, x-bank-account:value)", quote(o.Pattern))
	}
	return out, nil
}

// stixItem fills in kind and value; an x-bank-account value "<bank>:<account>"
// is split into Bank and Account. It reports false for an empty value.
func stixItem(base Item, kind indicators.Kind, value string) (Item, bool) {
	base.Kind, base.Value = kind, strings.TrimSpace(value)
	if kind == indicators.KindBankAccount {
		if bank, acct, ok := strings.Cut(base.Value, ":"); ok {
			base.Bank, base.Account = strings.TrimSpace(bank), strings.TrimSpace(acct)
			base.Value = strings.TrimSpace(base.Bank + " " + base.Account)
		}
	}
	return base, base.Value != ""
}

// stixCategory picks a category from indicator_types and labels.
func stixCategory(types, labels []string) (indicators.Category, bool) {
	for _, t := range append(types, labels...) {
		t = strings.ToLower(strings.TrimSpace(t))
		switch t {
		case "benign":
			return "", true
		case "malicious-activity", "anomalous-activity", "compromised", "unknown", "attribution", "anonymization":
			continue
		}
		if c := indicators.ParseCategory(t); c != "" && c != indicators.CategoryOther {
			return c, false
		}
	}
	return "", false
}

// A STIX pattern parser, as much of the STIX 2.1 patterning grammar (section
// 9) as it takes to tell the patterns we can import — ORs of equalities —
// from everything else, which it still parses so that the error can say what
// it found rather than "syntax error".

// comparison is one "path = 'value'" of a pattern.
type comparison struct{ path, value string }

type patTokKind int

const (
	tokEOF    patTokKind = iota
	tokPunct             // [ ] ( ) ,
	tokOp                // = == != <> < <= > >=
	tokString            // 'text' (value unescaped)
	tokTyped             // t'…' h'…' b'…'
	tokNumber            // 12, -1.5
	tokWord              // keyword, true/false
	tokPath              // object-type:property.path
)

type patTok struct {
	kind patTokKind
	text string
}

// maxPatternDepth bounds nesting so that a hostile pattern cannot recurse deeply.
const maxPatternDepth = 64

type patParser struct {
	toks  []patTok
	i     int
	depth int
}

// parsePattern returns the comparisons of a pattern that is an OR of
// equalities, or an error saying why it is not one.
func parsePattern(s string) ([]comparison, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty pattern")
	}
	toks, err := lexPattern(s)
	if err != nil {
		return nil, err
	}
	p := &patParser{toks: toks}
	comps, err := p.obsExpr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, fmt.Errorf("unexpected %q after the pattern", t.text)
	}
	return comps, nil
}

func (p *patParser) peek() patTok {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return patTok{kind: tokEOF}
}

func (p *patParser) next() patTok {
	t := p.peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}

func (p *patParser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tokWord && strings.EqualFold(t.text, w)
}

func (p *patParser) isPunct(c string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.text == c
}

func (p *patParser) expectPunct(c string) error {
	if t := p.next(); t.kind != tokPunct || t.text != c {
		return fmt.Errorf("expected %q, got %q", c, t.text)
	}
	return nil
}

// Observation level: FOLLOWEDBY < OR < AND in precedence.
func (p *patParser) obsExpr() ([]comparison, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxPatternDepth {
		return nil, errors.New("pattern nested too deeply")
	}
	comps, err := p.obsOr()
	if err != nil {
		return nil, err
	}
	if p.isWord("FOLLOWEDBY") {
		return nil, errors.New("FOLLOWEDBY (a sequence of observations) cannot be imported as separate indicators")
	}
	return comps, nil
}

func (p *patParser) obsOr() ([]comparison, error) {
	comps, err := p.obsAnd()
	if err != nil {
		return nil, err
	}
	for p.isWord("OR") {
		p.next()
		more, err := p.obsAnd()
		if err != nil {
			return nil, err
		}
		comps = append(comps, more...)
	}
	return comps, nil
}

func (p *patParser) obsAnd() ([]comparison, error) {
	comps, err := p.obsAtom()
	if err != nil {
		return nil, err
	}
	if p.isWord("AND") {
		return nil, errors.New("AND between observations (all must be seen) cannot be imported as separate indicators")
	}
	return comps, nil
}

func (p *patParser) obsAtom() ([]comparison, error) {
	var comps []comparison
	var err error
	switch {
	case p.isPunct("["):
		p.next()
		if comps, err = p.cmpOr(); err != nil {
			return nil, err
		}
		if err := p.expectPunct("]"); err != nil {
			return nil, err
		}
	case p.isPunct("("):
		p.next()
		if comps, err = p.obsExpr(); err != nil {
			return nil, err
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("expected '[' or '(', got %q", p.peek().text)
	}
	for _, q := range []string{"WITHIN", "REPEATS", "START"} {
		if p.isWord(q) {
			return nil, fmt.Errorf("qualifier %s cannot be imported as separate indicators", q)
		}
	}
	return comps, nil
}

// Comparison level: OR < AND.
func (p *patParser) cmpOr() ([]comparison, error) {
	comps, err := p.cmpAnd()
	if err != nil {
		return nil, err
	}
	for p.isWord("OR") {
		p.next()
		more, err := p.cmpAnd()
		if err != nil {
			return nil, err
		}
		comps = append(comps, more...)
	}
	return comps, nil
}

func (p *patParser) cmpAnd() ([]comparison, error) {
	comps, err := p.cmpAtom()
	if err != nil {
		return nil, err
	}
	if p.isWord("AND") {
		return nil, errors.New("AND (all comparisons must hold) cannot be imported as separate indicators")
	}
	return comps, nil
}

func (p *patParser) cmpAtom() ([]comparison, error) {
	if p.isPunct("(") {
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxPatternDepth {
			return nil, errors.New("pattern nested too deeply")
		}
		p.next()
		comps, err := p.cmpOr()
		if err != nil {
			return nil, err
		}
		return comps, p.expectPunct(")")
	}
	if p.isWord("EXISTS") {
		return nil, errors.New("EXISTS cannot be imported")
	}
	path := p.next()
	if path.kind != tokPath {
		return nil, fmt.Errorf("expected an object path like domain-name:value, got %q", path.text)
	}
	if p.isWord("NOT") {
		return nil, errors.New("NOT cannot be imported")
	}
	op := p.next()
	switch {
	case op.kind == tokOp && (op.text == "=" || op.text == "=="):
		v := p.next()
		if v.kind != tokString {
			return nil, fmt.Errorf("%s compared with %q, want a quoted string", path.text, v.text)
		}
		return []comparison{{path: path.text, value: v.text}}, nil
	case op.kind == tokWord && strings.EqualFold(op.text, "IN"):
		if err := p.expectPunct("("); err != nil {
			return nil, err
		}
		var comps []comparison
		for {
			v := p.next()
			if v.kind != tokString {
				return nil, fmt.Errorf("IN list holds %q, want quoted strings", v.text)
			}
			comps = append(comps, comparison{path: path.text, value: v.text})
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
		return comps, p.expectPunct(")")
	case op.kind == tokOp, op.kind == tokWord:
		return nil, fmt.Errorf("operator %s cannot be imported (want = or IN)", op.text)
	}
	return nil, fmt.Errorf("expected a comparison operator after %s, got %q", path.text, op.text)
}

// lexPattern splits a pattern into tokens.
func lexPattern(s string) ([]patTok, error) {
	var toks []patTok
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.IndexByte("[](),", c) >= 0:
			toks = append(toks, patTok{tokPunct, s[i : i+1]})
			i++
		case c == '=' || c == '!' || c == '<' || c == '>':
			j := i + 1
			if j < len(s) && (s[j] == '=' || c == '<' && s[j] == '>') {
				j++
			}
			op := s[i:j]
			if op == "!" {
				return nil, fmt.Errorf("stray '!' at offset %d", i)
			}
			toks = append(toks, patTok{tokOp, op})
			i = j
		case c == '\'':
			v, n, err := lexString(s[i:])
			if err != nil {
				return nil, fmt.Errorf("offset %d: %w", i, err)
			}
			toks = append(toks, patTok{tokString, v})
			i += n
		case (c == 't' || c == 'h' || c == 'b') && i+1 < len(s) && s[i+1] == '\'':
			v, n, err := lexString(s[i+1:])
			if err != nil {
				return nil, fmt.Errorf("offset %d: %w", i, err)
			}
			toks = append(toks, patTok{tokTyped, string(c) + "'" + v + "'"})
			i += 1 + n
		case c == '-' || c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			toks = append(toks, patTok{tokNumber, s[i:j]})
			i = j
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			if j < len(s) && s[j] == ':' {
				n, err := lexPathRest(s[j:])
				if err != nil {
					return nil, fmt.Errorf("offset %d: %w", i, err)
				}
				toks = append(toks, patTok{tokPath, s[i : j+n]})
				i = j + n
				continue
			}
			toks = append(toks, patTok{tokWord, s[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unexpected %q at offset %d", c, i)
		}
	}
	return toks, nil
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// lexString reads a quoted string at the start of s ("'…'" with \' and \\
// the only escapes, as STIX requires) and returns its value and length.
func lexString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\'':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 >= len(s) || s[i+1] != '\'' && s[i+1] != '\\' {
				return "", 0, errors.New(`bad escape in string (only \' and \\ are allowed)`)
			}
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, errors.New("unterminated string")
}

// lexPathRest reads the ":property.path[*].x" part of an object path,
// including quoted components such as hashes.'SHA-256', and returns its length.
func lexPathRest(s string) (int, error) {
	i, open := 1, 0 // s[0] is the ':'
loop:
	for i < len(s) {
		c := s[i]
		switch {
		case c == '[':
			open++
		case c == ']':
			if open == 0 {
				break loop // the bracket closing the observation
			}
			open--
		case isIdentByte(c) || c == '.' || c == '*':
		case c == '\'' && s[i-1] == '.':
			_, n, err := lexString(s[i:])
			if err != nil {
				return 0, err
			}
			i += n
			continue
		default:
			break loop
		}
		i++
	}
	if i == 1 {
		return 0, errors.New("object path without a property")
	}
	return i, nil
}
