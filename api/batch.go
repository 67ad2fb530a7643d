package api

import (
	"bytes"
	"net/http"

	"github.com/scamcheck/scamcheck/indicators"
)

// parseBatchFast reads the common shape of a POST /v1/check body,
//
//	{"items":[{"phone":"0912345678"},{"bank":"VCB","account":"001..."}]}
//
// without reflection: encoding/json cost more than the checks themselves
// for a batch of 1000. It accepts only what it fully understands (known
// fields with plain string values, no escapes) and returns ok=false for
// anything else, which decodeBatch then hands to encoding/json: that path
// gives the precise error messages and handles escapes, so the fast path
// never has to be right about bad input, only about good input. The
// queries are appended to qs.
func parseBatchFast(body []byte, maxItems int, qs []checkQuery) ([]checkQuery, bool) {
	// One string for all the values rather than one each: the values are
	// substrings of it. Results carry them only while the answer is
	// encoded (the Engine keys its caches and the trend detector by
	// normalized keys, which are built afresh).
	p := batchParser{b: body, s: string(body)}
	if !p.lit('{') || !p.key("items") || !p.lit(':') || !p.lit('[') {
		return nil, false
	}
	if p.peek(']') {
		p.i++
	} else {
		for {
			if len(qs) == maxItems {
				return nil, false // let the slow path count and refuse
			}
			// Parsed in place: a query is 72 bytes, worth not copying.
			qs = append(qs, checkQuery{})
			if !p.item(&qs[len(qs)-1]) {
				return nil, false
			}
			if p.peek(',') {
				p.i++
				continue
			}
			if !p.lit(']') {
				return nil, false
			}
			break
		}
	}
	if !p.lit('}') {
		return nil, false
	}
	p.ws()
	return qs, p.i == len(p.b)
}

type batchParser struct {
	b []byte
	s string // b as a string
	i int
}

func (p *batchParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek skips whitespace and reports whether the next byte is c.
func (p *batchParser) peek(c byte) bool {
	p.ws()
	return p.i < len(p.b) && p.b[p.i] == c
}

// lit consumes c after optional whitespace.
func (p *batchParser) lit(c byte) bool {
	if !p.peek(c) {
		return false
	}
	p.i++
	return true
}

// str reads a string without escapes or control characters.
func (p *batchParser) str() (string, bool) {
	if !p.lit('"') {
		return "", false
	}
	end := bytes.IndexByte(p.b[p.i:], '"')
	if end < 0 {
		return "", false
	}
	for _, c := range p.b[p.i : p.i+end] {
		if c == '\\' || c < 0x20 {
			return "", false
		}
	}
	start := p.i
	p.i += end + 1
	return p.s[start : start+end], true
}

func (p *batchParser) key(want string) bool {
	s, ok := p.str()
	return ok && s == want
}

// item reads one {"field":"value",...} object into a query, with the same
// rule as checkItem.query: exactly one input (bank and account together
// count as one).
func (p *batchParser) item(q *checkQuery) bool {
	if !p.lit('{') {
		return false
	}
	n, bank := 0, false
	seen := 0
	for first := true; ; first = false {
		if first && p.peek('}') {
			break
		}
		k, ok := p.str()
		if !ok || !p.lit(':') {
			return false
		}
		v, ok := p.str()
		if !ok {
			return false
		}
		var bit int
		switch k {
		case "q":
			bit, q.auto, q.kind, q.value = 1, true, "", v
		case "phone":
			bit, q.kind, q.value = 2, indicators.KindPhone, v
		case "domain":
			bit, q.kind, q.value = 4, indicators.KindDomain, v
		case "url":
			bit, q.kind, q.value = 8, indicators.KindURL, v
		case "bank":
			bit, bank, q.bank = 16, true, v
		case "account":
			bit, bank, q.account = 32, true, v
		default:
			return false
		}
		if seen&bit != 0 {
			return false // a repeated field: leave it to encoding/json
		}
		seen |= bit
		if bit < 16 {
			n++
		}
		if p.peek(',') {
			p.i++
			continue
		}
		if !p.lit('}') {
			return false
		}
		break
	}
	if bank {
		n++
		q.kind, q.auto = indicators.KindBankAccount, false
	}
	return n == 1
}

// decodeBatch parses a POST /v1/check body into queries appended to qs:
// the fast path for well-formed bodies, encoding/json (strict) for the
// rest and for errors.
func (s *Server) decodeBatch(body []byte, qs []checkQuery) ([]checkQuery, error) {
	if fast, ok := parseBatchFast(body, s.cfg.MaxBatch, qs); ok {
		return fast, nil
	}
	var batch checkBatch
	if err := decodeJSON(body, &batch); err != nil {
		return nil, err
	}
	if batch.Items == nil {
		return nil, badRequest(`want {"items":[...]}`)
	}
	if len(batch.Items) > s.cfg.MaxBatch {
		return nil, errorf(http.StatusBadRequest, CodeBatchTooLarge, "%d items; at most %d per request", len(batch.Items), s.cfg.MaxBatch)
	}
	qs = qs[:0]
	for i := range batch.Items {
		q, ok := batch.Items[i].query()
		if !ok {
			return nil, badRequest("item %d: %s", i, errItemShape)
		}
		qs = append(qs, q)
	}
	return qs, nil
}
