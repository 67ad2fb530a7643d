package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/indicators"
)

const keysUsage = `usage: scamcheck keys COMMAND [flags]

  create --role public|partner|police|admin --name NAME   create a key; its secret is printed once
  list [--json]                                         list keys (never their secrets)
  revoke ID|NAME                                        revoke a key
`

// cliActor is the audit actor of writes made from the command line.
const cliActor = "cli"

func (m *Main) runKeys(ctx context.Context, args []string) error {
	return m.dispatch(ctx, "keys", keysUsage, args, map[string]subcommand{
		"create": m.keysCreate,
		"list":   m.keysList,
		"revoke": m.keysRevoke,
	})
}

func (m *Main) keysCreate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("keys create", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	role := fs.String("role", "", "public, partner, police or admin (required)")
	name := fs.String("name", "", "who the key is for, unique (required)")
	cfg := m.storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if fs.NArg() > 0 || *role == "" || *name == "" {
		return usageErr(m, "scamcheck keys create --role ROLE --name NAME")
	}
	k, secret, err := api.NewAPIKey(*name, indicators.Role(strings.ToLower(*role)), time.Now())
	if err != nil {
		return err
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	st := storesOf(b)
	if err := st.CreateKey(ctx, k); err != nil {
		return fmt.Errorf("create key: %w", err)
	}
	if err := api.Record(ctx, st, indicators.AuditEntry{Time: time.Now().UTC(), Actor: cliActor,
		Action: api.ActionKeyCreate, Target: k.ID}, nil, k); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "created %s key %q (id %s); the secret below is shown only now:\n", k.Role, k.Name, k.ID)
	fmt.Fprintln(m.Stdout, secret)
	return nil
}

func (m *Main) keysList(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("keys list", flag.ContinueOnError)
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
	keys, err := storesOf(b).ListKeys(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if keys == nil {
			keys = []indicators.APIKey{}
		}
		return m.printJSON(keys)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED\tREVOKED")
	for _, k := range keys {
		revoked := ""
		if !k.Active() {
			revoked = k.RevokedAt.Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Role, k.CreatedAt.Format(time.DateTime), revoked)
	}
	return tw.Flush()
}

func (m *Main) keysRevoke(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("keys revoke", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	cfg := m.storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if fs.NArg() != 1 {
		return usageErr(m, "scamcheck keys revoke ID|NAME")
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	st := storesOf(b)
	k, err := st.RevokeKey(ctx, fs.Arg(0), time.Now().UTC())
	if err != nil {
		return fmt.Errorf("revoke %q: %w", fs.Arg(0), err)
	}
	if err := api.Record(ctx, st, indicators.AuditEntry{Time: time.Now().UTC(), Actor: cliActor,
		Action: api.ActionKeyRevoke, Target: k.ID}, nil, k); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "revoked %s (%s); running servers stop accepting it within their key cache time (10 s by default)\n", k.ID, k.Name)
	return nil
}
