package api

import (
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/web"
)

// webFile is one embedded file ready to send.
type webFile struct {
	body        []byte
	contentType string
}

// webFiles are the files of web.FS read once at start: they are small, and
// serving them from memory keeps a page load off the disk and the fs.FS.
var webFiles = mustLoadWeb(web.FS())

// webTypes are the content types of the file kinds the pages use; a file
// of another kind is not served, so nothing is ever sniffed.
var webTypes = map[string]string{
	".html": fiber.MIMETextHTMLCharsetUTF8,
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
}

func mustLoadWeb(fsys fs.FS) map[string]webFile {
	files := map[string]webFile{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := webTypes[path.Ext(p)]
		if !ok {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files[p] = webFile{body: b, contentType: ct}
		return nil
	})
	if err != nil {
		// The files are embedded: failing to read them is a build defect.
		panic(fmt.Sprintf("api: load web files: %v", err))
	}
	return files
}

// webRoutes registers the citizen page, the notice, the dashboard and
// their assets. They are registered before the rate limiter and
// authentication: they are static, cheap, and need no key.
func (s *Server) webRoutes(app *fiber.App) {
	for _, p := range web.Pages {
		f, ok := webFiles[p.File]
		if !ok {
			panic("api: web page " + p.File + " is not embedded")
		}
		app.Get(p.Path, servePage(f))
	}
	app.Get(strings.TrimSuffix(web.AssetPrefix, "/")+"/*", serveAsset)
}

// servePage sends an HTML page with the pages' own policy (scripts and
// styles from this origin only), replacing the API's deny-all default.
func servePage(f webFile) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, f.contentType)
		c.Set(fiber.HeaderContentSecurityPolicy, web.CSP)
		// Revalidated on each visit so a new release shows at once.
		c.Set(fiber.HeaderCacheControl, "no-cache")
		return c.Status(http.StatusOK).Send(f.body)
	}
}

// serveAsset sends a file under web.AssetPrefix. HTML files are pages and
// only served at their own paths.
func serveAsset(c *fiber.Ctx) error {
	name := c.Params("*")
	f, ok := webFiles[name]
	if !ok || path.Ext(name) == ".html" {
		return errorf(http.StatusNotFound, CodeNotFound, "no such file")
	}
	c.Set(fiber.HeaderContentType, f.contentType)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Status(http.StatusOK).Send(f.body)
}
