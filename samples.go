// Package scamcheck holds what the whole module ships besides code: the
// sample feeds that `scamcheck serve` loads on first start.
package scamcheck

import (
	"embed"
	"io/fs"
)

//go:embed testdata/samples
var samples embed.FS

// Sample is one bundled feed and how to load it.
type Sample struct {
	// File is the name inside SampleFS.
	File string
	// Source is the source name recorded on its indicators.
	Source string
	// Format is the feed format name (a feeds.Format).
	Format string
	// Trusted marks an allowlist: its indicators get status trusted.
	Trusted bool
}

// Samples lists the bundled feeds, allowlist first so that a listed page
// on a trusted host is judged against a known allowlist from the start.
var Samples = []Sample{
	{File: "chongluadao-whitelist.json", Source: "sample:chongluadao-whitelist", Format: "chongluadao", Trusted: true},
	{File: "chongluadao-urls.txt", Source: "sample:chongluadao", Format: "plain"},
	{File: "chongluadao-blacklist.json", Source: "sample:chongluadao-api", Format: "chongluadao"},
	{File: "openphish.txt", Source: "sample:openphish", Format: "openphish"},
	{File: "phones-reported.csv", Source: "sample:reports-phones", Format: "csv"},
	{File: "accounts-reported.csv", Source: "sample:reports-accounts", Format: "csv"},
}

// SampleFS returns the bundled sample feeds (see testdata/samples/README.md
// for their sources and licences).
func SampleFS() fs.FS {
	sub, err := fs.Sub(samples, "testdata/samples")
	if err != nil {
		panic(err) // the path is a constant embedded above
	}
	return sub
}
