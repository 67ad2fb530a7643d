package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/trends"
)

// reportRequest is the body of POST /v1/reports. It names one or several
// indicators (any of the kind fields), says how the report came in, and may
// carry the reporter's contact, which is stored apart and shown only to
// police.
type reportRequest struct {
	Q           string          `json:"q"`
	Phone       string          `json:"phone"`
	Bank        string          `json:"bank"`
	Account     string          `json:"account"`
	Domain      string          `json:"domain"`
	URL         string          `json:"url"`
	Channel     string          `json:"channel"`
	Category    string          `json:"category"`
	Description string          `json:"description"`
	AmountVND   int64           `json:"amount_vnd"`
	HappenedAt  time.Time       `json:"happened_at"`
	HolderName  string          `json:"holder_name"`
	Contact     *contactRequest `json:"contact"`
	// Reporter is an opaque id of the person that an app or a hotline
	// operator gives (e.g. a hash of the caller's number), so that one
	// person's repeated reports count once in trend detection. Default:
	// the client IP. Never stored: the detector keeps a keyed hash.
	Reporter string `json:"reporter"`
}

// maxReporter bounds the reporter id of a report.
const maxReporter = 200

type contactRequest struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// Bounds on contact fields.
const maxContactField = 200

// keys normalizes every indicator the report names, in field order,
// without duplicates.
func (rr *reportRequest) keys() ([]indicators.Key, error) {
	var keys []indicators.Key
	add := func(k indicators.Key) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	type field struct {
		value string
		kind  indicators.Kind
	}
	for _, f := range []field{{rr.Q, ""}, {rr.Phone, indicators.KindPhone}, {rr.Domain, indicators.KindDomain}, {rr.URL, indicators.KindURL}} {
		if strings.TrimSpace(f.value) == "" {
			continue
		}
		var p indicators.Parsed
		var err error
		if f.kind == "" {
			p, err = indicators.Parse(f.value)
		} else {
			p, err = indicators.ParseAs(f.kind, f.value)
		}
		if err != nil {
			return nil, err
		}
		add(p.Key)
	}
	if rr.Bank != "" || rr.Account != "" {
		if strings.TrimSpace(rr.Bank) == "" {
			return nil, &indicators.InputError{Code: indicators.CodeMissingBank, Message: "give the bank with the account"}
		}
		k, err := indicators.NormalizeBankAccount(rr.Bank, rr.Account)
		if err != nil {
			return nil, err
		}
		add(k)
	}
	if len(keys) == 0 {
		return nil, &indicators.InputError{Code: indicators.CodeEmpty,
			Message: "a report names at least one of q, phone, bank with account, domain or url"}
	}
	return keys, nil
}

// newReportID returns a report id that sorts by creation time: the time in
// fixed-width hex and random bits against collisions between replicas.
func newReportID(now time.Time) (string, error) {
	var r [4]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("api: report id: %w", err)
	}
	return fmt.Sprintf("rep_%016x%s", uint64(now.UnixNano()), hex.EncodeToString(r[:])), nil
}

// validID accepts ids of reports and keys in paths: short, and made of
// characters ids are made of.
func validID(id string) error {
	if id == "" || len(id) > 100 || strings.ContainsFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) {
		return badRequest("malformed id")
	}
	return nil
}

