package feeds

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// MISP events are read from {"Event":{…}} (an event export), from
// {"response":[{"Event":…},…]} (a REST search) and from [{"Event":…},…].
// Events follow each other as a stream; one event is decoded whole, which is
// acceptable because events are bounded in practice, and capped at
// maxMISPEventBytes (256 MiB) so that a hostile file cannot take the memory.
// A top-level key other than "Event" or "response" fails at once with
// ErrFormat.
//
// Each attribute, in the event's Attribute list and then in each Object's,
// is one record: Item.Line is its 1-based number across the file. Attribute
// types:
//
//	domain, hostname           → domain
//	domain|ip, hostname|port   → domain (the part before '|')
//	url                        → url
//	phone-number               → phone
//	iban, bank-account-nr      → bank_account, value as given
//
// Every other type (ip-dst, md5, email-src, link — a reference to a write-up,
// not an indicator — …) is skipped silently, as are deleted attributes;
// to_ids is ignored. An IBAN is not a Vietnamese account: it is emitted as
// given and normalization rejects it when it names no known bank. Inside an
// object named "bank-account", the sibling attribute "institution-name" (else
// "swift") gives Item.Bank and "holder-name" Item.HolderName. The category comes from the first attribute tag,
// else event tag, naming phishing, malware, scam/fraud, gambling or
// impersonation; else "Financial fraud" attributes are scam; else none.
// ExternalID is the attribute uuid; Seen its timestamp, else the event date.

var mispKinds = map[string]indicators.Kind{
	"domain": indicators.KindDomain, "hostname": indicators.KindDomain,
	"domain|ip": indicators.KindDomain, "hostname|port": indicators.KindDomain,
	"url":          indicators.KindURL,
	"phone-number": indicators.KindPhone,
	"iban":         indicators.KindBankAccount, "bank-account-nr": indicators.KindBankAccount,
}

type mispTag struct {
	Name string `json:"name"`
}

type mispEvent struct {
	UUID      string            `json:"uuid"`
	Date      string            `json:"date"`
	Tag       []mispTag         `json:"Tag"`
	Attribute []json.RawMessage `json:"Attribute"`
	Object    []struct {
		Name      string            `json:"name"`
		Attribute []json.RawMessage `json:"Attribute"`
	} `json:"Object"`
}

type mispAttribute struct {
	UUID           string     `json:"uuid"`
	Type           string     `json:"type"`
	Category       string     `json:"category"`
	Value          flexString `json:"value"`
	ObjectRelation string     `json:"object_relation"`
	Timestamp      flexString `json:"timestamp"`
	Deleted        flexString `json:"deleted"`
	Tag            []mispTag  `json:"Tag"`
}

// mispResult is an item or a record error, queued from one event.
type mispResult struct {
	it  Item
	err error
}

type mispState int

const (
	mispStart    mispState = iota
	mispKeys               // among the keys of {"Event"…} or {"response"…}
	mispArray              // inside [{"Event"…},…] or "response":[…]
	mispTopArray           // same, the array being the top level
	mispDone
)

type mispParser struct {
	budget  *budgetReader
	dec     *json.Decoder
	state   mispState
	events  int
	listed  bool // a "response" or top-level array was seen: no events is an empty result
	n       int  // attributes so far
	pending []mispResult
	pos     int
	err     error
}

func newMISPParser(br *bufio.Reader, _ Options) *mispParser {
	b := &budgetReader{r: br}
	return &mispParser{budget: b, dec: json.NewDecoder(b)}
}

// Next implements Parser.
func (p *mispParser) Next() (Item, error) {
	for {
		if p.pos < len(p.pending) {
			r := p.pending[p.pos]
			p.pos++
			return r.it, r.err
		}
		if p.err != nil {
			return Item{}, p.err
		}
		p.budget.left = maxMISPEventBytes
		p.pending, p.pos = p.pending[:0], 0
		if err := p.step(); err != nil {
			p.err = err
			return Item{}, err
		}
	}
}

func (p *mispParser) fail(err error) error {
	return jsonErr(FormatMISP, p.events+1, maxMISPEventBytes, err)
}

// step moves through the structure or reads one event into p.pending.
func (p *mispParser) step() error {
	switch p.state {
	case mispStart:
		tok, err := p.dec.Token()
		if err != nil {
			return p.fail(err)
		}
		switch tok {
		case json.Delim('{'):
			p.state = mispKeys
		case json.Delim('['):
			p.state, p.listed = mispTopArray, true
		default:
			return formatErr(FormatMISP, 1, `expected a MISP event {"Event":…}, got %v`, tok)
		}
		return nil
	case mispKeys:
		if !p.dec.More() {
			if _, err := p.dec.Token(); err != nil {
				return p.fail(err)
			}
			return p.end()
		}
		tok, err := p.dec.Token()
		if err != nil {
			return p.fail(err)
		}
		switch tok {
		case "Event":
			return p.event()
		case "response":
			tok, err := p.dec.Token()
			if err != nil {
				return p.fail(err)
			}
			if tok != json.Delim('[') {
				return formatErr(FormatMISP, 0, `"response" is not an array`)
			}
			p.state, p.listed = mispArray, true
			return nil
		}
		return formatErr(FormatMISP, 0, `expected a MISP event {"Event":…} or {"response":[…]}, got key %s`, quote(fmt.Sprint(tok)))
	default: // mispArray, mispTopArray
		if !p.dec.More() {
			if _, err := p.dec.Token(); err != nil {
				return p.fail(err)
			}
			if p.state == mispTopArray {
				return p.end()
			}
			p.state = mispKeys
			return nil
		}
		var wrap struct {
			Event *json.RawMessage `json:"Event"`
		}
		if err := p.dec.Decode(&wrap); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return formatErr(FormatMISP, 0, `event %d: expected {"Event":…}, got %v`, p.events+1, err)
			}
			return p.fail(err)
		}
		if wrap.Event == nil {
			return formatErr(FormatMISP, 0, `event %d: expected {"Event":…}`, p.events+1)
		}
		return p.eventFrom(*wrap.Event)
	}
}

