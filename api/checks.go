package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/indicators"
)

// checkItem is one thing to check: exactly one of q (auto-detect), phone,
// bank with account, domain or url. Pointers tell a missing field from an
// empty one: {"q":""} is an empty input, {} is a malformed item.
type checkItem struct {
	Q       *string `json:"q"`
	Phone   *string `json:"phone"`
	Bank    *string `json:"bank"`
	Account *string `json:"account"`
	Domain  *string `json:"domain"`
	URL     *string `json:"url"`
}

// checkBatch is the body of POST /v1/check.
type checkBatch struct {
	Items []checkItem `json:"items"`
}

// checkQuery names what one item asks: the kind ("" to auto-detect) and the
// values. It is the common form of a GET query and a batch item.
type checkQuery struct {
	kind          indicators.Kind
	auto          bool
	value         string
	bank, account string
}

// errItemShape is the message for an item that does not name exactly one
// input.
const errItemShape = "give exactly one of q, phone, bank with account, domain or url"

func (it *checkItem) query() (checkQuery, bool) {
	var q checkQuery
	n := 0
	set := func(p *string, kind indicators.Kind, auto bool) {
		if p != nil {
			n++
			q.kind, q.auto, q.value = kind, auto, *p
		}
	}
	set(it.Q, "", true)
	set(it.Phone, indicators.KindPhone, false)
	set(it.Domain, indicators.KindDomain, false)
	set(it.URL, indicators.KindURL, false)
	if it.Bank != nil || it.Account != nil {
		n++
		q.kind = indicators.KindBankAccount
		if it.Bank != nil {
			q.bank = *it.Bank
		}
		if it.Account != nil {
			q.account = *it.Account
		}
	}
	return q, n == 1
}

// check answers one query; input errors are in the Result.
func (s *Server) check(ctx context.Context, q *checkQuery) indicators.Result {
	var r indicators.Result
	s.checkInto(ctx, q, &r, nil)
	return r
}

// checkInto is check writing the answer into *r: a batch fills one Result
// in place per item, and makes its phone and bank account keys in a (nil:
// one allocation each).
func (s *Server) checkInto(ctx context.Context, q *checkQuery, r *indicators.Result, a *indicators.KeyArena) {
	var p indicators.Parsed
	var err error
	switch {
	case q.auto:
		p, err = indicators.ParseIn(q.value, a)
	case q.kind == indicators.KindBankAccount:
		input := strings.TrimSpace(a.Concat(q.bank, " ", q.account))
		if strings.TrimSpace(q.bank) == "" {
			*r = indicators.ErrorResult(input, &indicators.InputError{Code: indicators.CodeMissingBank, Message: "give the bank with the account"})
			return
		}
		key, err := indicators.NormalizeBankAccountIn(q.bank, q.account, a)
		if err != nil {
			*r = indicators.ErrorResult(input, err)
			return
		}
		s.cfg.Engine.CheckParsedInto(ctx, &indicators.Parsed{Input: input, Kind: indicators.KindBankAccount, Key: key, Canonical: key.Value()}, r)
		return
	default:
		p, err = indicators.ParseAsIn(q.kind, q.value, a)
	}
	if err != nil {
		*r = indicators.ErrorResult(q.value, err)
		return
	}
	s.cfg.Engine.CheckParsedInto(ctx, &p, r)
}

// getCheck answers GET /v1/check?q= | phone= | bank=&account= | domain= |
// url=, with an optional expect_account= (the account the person meant to
// pay) compared with the account of a VietQR payload. Invalid input is a
// 400 with the normalizer's code. Unknown parameters are refused like
// unknown JSON fields.
func (s *Server) getCheck(c *fiber.Ctx) error {
	var q checkQuery
	n := 0
	var bad, expect string
	hasBank := false
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		switch string(k) {
		case "expect_account":
			expect = string(v)
		case "q":
			n++
			q.auto, q.value = true, string(v)
		case "phone":
			n++
			q.kind, q.value = indicators.KindPhone, string(v)
		case "domain":
			n++
			q.kind, q.value = indicators.KindDomain, string(v)
		case "url":
			n++
			q.kind, q.value = indicators.KindURL, string(v)
		case "bank":
			hasBank = true
			q.bank = string(v)
		case "account":
			hasBank = true
			q.account = string(v)
		default:
			if bad == "" {
				bad = string(k)
			}
		}
	})
	if hasBank {
		n++
		q.kind = indicators.KindBankAccount
	}
	switch {
	case bad != "":
		return badRequest("unknown parameter %q; %s", truncate(bad, 40), errItemShape)
	case n == 0:
		return &Error{Status: http.StatusBadRequest, Code: indicators.CodeEmpty, Message: "nothing to check; " + errItemShape}
	case n > 1:
		return badRequest(errItemShape)
	}
	r := s.check(c.UserContext(), &q)
	s.cfg.Trends.Check(&r) // queues hits only, never waits
	if r.Degraded {
		s.metrics.storeErrors.WithLabelValues("/v1/check").Inc()
	}
	if r.Error != nil {
		return &Error{Status: http.StatusBadRequest, Code: r.Error.Code, Message: r.Error.Message}
	}
	if err := indicators.ApplyExpected(&r, expect); err != nil {
		var ie *indicators.InputError
		if errors.As(err, &ie) {
			return &Error{Status: http.StatusBadRequest, Code: ie.Code, Message: ie.Message}
		}
		return err
	}
	sendJSON(c, appendResult(takeBody(c, 1024), &r))
	return nil
}

