package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/indicators"
)

// indicatorRequest is the body of POST /v1/indicators: one indicator given
// as exactly one of key (canonical), q, phone, bank with account, domain or
// url, and what to record about it.
type indicatorRequest struct {
	Key        string    `json:"key"`
	Q          *string   `json:"q"`
	Phone      *string   `json:"phone"`
	Bank       *string   `json:"bank"`
	Account    *string   `json:"account"`
	Domain     *string   `json:"domain"`
	URL        *string   `json:"url"`
	Status     string    `json:"status"`
	Category   string    `json:"category"`
	Source     string    `json:"source"`
	ExternalID string    `json:"external_id"`
	Note       string    `json:"note"`
	HolderName string    `json:"holder_name"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// key normalizes the indicator the request names.
func (ir *indicatorRequest) key() (indicators.Key, error) {
	item := checkItem{Q: ir.Q, Phone: ir.Phone, Bank: ir.Bank, Account: ir.Account, Domain: ir.Domain, URL: ir.URL}
	q, one := item.query()
	switch {
	case ir.Key != "" && (one || q.kind != "" || q.auto):
		return "", badRequest("give key or one of q, phone, bank with account, domain, url; not both")
	case ir.Key != "":
		return indicators.ParseKey(ir.Key)
	case !one:
		return "", badRequest("give key or %s", errItemShape)
	case q.auto:
		p, err := indicators.Parse(q.value)
		return p.Key, err
	case q.kind == indicators.KindBankAccount:
		if q.bank == "" {
			return "", &indicators.InputError{Code: indicators.CodeMissingBank, Message: "give the bank with the account"}
		}
		return indicators.NormalizeBankAccount(q.bank, q.account)
	}
	return indicators.Normalize(q.kind, q.value)
}

// indicatorResponse is the answer to a write on one indicator.
type indicatorResponse struct {
	Change string            `json:"change"`
	Record indicators.Record `json:"record"`
}

// createIndicator answers POST /v1/indicators (police): the indicator is
// merged into the store with the one merge rule (indicators.Merge), so that
// adding a known indicator adds a source rather than overwriting. 201 when
// it was new, 200 otherwise.
func (s *Server) createIndicator(c *fiber.Ctx) error {
	var req indicatorRequest
	if err := decodeJSON(c.Body(), &req); err != nil {
		return err
	}
	key, err := req.key()
	if err != nil {
		return err
	}
	st := indicators.StatusReported
	if req.Status != "" {
		if st, err = indicators.ParseStatus(req.Status); err != nil {
			return err
		}
		if st == indicators.StatusDelisted {
			return badRequest("status: use POST /v1/indicators/{key}/delist to delist")
		}
	}
	cat := indicators.Category(strings.ToLower(strings.TrimSpace(req.Category)))
	if cat != "" && !cat.Valid() {
		return &indicators.InputError{Code: indicators.CodeInvalidRecord, Message: fmt.Sprintf("unknown category %q", truncate(req.Category, 40))}
	}
	name, _ := actor(c)
	source := strings.TrimSpace(req.Source)
	if source == "" {
		source = "api:" + name
	}
	now := s.cfg.Now().UTC()
	in := indicators.NewRecord(key, source, now)
	in.Sources[0].ExternalID = req.ExternalID
	in.Status, in.Category, in.Note, in.HolderName = st, cat, req.Note, req.HolderName
	if !req.ExpiresAt.IsZero() {
		in.ExpiresAt = req.ExpiresAt.UTC()
	}
	if st == indicators.StatusConfirmed {
		in.ConfirmedBy, in.ConfirmedAt = name, now
	}
	if err := in.Validate(); err != nil {
		return err
	}
	var change indicators.Change
	before, after, err := s.cfg.Store.Update(c.UserContext(), key, func(r *indicators.Record, exists bool) error {
		var existing *indicators.Record
		if exists {
			existing = r
		}
		merged, ch := indicators.Merge(existing, in, now)
		*r, change = merged, ch
		return nil
	})
	if err != nil {
		return fmt.Errorf("api: write indicator: %w", err)
	}
	if err := s.enqueueNewlyConfirmed(c.UserContext(), before, after); err != nil {
		return err
	}
	if err := s.publish(c.UserContext(), []indicators.Key{key}); err != nil {
		return err
	}
	if change != indicators.ChangeUnchanged {
		if err := s.audit(c, ActionIndicatorCreate, string(key), recordOrNil(before), after); err != nil {
			return err
		}
	}
	status := http.StatusOK
	if change == indicators.ChangeAdded {
		status = http.StatusCreated
	}
	return c.Status(status).JSON(indicatorResponse{Change: change.String(), Record: after})
}

// listIndicators answers GET /v1/indicators?kind=&status=&source=&category=
// &cursor=&limit= (police): one page in the store's stable order (see
// indicators.Store.List); next is the cursor of the following page.
func (s *Server) listIndicators(c *fiber.Ctx) error {
	var opts indicators.ListOptions
	var err error
	if v := c.Query("kind"); v != "" {
		if opts.Kind, err = indicators.ParseKind(v); err != nil {
			return err
		}
	}
	if v := c.Query("status"); v != "" {
		if opts.Status, err = indicators.ParseStatus(v); err != nil {
			return err
		}
	}
	if v := c.Query("category"); v != "" {
		opts.Category = indicators.Category(strings.ToLower(v))
		if !opts.Category.Valid() {
			return &indicators.InputError{Code: indicators.CodeInvalidRecord, Message: fmt.Sprintf("unknown category %q", truncate(v, 40))}
		}
	}
	opts.Source = c.Query("source")
	opts.Cursor = indicators.Key(c.Query("cursor"))
	if opts.Limit, err = queryLimit(c); err != nil {
		return err
	}
	page, err := s.cfg.Store.List(c.UserContext(), opts)
	if err != nil {
		return fmt.Errorf("api: list indicators: %w", err)
	}
	if page.Records == nil {
		page.Records = []indicators.Record{}
	}
	return c.JSON(page)
}

// pathKey reads the :key path parameter: a canonical key, URL-escaped by
// the client (URL keys hold slashes).
func pathKey(c *fiber.Ctx) (indicators.Key, error) {
	raw, err := url.PathUnescape(c.Params("key"))
	if err != nil {
		return "", &indicators.InputError{Code: indicators.CodeInvalidKey, Message: "key is not validly URL-escaped"}
	}
	return indicators.ParseKey(raw)
}

// getIndicator answers GET /v1/indicators/:key (police).
func (s *Server) getIndicator(c *fiber.Ctx) error {
	key, err := pathKey(c)
	if err != nil {
		return err
	}
	recs, err := s.cfg.Store.Get(c.UserContext(), []indicators.Key{key})
	if err != nil {
		return fmt.Errorf("api: get indicator: %w", err)
	}
	if len(recs) != 1 || recs[0] == nil {
		return fmt.Errorf("indicator %s: %w", key, indicators.ErrNotFound)
	}
	return c.JSON(recs[0])
}

// statusRequest is the body of confirm (optional) and delist (reason
// required).
type statusRequest struct {
	Note   string `json:"note"`
	Reason string `json:"reason"`
}

// confirmIndicator answers POST /v1/indicators/:key/confirm (police): the
// indicator becomes confirmed by the caller, created if it was not listed.
func (s *Server) confirmIndicator(c *fiber.Ctx) error {
	return s.markIndicator(c, ActionIndicatorConfirm, func(r *indicators.Record, exists bool, key indicators.Key, name string, now time.Time) {
		if exists && r.Status == indicators.StatusTrusted {
			// Confirming an allowlist entry vouches for it: it stays
			// trusted, and a police-confirmed allowlist entry outranks
			// reports (Engine.pick). To list it as a scam instead,
			// delist it first.
			r.ConfirmedBy, r.ConfirmedAt, r.UpdatedAt = name, now, now
			return
		}
		confirmRecord(r, exists, key, name, now)
	})
}

// trustIndicator answers POST /v1/indicators/:key/trust (police): the
// indicator becomes a police-confirmed allowlist entry ("Tín nhiệm mạng"),
// which outranks reports on the same check while still showing them. It is
// how police settle a report against an official site or number.
func (s *Server) trustIndicator(c *fiber.Ctx) error {
	return s.markIndicator(c, ActionIndicatorTrust, func(r *indicators.Record, exists bool, key indicators.Key, name string, now time.Time) {
		if !exists {
			*r = indicators.NewRecord(key, "police:"+name, now)
			r.Reports = 0
		}
		r.Status, r.ConfirmedBy, r.ConfirmedAt, r.UpdatedAt = indicators.StatusTrusted, name, now, now
	})
}

// markIndicator applies a police decision (set) to the indicator named by
// the path, with the optional note of the body, then tells partners (a
// confirmed bank account), the filters and the audit log, and answers with
// the record.
func (s *Server) markIndicator(c *fiber.Ctx, action string, set func(r *indicators.Record, exists bool, key indicators.Key, name string, now time.Time)) error {
	key, err := pathKey(c)
	if err != nil {
		return err
	}
	var req statusRequest
	if err := decodeOptional(c.Body(), &req); err != nil {
		return err
	}
	name, _ := actor(c)
	now := s.cfg.Now().UTC()
	note := strings.TrimSpace(req.Note + " " + req.Reason)
	before, after, err := s.cfg.Store.Update(c.UserContext(), key, func(r *indicators.Record, exists bool) error {
		set(r, exists, key, name, now)
		if note != "" {
			r.Note = note
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("api: %s: %w", action, err)
	}
	// Only a confirmed bank account makes a delivery: enqueueConfirmed
	// ignores everything else.
	if err := s.enqueueConfirmed(c.UserContext(), after, nil); err != nil {
		return err
	}
	if err := s.publish(c.UserContext(), []indicators.Key{key}); err != nil {
		return err
	}
	if err := s.audit(c, action, string(key), recordOrNil(before), after); err != nil {
		return err
	}
	return c.JSON(after)
}

// delistIndicator answers POST /v1/indicators/:key/delist (police) with a
// required reason. Filters cannot delete, so the store's record now
// rejects the filter hit; a later rebuild compacts the filter.
func (s *Server) delistIndicator(c *fiber.Ctx) error {
	key, err := pathKey(c)
	if err != nil {
		return err
	}
	var req statusRequest
	if err := decodeOptional(c.Body(), &req); err != nil {
		return err
	}
	reason := strings.TrimSpace(req.Reason)
	if reason == "" {
		return badRequest(`delisting needs {"reason": "..."}`)
	}
	name, _ := actor(c)
	now := s.cfg.Now().UTC()
	before, after, err := s.cfg.Store.Update(c.UserContext(), key, func(r *indicators.Record, exists bool) error {
		if !exists {
			return fmt.Errorf("indicator %s: %w", key, indicators.ErrNotFound)
		}
		r.Status, r.Note, r.UpdatedAt = indicators.StatusDelisted, "delisted by "+name+": "+reason, now
		return nil
	})
	if err != nil {
		return fmt.Errorf("api: delist indicator: %w", err)
	}
	s.cfg.Engine.Invalidate(key)
	s.prefixes.touch([]indicators.Key{key})
	if err := s.audit(c, ActionIndicatorDelist, string(key), before, after); err != nil {
		return err
	}
	return c.JSON(after)
}
