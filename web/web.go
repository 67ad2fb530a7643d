// Package web holds the citizen page, the personal-data notice and the
// statistics dashboard: plain HTML, CSS and JavaScript embedded in the
// binary, so that `scamcheck serve` needs no files on disk and the pages
// make no request to any host but their own (no CDN, font or tracker).
//
// The package knows nothing of HTTP frameworks: api serves FS at the paths
// in Pages and under AssetPrefix, with the CSP below.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// FS returns the static files: the pages named in Pages and the assets
// they load (CSS, JS, the icon), rooted so that "app.css" is a file name.
func FS() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		// fs.Sub fails only on an invalid path, and "static" is a constant.
		panic(err)
	}
	return sub
}

// Page is one HTML page and the URL path it is served at.
type Page struct {
	// Path is the URL path ("/dashboard").
	Path string
	// File is the file name in FS ("dashboard.html").
	File string
}

// Pages are the HTML pages. The notice is served under both its English
// and Vietnamese paths, since a citizen may type either.
var Pages = []Page{
	{Path: "/", File: "index.html"},
	{Path: "/privacy", File: "privacy.html"},
	{Path: "/quyen-rieng-tu", File: "privacy.html"},
	{Path: "/dashboard", File: "dashboard.html"},
	{Path: "/quiz", File: "quiz.html"},
	{Path: "/nhan-biet-lua-dao", File: "quiz.html"},
}

// AssetPrefix is the URL path under which every file of FS is served
// ("/static/app.css").
const AssetPrefix = "/static/"

// CSP is the Content-Security-Policy of the pages: scripts, styles and
// images only from the same origin, fetches only to the same origin, no
// inline script or style. Pages build their charts as SVG elements with
// presentation attributes, which this policy allows.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
