package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/scamcheck/scamcheck/feeds"
	"github.com/scamcheck/scamcheck/indicators"
)

func (m *Main) runExport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	format := fs.String("format", "plain", "stix (STIX 2.1 bundle), plain (one value per line) or csv")
	kind := fs.String("kind", "", "only this kind: phone, bank_account, domain, url")
	status := fs.String("status", "", "only this status: reported, confirmed, delisted or trusted (default: reported and confirmed)")
	out := fs.String("out", "", "write to FILE (replaced only once the export is complete) instead of stdout")
	cfg := m.storeFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "usage: scamcheck export [--format stix|plain|csv] [--kind K] [--status S] [--out FILE] [--data DIR | --redis URL]")
		fmt.Fprintln(m.Stderr, "\nExports the current indicators in a format `scamcheck import` reads back to the same keys.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitError{code: 2}
	}
	var opts feeds.ExportOptions
	var err error
	if opts.Format, err = feeds.ParseFormat(*format); err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	if *kind != "" {
		if opts.Kind, err = indicators.ParseKind(*kind); err != nil {
			return fmt.Errorf("--kind: %w", err)
		}
	}
	if *status != "" {
		if opts.Status, err = indicators.ParseStatus(*status); err != nil {
			return fmt.Errorf("--status: %w", err)
		}
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	if *out == "" {
		_, err := feeds.Export(ctx, b.Store, m.Stdout, opts)
		return err
	}
	var n int
	err = writeFileAtomic(*out, func(w io.Writer) (err error) {
		n, err = feeds.Export(ctx, b.Store, w, opts)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "exported %d indicators to %s\n", n, *out)
	return nil
}
