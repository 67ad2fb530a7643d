package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/backend"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/webhooks"
)

const partnersUsage = `usage: scamcheck partners COMMAND [flags]

  add --name NAME --bins BIN[,BIN…] --url URL [--warnings]
                                               register a bank; its signing secret is printed once;
                                               --warnings also sends it published early warnings
                                               (with --warnings, --bins may be left out)
  list [--json]                                list partners (never their secrets)
  deliveries [--json] [--limit N] NAME|ID       the partner's webhook deliveries, oldest first

A partner API key (scamcheck keys create --role partner --name NAME) with
the partner's name lists its deliveries and acknowledges freezes.
`

// partnerStoreOf returns the partner store of b; both backends have one.
func partnerStoreOf(b *backend.Backend) indicators.PartnerStore {
	if s := b.Bolt(); s != nil {
		return s
	}
	return b.Redis()
}

// webhookWorker returns the delivery worker serve runs next to the API.
func webhookWorker(b *backend.Backend, opts webhooks.Options) *webhooks.Worker {
	return webhooks.NewWorker(partnerStoreOf(b), opts)
}

func (m *Main) runPartners(ctx context.Context, args []string) error {
	return m.dispatch(ctx, "partners", partnersUsage, args, map[string]subcommand{
		"add":        m.partnersAdd,
		"list":       m.partnersList,
		"deliveries": m.partnersDeliveries,
	})
}

func (m *Main) partnersAdd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("partners add", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	name := fs.String("name", "", "the bank's name, unique (required); a partner API key of this name acts for it")
	bins := fs.String("bins", "", "comma-separated NAPAS BINs of the bank (required), e.g. 970436")
	url := fs.String("url", "", "https URL deliveries are POSTed to (required)")
	warnings := fs.Bool("warnings", false, "also deliver published early warnings (warning.published); --bins is then optional")
	cfg := m.storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if fs.NArg() > 0 || *name == "" || *bins == "" && !*warnings || *url == "" {
		return usageErr(m, "scamcheck partners add --name NAME --bins BIN[,BIN…] --url URL [--warnings]")
	}
	p, err := api.NewPartnerWithWarnings(*name, splitList(*bins), *url, *warnings, time.Now())
	if err != nil {
		return err
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := partnerStoreOf(b).CreatePartner(ctx, p); err != nil {
		return fmt.Errorf("add partner: %w", err)
	}
	if err := api.Record(ctx, storesOf(b), indicators.AuditEntry{Time: time.Now().UTC(), Actor: cliActor,
		Action: api.ActionPartnerCreate, Target: p.ID}, nil, p); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "added partner %q (id %s, BINs %s, warnings %v); its signing secret below is shown only now:\n",
		p.Name, p.ID, strings.Join(p.BINs, ","), p.Warnings)
	fmt.Fprintln(m.Stdout, p.Secret)
	return nil
}

func (m *Main) partnersList(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("partners list", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	cfg := m.storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	ps, err := partnerStoreOf(b).ListPartners(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return m.printJSON(ps) // Partner's JSON leaves the secret out
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tBINS\tURL\tCREATED\tDISABLED\tWARNINGS")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\t%v\n", p.ID, p.Name, strings.Join(p.BINs, ","), p.URL,
			p.CreatedAt.Format(time.DateTime), p.Disabled, p.Warnings)
	}
	return tw.Flush()
}

func (m *Main) partnersDeliveries(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("partners deliveries", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	asJSON := fs.Bool("json", false, "print JSON (one page)")
	limit := fs.Int("limit", 100, "rows to show, at most 1000")
	cursor := fs.String("cursor", "", "show rows after this delivery id")
	cfg := m.storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if fs.NArg() != 1 {
		return usageErr(m, "scamcheck partners deliveries [--json] [--limit N] NAME|ID")
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	ps := partnerStoreOf(b)
	p, err := ps.GetPartner(ctx, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("partner %q: %w", fs.Arg(0), err)
	}
	page, err := ps.ListDeliveries(ctx, indicators.DeliveryFilter{PartnerID: p.ID, Cursor: *cursor, Limit: *limit})
	if err != nil {
		return err
	}
	if *asJSON {
		return m.printJSON(page)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEVENT\tKEY\tSTATE\tATTEMPTS\tLAST STATUS\tNEXT/DELIVERED\tLAST ERROR")
	for _, d := range page.Deliveries {
		when := d.NextAttemptAt
		if d.State == indicators.DeliveryDelivered {
			when = d.DeliveredAt
		}
		whenText := ""
		if !when.IsZero() {
			whenText = when.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", d.ID, d.Event, d.Key, d.State, d.Attempts, d.LastStatus, whenText, d.LastError)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if page.Next != "" {
		fmt.Fprintf(m.Stderr, "more: --cursor %s\n", page.Next)
	}
	return nil
}

// startWebhooks runs the delivery worker until ctx ends; the returned
// function waits for it to stop. Every replica runs one: claims lease rows,
// so replicas never send the same row at once.
func startWebhooks(ctx context.Context, b *backend.Backend, logger *slog.Logger) (wait func()) {
	done := make(chan struct{})
	w := webhookWorker(b, webhooks.Options{Logger: logger})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	return func() { <-done }
}