// takeBody returns the response's body buffer, emptied and with room for
// at least n bytes, for the answer to be encoded straight into it: no copy
// and no buffer of our own. Give it back with sendJSON.
func takeBody(c *fiber.Ctx, n int) []byte {
	b := c.Response().SwapBody(nil)[:0]
	if cap(b) < n {
		// Sized once rather than grown by doubling: fasthttp's pool hands
		// out buffers of the common (small) answer's size.
		b = make([]byte, 0, n)
	}
	return b
}

// sendJSON makes b, from takeBody, the response's JSON body.
func sendJSON(c *fiber.Ctx, b []byte) {
	c.Response().SwapBody(b)
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSONCharsetUTF8)
}

// postCheck answers POST /v1/check {"items":[...]} with {"results":[...]}
// in the same order. An item that cannot be checked carries an error in its
// result; a malformed request (bad JSON, a malformed item, too many items)
// is a 400 for the whole batch.
func (s *Server) postCheck(c *fiber.Ctx) error {
	qp := queriesPool.Get().(*[]checkQuery)
	defer putQueries(qp)
	queries, err := s.decodeBatch(c.Body(), (*qp)[:0])
	if err != nil {
		return err
	}
	*qp = queries
	ctx := c.UserContext()
	body := batchBodyPool.Get().(*batchBody)
	b := body.b[:0]
	if need := 16 + len(queries)*batchResultSize; cap(b) < need {
		b = make([]byte, 0, need)
	}
	b = append(b, `{"results":[`...)
	degraded := 0
	var r indicators.Result
	arena := indicators.NewKeyArena(len(queries))
	for i := range queries {
		if i > 0 {
			b = append(b, ',')
		}
		s.checkInto(ctx, &queries[i], &r, arena)
		s.cfg.Trends.Check(&r)
		if r.Degraded {
			degraded++
		}
		b = appendResult(b, &r)
	}
	b = append(b, "]}"...)
	if degraded > 0 {
		s.metrics.storeErrors.WithLabelValues("/v1/check").Add(float64(degraded))
	}
	body.b, body.off = b, 0
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSONCharsetUTF8)
	c.Response().SetBodyStream(body, len(b))
	return nil
}

// batchResultSize is room for one result of a batch: a miss takes about
// 560 bytes, most of it advice.
const batchResultSize = 640

// batchBody is a batch's answer, handed to fasthttp as a body stream of
// known length (so still sent with a Content-Length, in one write) rather
// than as the response's body buffer: fasthttp closes the stream once the
// answer is written or dropped, which gives the buffer back to
// batchBodyPool. fasthttp's own body pool keeps only buffers of the usual,
// small, size, so with GETs about a 600 KB buffer was allocated per batch
// (measured: half again the cost of a batch of misses).
type batchBody struct {
	b   []byte
	off int // bytes read
}

var batchBodyPool = sync.Pool{New: func() any { return &batchBody{} }}

// maxPooledBatchBody keeps unusually large buffers out of the pool.
const maxPooledBatchBody = 4 << 20

func (bb *batchBody) Read(p []byte) (int, error) {
	if bb.off >= len(bb.b) {
		return 0, io.EOF
	}
	n := copy(p, bb.b[bb.off:])
	bb.off += n
	return n, nil
}

// WriteTo hands the whole answer to one Write: io.Copy prefers it to Read.
func (bb *batchBody) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(bb.b[bb.off:])
	bb.off += n
	return int64(n), err
}

// Close returns the buffer to the pool. fasthttp closes a body stream
// exactly once.
func (bb *batchBody) Close() error {
	if cap(bb.b) > maxPooledBatchBody {
		bb.b = nil
	}
	bb.b, bb.off = bb.b[:0], 0
	batchBodyPool.Put(bb)
	return nil
}

// queriesPool holds the parsed items of batches.
var queriesPool = sync.Pool{New: func() any { q := make([]checkQuery, 0, DefaultMaxBatch); return &q }}

// putQueries returns a batch's items to the pool, cleared so that the pool
// holds no request's strings (all of the capacity: a batch refused half
// way leaves items past the length).
func putQueries(qp *[]checkQuery) {
	*qp = (*qp)[:0]
	clear((*qp)[:cap(*qp)])
	queriesPool.Put(qp)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
