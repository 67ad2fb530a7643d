package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gorilla/feeds"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/webhooks"
)

// Early warnings. Drafts come from the trend detector or from police
// (POST /v1/warnings); nothing reaches citizens until police or an admin
// publish one, which also enqueues a warning.published delivery for every
// partner subscribed to warnings. Citizens read published warnings on
// GET /v1/warnings (the "Cảnh báo mới" section of the citizen page) and in
// the Atom feed /warnings.atom. A published warning whose ExpiresAt has
// passed is shown nowhere, as if expired, without a write.

// Audit actions of warnings.
const (
	ActionWarningCreate  = "warning.create"
	ActionWarningPublish = "warning.publish"
	ActionWarningExpire  = "warning.expire"
)

// feedEntries bounds the Atom feed and the ?latest= listing: readers want
// the current waves, not the archive.
const feedEntries = 50

// maxWarningWalk bounds how many published warnings the feed and ?latest=
// read (pages of the maximum size), so that a runaway archive cannot make
// them scan without end.
const maxWarningWalk = 20 * indicators.MaxPageLimit

// warningRoutes registers the warning endpoints; routes calls it after
// authentication.
func (s *Server) warningRoutes(app *fiber.App) {
	app.Get("/warnings.atom", s.warningsAtom)
	app.Get("/v1/warnings", s.listWarnings)
	app.Post("/v1/warnings", require(indicators.RolePolice), s.createWarning)
	app.Post("/v1/warnings/:id/publish", require(indicators.RolePolice), s.publishWarning)
	app.Post("/v1/warnings/:id/expire", require(indicators.RolePolice), s.expireWarning)
}

// NewWarningID returns a warning id that sorts by creation time, like
// report ids: the time in fixed-width hex and random bits against
// collisions between replicas (and the detector).
func NewWarningID(now time.Time) (string, error) {
	var r [4]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("api: warning id: %w", err)
	}
	return fmt.Sprintf("wrn_%016x%s", uint64(now.UnixNano()), hex.EncodeToString(r[:])), nil
}

