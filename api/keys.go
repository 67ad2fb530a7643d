package api

import (
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/indicators"
)

// keyRequest is the body of POST /v1/keys.
type keyRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// createdKey is the answer to POST /v1/keys: the only time the secret is
// shown.
type createdKey struct {
	indicators.APIKey
	Secret string `json:"secret"`
}

// listKeys answers GET /v1/keys (admin): every key, revoked ones included,
// never a secret or its hash.
func (s *Server) listKeys(c *fiber.Ctx) error {
	if s.cfg.Keys == nil {
		return notConfigured("key")
	}
	keys, err := s.cfg.Keys.ListKeys(c.UserContext())
	if err != nil {
		return fmt.Errorf("api: list keys: %w", err)
	}
	if keys == nil {
		keys = []indicators.APIKey{}
	}
	return c.JSON(fiber.Map{"keys": keys})
}

// createKey answers POST /v1/keys {"name","role"} (admin) with 201 and the
// secret, shown once.
func (s *Server) createKey(c *fiber.Ctx) error {
	if s.cfg.Keys == nil {
		return notConfigured("key")
	}
	var req keyRequest
	if err := decodeJSON(c.Body(), &req); err != nil {
		return err
	}
	k, secret, err := NewAPIKey(req.Name, indicators.Role(req.Role), s.cfg.Now())
	if err != nil {
		return err
	}
	if err := s.cfg.Keys.CreateKey(c.UserContext(), k); err != nil {
		return fmt.Errorf("api: create key: %w", err)
	}
	if err := s.audit(c, ActionKeyCreate, k.ID, nil, k); err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(createdKey{APIKey: k, Secret: secret})
}

// revokeKey answers POST /v1/keys/:id/revoke (admin); :id may also be the
// key's name. The key stops working here at once and on other replicas
// within KeyCacheTTL.
func (s *Server) revokeKey(c *fiber.Ctx) error {
	if s.cfg.Keys == nil {
		return notConfigured("key")
	}
	id := c.Params("id")
	if err := validID(id); err != nil {
		return err
	}
	k, err := s.cfg.Keys.RevokeKey(c.UserContext(), id, s.cfg.Now().UTC())
	if err != nil {
		return fmt.Errorf("api: revoke key: %w", err)
	}
	s.keys.forgetID(k.ID)
	if err := s.audit(c, ActionKeyRevoke, k.ID, nil, k); err != nil {
		return err
	}
	return c.JSON(k)
}
