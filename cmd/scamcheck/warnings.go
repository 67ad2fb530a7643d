package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/backend"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/webhooks"
)

const warningsUsage = `usage: scamcheck warnings COMMAND [flags]

  list [--status draft|published|expired] [--json] [--limit N]
                     warnings, oldest first (all statuses by default)
  publish ID         publish a draft: it shows on the citizen page and in
                     /warnings.atom, and partners subscribed to warnings get a
                     warning.published webhook. Run on a published warning it
                     only enqueues the webhooks again (same delivery ids, so
                     partners already served get nothing new).
  expire ID          take a warning down

Drafts come from the trend detector or from POST /v1/warnings.
`

// warningStoreOf returns the warning store of b; both backends have one.
func warningStoreOf(b *backend.Backend) indicators.WarningStore {
	if s := b.Bolt(); s != nil {
		return s
	}
	return b.Redis()
}

func (m *Main) runWarnings(ctx context.Context, args []string) error {
	return m.dispatch(ctx, "warnings", warningsUsage, args, map[string]subcommand{
		"list":    m.warningsList,
		"publish": m.warningsPublish,
		"expire":  m.warningsExpire,
	})
}

func (m *Main) warningsList(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("warnings list", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	status := fs.String("status", "", "only warnings in this status: draft, published or expired")
	asJSON := fs.Bool("json", false, "print JSON")
	limit := fs.Int("limit", 0, "print at most N warnings (0: all)")
	cfg := m.storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	st := indicators.WarningStatus(*status)
	if fs.NArg() > 0 || st != "" && !st.Valid() || *limit < 0 {
		return usageErr(m, "scamcheck warnings list [--status draft|published|expired] [--json] [--limit N]")
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	ws := []indicators.Warning{}
	f := indicators.WarningFilter{Status: st, Limit: indicators.MaxPageLimit}
	for {
		page, err := warningStoreOf(b).ListWarnings(ctx, f)
		if err != nil {
			return fmt.Errorf("list warnings: %w", err)
		}
		ws = append(ws, page.Warnings...)
		if page.Next == "" || *limit > 0 && len(ws) >= *limit {
			break
		}
		f.Cursor = page.Next
	}
	if *limit > 0 && len(ws) > *limit {
		ws = ws[:*limit]
	}
	if *asJSON {
		return m.printJSON(ws)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tSEVERITY\tRULE\tCREATED\tKEYS\tTITLE")
	for _, w := range ws {
		title := w.TitleVI
		if title == "" {
			title = w.TitleEN
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", w.ID, w.Status, w.Severity, orDash(w.Rule),
			w.CreatedAt.Format(time.DateTime), len(w.Keys), title)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneWarningArg parses the flags of a command taking one warning id.
func (m *Main) oneWarningArg(name string, args []string) (string, *backend.Config, error) {
	fs := flag.NewFlagSet("warnings "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	cfg := m.storeFlags(fs)
	// The id may come before the flags (scamcheck warnings publish ID --data D).
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", nil, exitError{code: 2}
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	} else if fs.NArg() != 0 {
		id = "" // more than one id
	}
	if id == "" {
		return "", nil, usageErr(m, "scamcheck warnings "+name+" ID")
	}
	return id, cfg, nil
}

func (m *Main) warningsPublish(ctx context.Context, args []string) error {
	id, cfg, err := m.oneWarningArg("publish", args)
	if err != nil {
		return err
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	now := time.Now().UTC()
	var before indicators.Warning
	again := false
	w, err := warningStoreOf(b).UpdateWarning(ctx, id, func(w *indicators.Warning) error {
		before = *w
		switch w.Status {
		case indicators.WarningPublished:
			again = true
			return nil
		case indicators.WarningExpired:
			return fmt.Errorf("warning %s is expired and cannot be published: %w", w.ID, indicators.ErrConflict)
		}
		if !w.ExpiresAt.IsZero() && !w.ExpiresAt.After(now) {
			return fmt.Errorf("warning %s expired at %s before it was published: %w", w.ID, w.ExpiresAt.Format(time.RFC3339), indicators.ErrConflict)
		}
		w.Status, w.PublishedAt, w.PublishedBy = indicators.WarningPublished, now, cliActor
		return nil
	})
	if err != nil {
		return fmt.Errorf("publish warning: %w", err)
	}
	if !again {
		if err := api.Record(ctx, storesOf(b), indicators.AuditEntry{Time: now, Actor: cliActor,
			Action: api.ActionWarningPublish, Target: "warning:" + w.ID}, before, w); err != nil {
			return err
		}
	}
	n, err := webhooks.EnqueueWarning(ctx, partnerStoreOf(b), &w)
	if err != nil {
		return fmt.Errorf("warning %s is published, but its webhooks were not enqueued (run this again): %w", w.ID, err)
	}
	verb := "published"
	if again {
		verb = "was already published"
	}
	fmt.Fprintf(m.Stderr, "warning %s %s; %d webhook deliveries enqueued\n", w.ID, verb, n)
	return nil
}

func (m *Main) warningsExpire(ctx context.Context, args []string) error {
	id, cfg, err := m.oneWarningArg("expire", args)
	if err != nil {
		return err
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	now := time.Now().UTC()
	var before indicators.Warning
	w, err := warningStoreOf(b).UpdateWarning(ctx, id, func(w *indicators.Warning) error {
		before = *w
		if w.Status == indicators.WarningExpired {
			return fmt.Errorf("warning %s is already expired: %w", w.ID, indicators.ErrConflict)
		}
		w.Status = indicators.WarningExpired
		if w.ExpiresAt.IsZero() || w.ExpiresAt.After(now) {
			w.ExpiresAt = now
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("expire warning: %w", err)
	}
	if err := api.Record(ctx, storesOf(b), indicators.AuditEntry{Time: now, Actor: cliActor,
		Action: api.ActionWarningExpire, Target: "warning:" + w.ID}, before, w); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "warning %s expired\n", w.ID)
	return nil
}
