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
// never has to be right about bad input, only about good input.
func parseBatchFast(body []byte, maxItems int) (qs []checkQuery, ok bool) {
	p := batchParser{b: body}
	if !p.lit('{') || !p.key("items") || !p.lit(':') || !p.lit('[') {
		return nil, false
	}
	// One allocation: every item opens with a brace.
	qs = make([]checkQuery, 0, min(bytes.Count(body, []byte{'{'}), maxItems))
	if p.peek(']') {
		p.i++
	} else {
		for {
			if len(qs) == maxItems {
				return nil, false // let the slow path count and refuse
			}
			q, ok := p.item()
			if !ok {
				return nil, false
			}
			qs = append(qs, q)
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
func (p *batchParser) str() ([]byte, bool) {
	if !p.lit('"') {
		return nil, false
	}
	end := bytes.IndexByte(p.b[p.i:], '"')
	if end < 0 {
		return nil, false
	}
	s := p.b[p.i : p.i+end]
	for _, c := range s {
		if c == '\\' || c < 0x20 {
			return nil, false
		}
	}
	p.i += end + 1
	return s, true
}

func (p *batchParser) key(want string) bool {
	s, ok := p.str()
	return ok && string(s) == want
}

// item reads one {"field":"value",...} object into a query, with the same
// rule as checkItem.query: exactly one input (bank and account together
// count as one).
func (p *batchParser) item() (checkQuery, bool) {
	var q checkQuery
	if !p.lit('{') {
		return q, false
	}
	n, bank := 0, false
	seen := 0
	for first := true; ; first = false {
		if first && p.peek('}') {
			break
		}
		k, ok := p.str()
		if !ok || !p.lit(':') {
			return q, false
		}
		v, ok := p.str()
		if !ok {
			return q, false
		}
		var bit int
		switch string(k) {
		case "q":
			bit, q.auto, q.kind, q.value = 1, true, "", string(v)
		case "phone":
			bit, q.kind, q.value = 2, indicators.KindPhone, string(v)
		case "domain":
			bit, q.kind, q.value = 4, indicators.KindDomain, string(v)
		case "url":
			bit, q.kind, q.value = 8, indicators.KindURL, string(v)
		case "bank":
			bit, bank, q.bank = 16, true, string(v)
		case "account":
			bit, bank, q.account = 32, true, string(v)
		default:
			return q, false
		}
		if seen&bit != 0 {
			return q, false // a repeated field: leave it to encoding/json
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
			return q, false
		}
		break
	}
	if bank {
		n++
		q.kind, q.auto = indicators.KindBankAccount, false
	}
	return q, n == 1
}

// decodeBatch parses a POST /v1/check body into queries: the fast path for
// well-formed bodies, encoding/json (strict) for the rest and for errors.
func (s *Server) decodeBatch(body []byte) ([]checkQuery, error) {
	if qs, ok := parseBatchFast(body, s.cfg.MaxBatch); ok {
		return qs, nil
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
	qs := make([]checkQuery, len(batch.Items))
	for i := range batch.Items {
		q, ok := batch.Items[i].query()
		if !ok {
			return nil, badRequest("item %d: %s", i, errItemShape)
		}
		qs[i] = q
	}
	return qs, nil
}
