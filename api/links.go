package api

import (
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/indicators"
)

// LinkGraphs answers the police view of linked indicators
// (indicators.Links implements it).
type LinkGraphs interface {
	Graph(ctx context.Context, key indicators.Key) (indicators.LinkGraph, error)
}

// getLinks answers GET /v1/indicators/:key/links (police): the reports
// naming the indicator (ids, statuses, the keys they name) and every
// linked key with its status. Never a reporter or contact: police read
// those per report, at GET /v1/reports/{id}, which is where access to them
// is decided.
func (s *Server) getLinks(c *fiber.Ctx) error {
	if s.cfg.Links == nil {
		return notConfigured("link")
	}
	key, err := pathKey(c)
	if err != nil {
		return err
	}
	g, err := s.cfg.Links.Graph(c.UserContext(), key)
	if err != nil {
		return fmt.Errorf("api: links: %w", err)
	}
	return c.JSON(g)
}
