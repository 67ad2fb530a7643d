package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/backend"
	"github.com/scamcheck/scamcheck/indicators"
)

const indicatorsUsage = `usage: scamcheck indicators COMMAND [flags] INPUT...

  add      add or update indicators (--source, --category, --status, --expires, --note)
  confirm  mark indicators confirmed by police (--actor, --note); creates them if missing
  delist   delist indicators (--reason required, --actor)
  trust    put indicators on the allowlist, confirmed by police (--actor, --reason)
  list     list indicators (--kind, --status, --source, --category, --limit, --cursor, --json)
`

func (m *Main) runIndicators(ctx context.Context, args []string) error {
	return m.dispatch(ctx, "indicators", indicatorsUsage, args, map[string]subcommand{
		"add":     m.indicatorsAdd,
		"confirm": func(ctx context.Context, args []string) error { return m.indicatorsSetStatus(ctx, "confirm", args) },
		"delist":  func(ctx context.Context, args []string) error { return m.indicatorsSetStatus(ctx, "delist", args) },
		"trust":   func(ctx context.Context, args []string) error { return m.indicatorsSetStatus(ctx, "trust", args) },
		"list":    m.indicatorsList,
	})
}

// parseInputs normalizes every argument, reporting each invalid one by its
// position; nothing is written unless all are valid.
func (m *Main) parseInputs(kind string, args []string) ([]indicators.Parsed, error) {
	var k indicators.Kind
	if kind != "" {
		var err error
		if k, err = indicators.ParseKind(kind); err != nil {
			return nil, fmt.Errorf("--kind: %w", err)
		}
	}
	out := make([]indicators.Parsed, 0, len(args))
	bad := 0
	for i, a := range args {
		var p indicators.Parsed
		var err error
		if k != "" {
			p, err = indicators.ParseAs(k, a)
		} else {
			p, err = indicators.Parse(a)
		}
		if err != nil {
			bad++
			fmt.Fprintf(m.Stderr, "argument %d %q: %v\n", i+1, a, err)
			continue
		}
		out = append(out, p)
	}
	if bad > 0 {
		return nil, fmt.Errorf("%d invalid input(s); nothing was written: %w", bad, indicators.ErrInvalidInput)
	}
	return out, nil
}