// warningRequest is the body of POST /v1/warnings.
type warningRequest struct {
	TitleVI  string `json:"title_vi"`
	TitleEN  string `json:"title_en"`
	BodyVI   string `json:"body_vi"`
	BodyEN   string `json:"body_en"`
	Severity string `json:"severity"`
	Category string `json:"category"`
	// Indicators are the phones, accounts, domains or links the warning
	// is about: canonical keys ("phone:+84912345678") or raw input, which
	// is normalized as a check would.
	Indicators []string  `json:"indicators"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// warning turns the request into a draft, refusing what the store would
// refuse with a message naming the field.
func (wr *warningRequest) warning(id, author string, now time.Time) (indicators.Warning, error) {
	w := indicators.Warning{ID: id, TitleVI: strings.TrimSpace(wr.TitleVI), TitleEN: strings.TrimSpace(wr.TitleEN),
		BodyVI: strings.TrimSpace(wr.BodyVI), BodyEN: strings.TrimSpace(wr.BodyEN),
		Severity: indicators.Severity(strings.ToLower(strings.TrimSpace(wr.Severity))),
		Status:   indicators.WarningDraft, Author: author, CreatedAt: now, ExpiresAt: wr.ExpiresAt.UTC()}
	if w.TitleVI == "" && w.TitleEN == "" {
		return w, badRequest("title_vi: a warning needs a title")
	}
	if w.Severity == "" {
		return w, badRequest("severity: required (info, warning or critical)")
	}
	if !w.Severity.Valid() {
		return w, badRequest("severity: unknown %q (want info, warning or critical)", truncate(wr.Severity, 40))
	}
	if c := strings.TrimSpace(wr.Category); c != "" {
		// Strict, unlike reports (where a citizen's guess maps to
		// "other"): police choose from the list.
		w.Category = indicators.Category(strings.ToLower(c))
		if !w.Category.Valid() {
			return w, badRequest("category: unknown %q", truncate(c, 40))
		}
	}
	if !wr.ExpiresAt.IsZero() && !wr.ExpiresAt.After(now) {
		return w, badRequest("expires_at: must be in the future")
	}
	if len(wr.Indicators) > indicators.MaxWarningKeys {
		return w, badRequest("indicators: at most %d", indicators.MaxWarningKeys)
	}
	for _, raw := range wr.Indicators {
		k, err := warningKey(raw)
		if err != nil {
			return w, err
		}
		if !slices.Contains(w.Keys, k) {
			w.Keys = append(w.Keys, k)
		}
	}
	return w, w.Validate()
}

// warningKey reads one indicator of a warning: a canonical key as it is,
// anything else normalized.
func warningKey(raw string) (indicators.Key, error) {
	raw = strings.TrimSpace(raw)
	if k, err := indicators.ParseKey(raw); err == nil {
		return k, nil
	}
	p, err := indicators.Parse(raw)
	if err != nil {
		return "", err
	}
	return p.Key, nil
}

// createWarning answers POST /v1/warnings (police, admin): it stores a
// draft and answers 201 with it.
func (s *Server) createWarning(c *fiber.Ctx) error {
	if s.cfg.Warnings == nil {
		return notConfigured("warning")
	}
	var req warningRequest
	if err := decodeJSON(c.Body(), &req); err != nil {
		return err
	}
	now := s.cfg.Now().UTC()
	id, err := NewWarningID(now)
	if err != nil {
		return err
	}
	author, _ := actor(c)
	w, err := req.warning(id, author, now)
	if err != nil {
		return err
	}
	if err := s.cfg.Warnings.CreateWarning(c.UserContext(), w); err != nil {
		return fmt.Errorf("api: create warning: %w", err)
	}
	if err := s.audit(c, ActionWarningCreate, "warning:"+w.ID, nil, w); err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(w)
}

// errWrongState refuses a transition from the warning's current status.
func errWrongState(w *indicators.Warning, to string) error {
	return fmt.Errorf("warning %s is %s and cannot be %s: %w", w.ID, w.Status, to, indicators.ErrConflict)
}

// publishWarning answers POST /v1/warnings/:id/publish (police, admin). A
// draft becomes published; any other status is a 409, so that a warning
// is published (and sent to partners) once. The partner deliveries are
// enqueued before the reply: a 2xx means they are in the outbox. If that
// fails the answer is 503 with the warning already published; publishing
// again then gives 409, and the deliveries are enqueued by
// `scamcheck warnings publish` (which enqueues for a published warning
// too).
func (s *Server) publishWarning(c *fiber.Ctx) error {
	if s.cfg.Warnings == nil {
		return notConfigured("warning")
	}
	id := c.Params("id")
	if err := validID(id); err != nil {
		return err
	}
	ctx := c.UserContext()
	now := s.cfg.Now().UTC()
	who, _ := actor(c)
	var before indicators.Warning
	w, err := s.cfg.Warnings.UpdateWarning(ctx, id, func(w *indicators.Warning) error {
		before = *w
		if w.Status != indicators.WarningDraft {
			return errWrongState(w, "published")
		}
		if !w.ExpiresAt.IsZero() && !w.ExpiresAt.After(now) {
			return fmt.Errorf("warning %s expired at %s before it was published: %w", w.ID, w.ExpiresAt.Format(time.RFC3339), indicators.ErrConflict)
		}
		w.Status, w.PublishedAt, w.PublishedBy = indicators.WarningPublished, now, who
		return nil
	})
	if err != nil {
		return fmt.Errorf("api: publish warning: %w", err)
	}
	if err := s.audit(c, ActionWarningPublish, "warning:"+w.ID, before, w); err != nil {
		return err
	}
	if err := s.enqueueWarning(ctx, &w); err != nil {
		return err
	}
	return c.JSON(w)
}

// enqueueWarning puts the publication of w in the partner outbox; a nil
// partner store sends nothing.
func (s *Server) enqueueWarning(ctx context.Context, w *indicators.Warning) error {
	if s.cfg.Partners == nil {
		return nil
	}
	if _, err := webhooks.EnqueueWarning(ctx, s.cfg.Partners, w); err != nil {
		return fmt.Errorf("api: %w", err)
	}
	return nil
}

// expireWarning answers POST /v1/warnings/:id/expire (police, admin): a
// draft or published warning becomes expired and leaves the citizen page
// and the feed. Expiring an expired warning is a 409.
func (s *Server) expireWarning(c *fiber.Ctx) error {
	if s.cfg.Warnings == nil {
		return notConfigured("warning")
	}
	id := c.Params("id")
	if err := validID(id); err != nil {
		return err
	}
	now := s.cfg.Now().UTC()
	var before indicators.Warning
	w, err := s.cfg.Warnings.UpdateWarning(c.UserContext(), id, func(w *indicators.Warning) error {
		before = *w
		if w.Status == indicators.WarningExpired {
			return errWrongState(w, "expired")
		}
		w.Status = indicators.WarningExpired
		if w.ExpiresAt.IsZero() || w.ExpiresAt.After(now) {
			w.ExpiresAt = now
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("api: expire warning: %w", err)
	}
	if err := s.audit(c, ActionWarningExpire, "warning:"+w.ID, before, w); err != nil {
		return err
	}
	return c.JSON(w)
}

// current reports whether a published warning is still shown at now.
func current(w *indicators.Warning, now time.Time) bool {
	return w.Status == indicators.WarningPublished && (w.ExpiresAt.IsZero() || w.ExpiresAt.After(now))
}

// listWarnings answers GET /v1/warnings (public): published warnings that
// have not run out. Two forms:
//
//	?cursor=&limit=   pages in id (creation) order, oldest first; a page
//	                  can hold fewer than limit when some ran out
//	?latest=N         the N (1 to 50) newest, newest first, in one answer:
//	                  what the citizen page shows
func (s *Server) listWarnings(c *fiber.Ctx) error {
	if s.cfg.Warnings == nil {
		return notConfigured("warning")
	}
	now := s.cfg.Now()
	if v := c.Query("latest"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > feedEntries {
			return badRequest("latest: want 1 to %d", feedEntries)
		}
		ws, err := s.latestWarnings(c.UserContext(), n)
		if err != nil {
			return err
		}
		return c.JSON(indicators.WarningPage{Warnings: ws})
	}
	f := indicators.WarningFilter{Status: indicators.WarningPublished, Cursor: c.Query("cursor")}
	var err error
	if f.Limit, err = queryLimit(c); err != nil {
		return err
	}
	page, err := s.cfg.Warnings.ListWarnings(c.UserContext(), f)
	if err != nil {
		return fmt.Errorf("api: list warnings: %w", err)
	}
	shown := []indicators.Warning{}
	for i := range page.Warnings {
		if current(&page.Warnings[i], now) {
			shown = append(shown, page.Warnings[i])
		}
	}
	page.Warnings = shown
	return c.JSON(page)
}

// latestWarnings returns the n newest current warnings, newest first. It
// walks the published warnings in id order (the store pages only forward),
// which is cheap: warnings are published by hand, a few a week.
func (s *Server) latestWarnings(ctx context.Context, n int) ([]indicators.Warning, error) {
	now := s.cfg.Now()
	out := []indicators.Warning{}
	f := indicators.WarningFilter{Status: indicators.WarningPublished, Limit: indicators.MaxPageLimit}
	for read := 0; read < maxWarningWalk; {
		page, err := s.cfg.Warnings.ListWarnings(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("api: list warnings: %w", err)
		}
		read += len(page.Warnings)
		for i := range page.Warnings {
			if current(&page.Warnings[i], now) {
				out = append(out, page.Warnings[i])
			}
		}
		if len(out) > n {
			out = out[len(out)-n:]
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	slices.Reverse(out)
	return out, nil
}

// warningsAtom answers GET /warnings.atom: the newest published warnings
// as an Atom 1.0 feed, for news sites, partners' apps and feed readers.
// Links are absolute URLs on the host the request came to; ids are URNs
// that do not depend on it.
func (s *Server) warningsAtom(c *fiber.Ctx) error {
	if s.cfg.Warnings == nil {
		return notConfigured("warning")
	}
	ws, err := s.latestWarnings(c.UserContext(), feedEntries)
	if err != nil {
		return err
	}
	body, err := WarningsAtom(ws, c.BaseURL(), s.cfg.Now())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/atom+xml; charset=utf-8")
	return c.SendString(body)
}

// WarningsAtom renders warnings (newest first) as an Atom 1.0 document
// whose links start with base ("https://scamcheck.example"). The feed's
// updated time is the newest publication, or now when there is none.
// Entries carry the Vietnamese title and text first and the English after
// them, as text (not HTML), so that nothing a warning says can inject
// markup into a reader.
func WarningsAtom(ws []indicators.Warning, base string, now time.Time) (string, error) {
	base = strings.TrimRight(base, "/")
	updated := now.UTC()
	if len(ws) > 0 {
		updated = ws[0].PublishedAt.UTC()
		for i := range ws {
			if ws[i].PublishedAt.After(updated) {
				updated = ws[i].PublishedAt.UTC()
			}
		}
	}
	f := &feeds.Feed{
		Title:       "Cảnh báo lừa đảo mới — Scam warnings",
		Link:        &feeds.Link{Href: base + "/warnings.atom", Rel: "self"},
		Description: "Cảnh báo của trung tâm phòng chống lừa đảo — warnings from the anti-fraud centre",
		Author:      &feeds.Author{Name: "scamcheck"},
		Updated:     updated,
	}
	af := (&feeds.Atom{Feed: f}).AtomFeed()
	// Ids do not depend on the host the feed was fetched from, so a reader
	// that reaches the server by two names sees one feed, not two.
	af.Id = "urn:scamcheck:warnings"
	for i := range ws {
		w := &ws[i]
		title := w.TitleVI
		if title == "" {
			title = w.TitleEN
		} else if w.TitleEN != "" {
			title += " / " + w.TitleEN
		}
		text := strings.TrimSpace(w.BodyVI + "\n\n" + w.BodyEN)
		e := &feeds.AtomEntry{
			Title:     title,
			Id:        "urn:scamcheck:warning:" + w.ID,
			Updated:   w.PublishedAt.UTC().Format(time.RFC3339),
			Published: w.PublishedAt.UTC().Format(time.RFC3339),
			Links:     []feeds.AtomLink{{Href: base + "/#canh-bao", Rel: "alternate", Type: "text/html"}},
		}
		if text != "" {
			e.Summary = &feeds.AtomSummary{Content: text, Type: "text"}
		}
		af.Entries = append(af.Entries, e)
	}
	out, err := feeds.ToXML(af)
	if err != nil {
		return "", fmt.Errorf("api: atom feed: %w", err)
	}
	return out, nil
}