// createReport answers POST /v1/reports: it stores the report (and its
// contact, apart), then counts one more report on each indicator it names,
// creating reported indicators as needed, and publishes them to the
// filters. 201 {"id": ...} only once the store has everything.
func (s *Server) createReport(c *fiber.Ctx) error {
	if s.cfg.Reports == nil {
		return notConfigured("report")
	}
	var req reportRequest
	if err := decodeJSON(c.Body(), &req); err != nil {
		return err
	}
	keys, err := req.keys()
	if err != nil {
		return err
	}
	now := s.cfg.Now().UTC()
	id, err := newReportID(now)
	if err != nil {
		return err
	}
	ch := indicators.Channel(strings.ToLower(strings.TrimSpace(req.Channel)))
	if ch == "" {
		ch = indicators.ChannelWeb
	}
	cat := indicators.ParseCategory(req.Category)
	rep := indicators.Report{ID: id, Channel: ch, Status: indicators.ReportPending, Keys: keys,
		Category: cat, Description: strings.TrimSpace(req.Description), AmountVND: req.AmountVND,
		HappenedAt: req.HappenedAt.UTC(), HolderName: strings.TrimSpace(req.HolderName), CreatedAt: now}
	if req.HappenedAt.IsZero() {
		rep.HappenedAt = time.Time{}
	}
	if err := rep.Validate(); err != nil {
		return err
	}
	var contact *indicators.Contact
	if req.Contact != nil {
		cr := req.Contact
		if len(cr.Name) > maxContactField || len(cr.Phone) > maxContactField || len(cr.Email) > maxContactField {
			return badRequest("contact fields are at most %d bytes", maxContactField)
		}
		contact = &indicators.Contact{ReportID: id, Name: strings.TrimSpace(cr.Name),
			Phone: strings.TrimSpace(cr.Phone), Email: strings.TrimSpace(cr.Email), CreatedAt: now}
		if contact.Empty() {
			contact = nil
		}
	}
	rep.HasContact = contact != nil
	if len(req.Reporter) > maxReporter {
		return badRequest("reporter is at most %d bytes", maxReporter)
	}
	ctx := c.UserContext()
	if err := s.cfg.Reports.CreateReport(ctx, rep, contact); err != nil {
		return fmt.Errorf("api: create report: %w", err)
	}
	source := "citizen:" + string(ch)
	for _, k := range keys {
		if _, _, err := s.cfg.Store.Update(ctx, k, func(r *indicators.Record, exists bool) error {
			countReport(r, exists, k, source, &rep, now)
			return nil
		}); err != nil {
			return fmt.Errorf("api: count report on indicator: %w", err)
		}
	}
	if err := s.enqueueReported(ctx, &rep); err != nil {
		return err
	}
	if err := s.publish(ctx, keys); err != nil {
		return err
	}
	s.cfg.CheckStats.recordReport(ch)
	if err := s.audit(c, ActionReportCreate, id, nil, rep); err != nil {
		return err
	}
	s.feedTrends(ctx, c, &req, &rep)
	return c.Status(http.StatusCreated).JSON(fiber.Map{"id": id, "keys": keys})
}

// feedTrends tells the trend detector about an accepted report. The
// reporter is the id the client gave, else its IP; the two are kept apart
// so that an id cannot pose as an address. A detector failure is logged:
// the report is stored and must not fail for it.
func (s *Server) feedTrends(ctx context.Context, c *fiber.Ctx, req *reportRequest, rep *indicators.Report) {
	if s.cfg.Trends == nil {
		return
	}
	who := "ip:" + c.IP()
	if r := strings.TrimSpace(req.Reporter); r != "" {
		who = "id:" + r
	}
	ev := trends.ReportEvent{Keys: rep.Keys, Reporter: who, HolderName: rep.HolderName, Category: rep.Category, At: rep.CreatedAt}
	if err := s.cfg.Trends.Report(ctx, ev); err != nil {
		s.logger.Warn("api: trend detection", "err", err)
	}
}

// countReport adds one citizen report to an indicator record, creating a
// reported record when there is none. It leaves the status alone: a report
// on a confirmed, trusted or delisted indicator is for police to weigh.
func countReport(r *indicators.Record, exists bool, k indicators.Key, source string, rep *indicators.Report, now time.Time) {
	holder := ""
	if kind := k.Kind(); kind == indicators.KindPhone || kind == indicators.KindBankAccount {
		holder = rep.HolderName
	}
	if !exists {
		*r = indicators.NewRecord(k, source, now)
		r.Category, r.HolderName = rep.Category, holder
		return
	}
	r.Reports++
	if i := slices.IndexFunc(r.Sources, func(s indicators.Source) bool { return s.Name == source }); i >= 0 {
		r.Sources[i].LastSeen = now
	} else {
		r.Sources = append(r.Sources, indicators.Source{Name: source, FirstSeen: now, LastSeen: now})
	}
	if now.After(r.LastSeen) {
		r.LastSeen = now
	}
	if r.Category == "" {
		r.Category = rep.Category
	}
	if r.HolderName == "" {
		r.HolderName = holder
	}
	r.UpdatedAt = now
}

// publish makes written keys visible to filters and drops this process's
// cached answers for them.
func (s *Server) publish(ctx context.Context, keys []indicators.Key) error {
	s.cfg.Engine.Invalidate(keys...)
	s.prefixes.touch(keys)
	if s.cfg.Publisher == nil || len(keys) == 0 {
		return nil
	}
	if err := s.cfg.Publisher.Publish(ctx, keys); err != nil {
		return fmt.Errorf("api: publish keys: %w", err)
	}
	return nil
}

// listReports answers GET /v1/reports?status=&cursor=&limit= (police).
func (s *Server) listReports(c *fiber.Ctx) error {
	if s.cfg.Reports == nil {
		return notConfigured("report")
	}
	f := indicators.ReportFilter{Status: indicators.ReportStatus(c.Query("status")), Cursor: c.Query("cursor")}
	if f.Status != "" && !f.Status.Valid() {
		return badRequest("status: want pending, confirmed or rejected")
	}
	var err error
	if f.Limit, err = queryLimit(c); err != nil {
		return err
	}
	page, err := s.cfg.Reports.ListReports(c.UserContext(), f)
	if err != nil {
		return fmt.Errorf("api: list reports: %w", err)
	}
	if page.Reports == nil {
		page.Reports = []indicators.Report{}
	}
	return c.JSON(page)
}