func (m *Main) indicatorsAdd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("indicators add", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	kind := fs.String("kind", "", "kind of every input (default: auto-detect)")
	source := fs.String("source", "cli", "source name recorded on each indicator")
	category := fs.String("category", "", "category: scam, phishing, impersonation, investment, gambling, malware, other")
	status := fs.String("status", "reported", "status: reported, confirmed (police/admin) or trusted (allowlist)")
	expires := fs.String("expires", "", "expire unconfirmed indicators after this long (e.g. 90d, 12h)")
	note := fs.String("note", "", "note stored with new indicators")
	actor := fs.String("actor", "cli", "who is adding (recorded as confirmed_by for --status confirmed)")
	cfg := m.storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if fs.NArg() == 0 {
		return usageErr(m, "scamcheck indicators add [flags] INPUT...")
	}
	st, err := indicators.ParseStatus(*status)
	if err != nil || st == indicators.StatusDelisted {
		return fmt.Errorf("--status %q: want reported, confirmed or trusted", *status)
	}
	cat := indicators.Category(strings.ToLower(*category))
	if cat != "" && !cat.Valid() {
		return fmt.Errorf("--category %q: want one of %v", *category, indicators.Categories)
	}
	var ttl time.Duration
	if *expires != "" {
		if ttl, err = parseTTL(*expires); err != nil {
			return fmt.Errorf("--expires: %w", err)
		}
	}
	parsed, err := m.parseInputs(*kind, fs.Args())
	if err != nil {
		return err
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	store := b.Store
	now := time.Now().UTC()
	recs := make([]indicators.Record, len(parsed))
	for i, p := range parsed {
		r := indicators.NewRecord(p.Key, *source, now)
		r.Status, r.Category, r.Note = st, cat, *note
		if st == indicators.StatusConfirmed {
			r.ConfirmedBy, r.ConfirmedAt = *actor, now
		}
		if ttl > 0 {
			r.ExpiresAt = now.Add(ttl)
		}
		recs[i] = r
	}
	changes, err := store.Upsert(ctx, recs)
	if err != nil {
		return err
	}
	for i, c := range changes {
		if c != indicators.ChangeUnchanged {
			if err := auditCLI(ctx, b, api.ActionIndicatorCreate, *actor, string(recs[i].Key), nil, recs[i]); err != nil {
				return err
			}
		}
	}
	if err := b.Publish(ctx, keysOf(recs)); err != nil {
		return err
	}
	for i, c := range changes {
		fmt.Fprintf(m.Stdout, "%s\t%s\n", c, recs[i].Key)
	}
	return nil
}

func keysOf(recs []indicators.Record) []indicators.Key {
	keys := make([]indicators.Key, len(recs))
	for i, r := range recs {
		keys[i] = r.Key
	}
	return keys
}

func (m *Main) indicatorsSetStatus(ctx context.Context, action string, args []string) error {
	fs := flag.NewFlagSet("indicators "+action, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	kind := fs.String("kind", "", "kind of every input (default: auto-detect)")
	actor := fs.String("actor", "cli", "who is acting (recorded on the indicator)")
	reason := fs.String("reason", "", "why (required for delist)")
	cfg := m.storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if fs.NArg() == 0 {
		return usageErr(m, "scamcheck indicators "+action+" [flags] INPUT...")
	}
	if action == "delist" && strings.TrimSpace(*reason) == "" {
		return fmt.Errorf("delist needs --reason: %w", indicators.ErrInvalidInput)
	}
	parsed, err := m.parseInputs(*kind, fs.Args())
	if err != nil {
		return err
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	store := b.Store
	now := time.Now().UTC()
	var keys []indicators.Key
	for _, p := range parsed {
		before, after, err := store.Update(ctx, p.Key, func(r *indicators.Record, exists bool) error {
			switch action {
			case "confirm":
				if !exists {
					*r = indicators.NewRecord(p.Key, "police", now)
				}
				r.Status, r.ConfirmedBy, r.ConfirmedAt = indicators.StatusConfirmed, *actor, now
			case "trust":
				if !exists {
					*r = indicators.NewRecord(p.Key, "police", now)
					r.Reports = 0
				}
				// A police-confirmed allowlist entry: it outranks reports
				// on the same check, which are still shown.
				r.Status, r.ConfirmedBy, r.ConfirmedAt = indicators.StatusTrusted, *actor, now
			case "delist":
				if !exists {
					return fmt.Errorf("%s: %w", p.Key, indicators.ErrNotFound)
				}
				r.Status = indicators.StatusDelisted
				r.Note = strings.TrimSpace("delisted by " + *actor + ": " + *reason)
			}
			if *reason != "" && action != "delist" {
				r.Note = *reason
			}
			r.UpdatedAt = now
			return nil
		})
		if err != nil {
			if errors.Is(err, indicators.ErrNotFound) {
				fmt.Fprintf(m.Stderr, "%s: not listed, nothing to delist\n", p.Input)
				continue
			}
			return err
		}
		if err := auditCLI(ctx, b, "indicator."+action, *actor, string(after.Key), before, after); err != nil {
			return err
		}
		keys = append(keys, after.Key)
		fmt.Fprintf(m.Stdout, "%s\t%s\n", after.Status, after.Key)
	}
	if action != "delist" {
		// Delisting needs no filter change: the Store now rejects the hit.
		if err := b.Publish(ctx, keys); err != nil {
			return err
		}
	}
	if len(keys) < len(parsed) {
		return exitError{code: 1}
	}
	return nil
}

func (m *Main) indicatorsList(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("indicators list", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var opts indicators.ListOptions
	kind := fs.String("kind", "", "only this kind")
	status := fs.String("status", "", "only this status")
	fs.StringVar(&opts.Source, "source", "", "only indicators named by this source")
	category := fs.String("category", "", "only this category")
	cursor := fs.String("cursor", "", "continue after this key (the 'next' of the previous page)")
	fs.IntVar(&opts.Limit, "limit", 50, "page size (max 1000)")
	asJSON := fs.Bool("json", false, "print the page as JSON")
	cfg := m.storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	var err error
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
	opts.Category = indicators.Category(*category)
	opts.Cursor = indicators.Key(*cursor)
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	store := b.Store
	page, err := store.List(ctx, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(page)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tSTATUS\tCATEGORY\tREPORTS\tSOURCES\tLAST SEEN")
	for _, r := range page.Records {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", r.Key, r.Status, r.Category, r.Reports,
			strings.Join(r.SourceNames(), ","), r.LastSeen.Format(time.DateOnly))
	}
	tw.Flush()
	if page.Next != "" {
		fmt.Fprintf(m.Stdout, "next page: --cursor %q\n", string(page.Next))
	}
	return nil
}

func usageErr(m *Main, usage string) error {
	fmt.Fprintln(m.Stderr, "usage:", usage)
	return exitError{code: 2}
}

// parseTTL parses a duration that may use days ("90d"), which is how people
// write feed retention; other units are time.ParseDuration's.
func parseTTL(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q: want a positive number of days like 90d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want a positive duration like 90d or 12h", s)
	}
	return d, nil
}

// auditCLI records a write made from the command line in the audit log, as
// the API does for its writes. The actor is "cli" or "cli:<--actor>".
func auditCLI(ctx context.Context, b *backend.Backend, action, who, target string, before, after any) error {
	if r, ok := before.(indicators.Record); ok && r.Key == "" {
		before = nil
	}
	actor := cliActor
	if who != "" && who != "cli" {
		actor += ":" + who
	}
	return api.Record(ctx, storesOf(b), indicators.AuditEntry{Time: time.Now().UTC(), Actor: actor,
		Action: action, Target: target}, before, after)
}
