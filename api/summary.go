package api

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/summary"
)

// getSummary answers GET /v1/summary?from=&to= (police/admin): the periodic
// report of the days [from, to] in Vietnam time, as JSON. It walks every
// report of the store, so it is for a few people a quarter, not a
// dashboard to poll.
func (s *Server) getSummary(c *fiber.Ctx) error {
	if s.cfg.Reports == nil {
		return notConfigured("report")
	}
	from, to := c.Query("from"), c.Query("to")
	switch {
	case from == "":
		return badRequest("query parameter from (YYYY-MM-DD) is required")
	case to == "":
		return badRequest("query parameter to (YYYY-MM-DD) is required")
	}
	src := summary.Sources{Reports: s.cfg.Reports, Records: s.cfg.Store, Audit: s.cfg.Audit,
		Stats: s.cfg.Stats, Partners: s.cfg.Partners, Lookalikes: s.cfg.Lookalikes,
		Location: s.cfg.Location, Now: s.cfg.Now}
	out, err := summary.Build(c.UserContext(), src, from, to)
	if re, ok := errors.AsType[*summary.RangeError](err); ok {
		return badRequest("%s", re.Message)
	}
	if err != nil {
		return fmt.Errorf("api: summary: %w", err)
	}
	return c.JSON(out)
}