// end checks that nothing follows the top-level value and that it held an event.
func (p *mispParser) end() error {
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		return formatErr(FormatMISP, 0, "unexpected data after the MISP JSON")
	}
	if p.events == 0 && !p.listed {
		return formatErr(FormatMISP, 0, `expected a MISP event {"Event":…}, found none`)
	}
	p.state = mispDone
	return io.EOF
}

func (p *mispParser) event() error {
	var raw json.RawMessage
	if err := p.dec.Decode(&raw); err != nil {
		return p.fail(err)
	}
	return p.eventFrom(raw)
}

// eventFrom queues the results of one event.
func (p *mispParser) eventFrom(raw json.RawMessage) error {
	p.events++
	var ev mispEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return formatErr(FormatMISP, 0, "event %d: %v", p.events, err)
	}
	evCat := tagCategory(ev.Tag)
	evSeen := parseTime(ev.Date)
	for _, a := range ev.Attribute {
		p.attribute(a, "", "", evCat, evSeen)
	}
	for _, o := range ev.Object {
		var bank, holder string
		if o.Name == "bank-account" {
			bank, holder = objectBank(o.Attribute)
		}
		for _, a := range o.Attribute {
			p.attribute(a, bank, holder, evCat, evSeen)
		}
	}
	return nil
}

// attribute queues the item or error of one attribute, or nothing for a type
// we do not import.
func (p *mispParser) attribute(raw json.RawMessage, bank, holder string, evCat indicators.Category, evSeen time.Time) {
	p.n++
	rawText := clip(string(raw))
	var a mispAttribute
	if err := json.Unmarshal(raw, &a); err != nil {
		p.pending = append(p.pending, mispResult{err: &RecordError{Line: p.n, Reason: "not a MISP attribute: " + err.Error(), Raw: rawText}})
		return
	}
	kind, ok := mispKinds[strings.ToLower(a.Type)]
	if !ok || a.Deleted == "true" || a.Deleted == "1" {
		return
	}
	v := strings.TrimSpace(string(a.Value))
	if i := strings.IndexByte(v, '|'); i >= 0 && strings.Contains(a.Type, "|") {
		v = v[:i]
	}
	if v == "" {
		p.pending = append(p.pending, mispResult{err: &RecordError{Line: p.n, Reason: fmt.Sprintf("%s attribute without a value", a.Type), Raw: rawText}})
		return
	}
	it := Item{Line: p.n, Kind: kind, Value: v, ExternalID: a.UUID, Seen: parseTime(string(a.Timestamp)), Raw: rawText}
	if it.Seen.IsZero() {
		it.Seen = evSeen
	}
	it.Category = tagCategory(a.Tag)
	if it.Category == "" {
		it.Category = evCat
	}
	if it.Category == "" && strings.EqualFold(a.Category, "Financial fraud") {
		it.Category = indicators.CategoryScam
	}
	if kind == indicators.KindBankAccount {
		it.HolderName = holder
		if bank != "" {
			it.Bank, it.Account, it.Value = bank, v, bank+" "+v
		}
	}
	p.pending = append(p.pending, mispResult{it: it})
}

// objectBank finds the bank and holder named inside a bank-account object.
func objectBank(attrs []json.RawMessage) (bank, holder string) {
	found := map[string]string{}
	for _, raw := range attrs {
		var a mispAttribute
		if json.Unmarshal(raw, &a) == nil {
			found[a.ObjectRelation] = strings.TrimSpace(string(a.Value))
		}
	}
	bank = found["institution-name"]
	if bank == "" {
		bank = found["swift"]
	}
	return bank, found["holder-name"]
}

// tagCategory reads a category from MISP tags ("misp-galaxy:…phishing…",
// "circl:incident-classification=\"phishing\"", "scam", …).
func tagCategory(tags []mispTag) indicators.Category {
	for _, t := range tags {
		n := strings.ToLower(t.Name)
		switch {
		case strings.Contains(n, "phishing"):
			return indicators.CategoryPhishing
		case strings.Contains(n, "malware"):
			return indicators.CategoryMalware
		case strings.Contains(n, "scam"), strings.Contains(n, "fraud"):
			return indicators.CategoryScam
		case strings.Contains(n, "gambling"):
			return indicators.CategoryGambling
		case strings.Contains(n, "impersonat"):
			return indicators.CategoryImpersonation
		}
	}
	return ""
}
