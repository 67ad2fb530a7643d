package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/scamcheck/scamcheck/summary"
)

// runReport writes the periodic report of a range of days. It reads the
// store directly, so it works with the server stopped (embedded) or beside
// running replicas (Redis).
func (m *Main) runReport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	from := fs.String("from", "", "first day of the period, YYYY-MM-DD (Vietnam time)")
	to := fs.String("to", "", "last day of the period, YYYY-MM-DD, included")
	format := fs.String("format", "html", "html (one self-contained file, prints to A4), csv or json")
	out := fs.String("out", "", "write to FILE (replaced only once the report is complete) instead of stdout")
	cfg := m.storeFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "usage: scamcheck report --from YYYY-MM-DD --to YYYY-MM-DD [--format html|csv|json] [--out FILE] [--data DIR | --redis URL]")
		fmt.Fprintln(m.Stderr, "\nSummarises reports, checks, confirmations, delistings and freeze requests of the period.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if fs.NArg() > 0 || *from == "" || *to == "" {
		if fs.NArg() == 0 {
			fmt.Fprintln(m.Stderr, "scamcheck report: --from and --to are required")
		}
		fs.Usage()
		return exitError{code: 2}
	}
	f, err := summary.ParseFormat(*format)
	if err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	// The range is checked before the store is opened, so that a typo
	// does not wait for the store's lock.
	if _, _, err := summary.ParseRange(*from, *to, vietnam); err != nil {
		return fmt.Errorf("--from/--to: %w", err)
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	stores := storesOf(b)
	src := summary.Sources{Reports: stores, Records: b.Store, Audit: stores, Stats: stores, Partners: partnerStoreOf(b)}
	looks, err := newLookalikes(ctx, b.Store)
	if err != nil {
		return err
	}
	src.Lookalikes = looks
	s, err := summary.Build(ctx, src, *from, *to)
	if err != nil {
		return err
	}
	if *out == "" {
		return summary.Write(m.Stdout, s, f)
	}
	if err := writeFileAtomic(*out, func(w io.Writer) error { return summary.Write(w, s, f) }); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "report %s to %s: %d reports, written to %s\n", *from, *to, s.Reports, *out)
	return nil
}

// vietnam is the zone of the centre's days, the API's default Location.
var vietnam = time.FixedZone("ICT", 7*3600)

// writeFileAtomic writes through a temporary file beside path and renames
// it into place, so that a failed report or export leaves the old file.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}