// reportWithContact is a report as police see it.
type reportWithContact struct {
	indicators.Report
	Contact *indicators.Contact `json:"contact,omitempty"`
}

// getReport answers GET /v1/reports/:id (police), contact included.
func (s *Server) getReport(c *fiber.Ctx) error {
	if s.cfg.Reports == nil {
		return notConfigured("report")
	}
	id := c.Params("id")
	if err := validID(id); err != nil {
		return err
	}
	ctx := c.UserContext()
	rep, err := s.cfg.Reports.GetReport(ctx, id)
	if err != nil {
		return fmt.Errorf("api: get report: %w", err)
	}
	out := reportWithContact{Report: rep}
	if rep.HasContact {
		ct, err := s.cfg.Reports.GetContact(ctx, id)
		switch {
		case err == nil:
			out.Contact = &ct
		case errors.Is(err, indicators.ErrNotFound):
			// Purged after the retention period.
		default:
			return fmt.Errorf("api: get contact: %w", err)
		}
	}
	return c.JSON(out)
}

// reviewRequest is the optional body of report confirm/reject.
type reviewRequest struct {
	Note     string `json:"note"`
	Category string `json:"category"`
}

func decodeOptional(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	return decodeJSON(body, v)
}

// confirmReport answers POST /v1/reports/:id/confirm (police): every
// indicator the report names becomes confirmed (created if needed), then
// the report is marked confirmed. The indicators go first so that a failure
// midway leaves the report pending and the confirm can be repeated.
func (s *Server) confirmReport(c *fiber.Ctx) error {
	return s.reviewReport(c, indicators.ReportConfirmed)
}

// rejectReport answers POST /v1/reports/:id/reject (police). The counts
// the report added to indicators stay: they record that it was made.
func (s *Server) rejectReport(c *fiber.Ctx) error {
	return s.reviewReport(c, indicators.ReportRejected)
}

func (s *Server) reviewReport(c *fiber.Ctx, to indicators.ReportStatus) error {
	if s.cfg.Reports == nil {
		return notConfigured("report")
	}
	id := c.Params("id")
	if err := validID(id); err != nil {
		return err
	}
	var req reviewRequest
	if err := decodeOptional(c.Body(), &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	before, err := s.cfg.Reports.GetReport(ctx, id)
	if err != nil {
		return fmt.Errorf("api: get report: %w", err)
	}
	if before.Status != indicators.ReportPending {
		return fmt.Errorf("report is already %s: %w", before.Status, indicators.ErrConflict)
	}
	name, _ := actor(c)
	now := s.cfg.Now().UTC()
	cat := indicators.ParseCategory(req.Category)
	if cat == "" {
		cat = before.Category
	}
	if to == indicators.ReportConfirmed {
		for _, k := range before.Keys {
			b, a, err := s.cfg.Store.Update(ctx, k, func(r *indicators.Record, exists bool) error {
				confirmRecord(r, exists, k, name, now)
				if r.Category == "" {
					r.Category = cat
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("api: confirm indicator: %w", err)
			}
			if err := s.enqueueConfirmed(ctx, a, &before); err != nil {
				return err
			}
			if err := s.audit(c, ActionIndicatorConfirm, string(k), recordOrNil(b), a); err != nil {
				return err
			}
		}
		if err := s.publish(ctx, before.Keys); err != nil {
			return err
		}
	}
	after, err := s.cfg.Reports.UpdateReport(ctx, id, func(r *indicators.Report) error {
		if r.Status != indicators.ReportPending {
			return fmt.Errorf("report is already %s: %w", r.Status, indicators.ErrConflict)
		}
		r.Status, r.ReviewedAt, r.ReviewedBy, r.ReviewNote = to, now, name, strings.TrimSpace(req.Note)
		if r.Category == "" {
			r.Category = cat
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("api: update report: %w", err)
	}
	action := ActionReportConfirm
	if to == indicators.ReportRejected {
		action = ActionReportReject
	}
	if err := s.audit(c, action, id, before, after); err != nil {
		return err
	}
	return c.JSON(after)
}

// confirmRecord marks a record confirmed by actor, creating it if needed.
func confirmRecord(r *indicators.Record, exists bool, k indicators.Key, actor string, now time.Time) {
	if !exists {
		*r = indicators.NewRecord(k, "police:"+actor, now)
	}
	r.Status, r.ConfirmedBy, r.ConfirmedAt, r.UpdatedAt = indicators.StatusConfirmed, actor, now, now
}

// recordOrNil gives nil for a zero record (it did not exist), so that the
// audit entry has no "before".
func recordOrNil(r indicators.Record) any {
	if r.Key == "" {
		return nil
	}
	return r
}
