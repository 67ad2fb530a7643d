package api

import (
	_ "embed"
	"net/http"

	"github.com/gofiber/fiber/v2"
)

// openAPIDoc is the OpenAPI 3.1 document of this API. TestOpenAPIMatchesRoutes
// fails when a registered route is missing from it or it names a route that
// does not exist, so the two cannot drift apart.
//
//go:embed openapi.json
var openAPIDoc []byte

// docsPage is the human API page: endpoints with curl examples.
//
//go:embed docs.html
var docsPage []byte

// OpenAPI returns the OpenAPI document (for tools that generate clients).
func OpenAPI() []byte { return append([]byte(nil), openAPIDoc...) }

func serveOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Status(http.StatusOK).Send(openAPIDoc)
}

// serveDocs serves the API page. It has no script, so its policy allows
// only its own inline style.
func serveDocs(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Status(http.StatusOK).Send(docsPage)
}
