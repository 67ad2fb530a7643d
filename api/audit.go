package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/indicators"
)

// Audit actions. They are part of the audit log's format: never rename one.
const (
	ActionReportCreate     = "report.create"
	ActionReportConfirm    = "report.confirm"
	ActionReportReject     = "report.reject"
	ActionIndicatorCreate  = "indicator.create"
	ActionIndicatorConfirm = "indicator.confirm"
	ActionIndicatorTrust   = "indicator.trust"
	ActionIndicatorDelist  = "indicator.delist"
	ActionIndicatorImport  = "indicator.import"
	ActionKeyCreate        = "key.create"
	ActionKeyRevoke        = "key.revoke"
)

// Record appends one entry to log (a no-op when log is nil). The CLI
// uses it too, so that writes made outside the API are in the same log with
// the same shapes. before and after are the record, report or
// key as JSON (nil to leave out); callers must never pass contact data.
func Record(ctx context.Context, log indicators.AuditLog, e indicators.AuditEntry, before, after any) error {
	if log == nil {
		return nil
	}
	var err error
	if e.Before, err = auditJSON(before); err != nil {
		return err
	}
	if e.After, err = auditJSON(after); err != nil {
		return err
	}
	if _, err := log.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("api: audit %s %s: %w", e.Action, e.Target, err)
	}
	return nil
}

func auditJSON(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("api: audit encode: %w", err)
	}
	return b, nil
}

// audit records a write made by the request's caller.
func (s *Server) audit(c *fiber.Ctx, action, target string, before, after any) error {
	name, role := actor(c)
	e := indicators.AuditEntry{Time: s.cfg.Now().UTC(), Actor: name, Role: role, Action: action, Target: target}
	return Record(c.UserContext(), s.cfg.Audit, e, before, after)
}

// listAudit answers GET /v1/audit?target=&cursor=&limit= (admin).
func (s *Server) listAudit(c *fiber.Ctx) error {
	if s.cfg.Audit == nil {
		return notConfigured("audit")
	}
	f := indicators.AuditFilter{Target: c.Query("target"), Cursor: c.Query("cursor")}
	var err error
	if f.Limit, err = queryLimit(c); err != nil {
		return err
	}
	page, err := s.cfg.Audit.ListAudit(c.UserContext(), f)
	if err != nil {
		return fmt.Errorf("api: list audit: %w", err)
	}
	if page.Entries == nil {
		page.Entries = []indicators.AuditEntry{}
	}
	return c.JSON(page)
}

// queryLimit parses ?limit= (1 to 1000; 0 when absent, for the default).
func queryLimit(c *fiber.Ctx) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, badRequest("limit: want 1 to 1000")
	}
	return n, nil
}
