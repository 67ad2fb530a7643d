// Command scamcheck is the one binary of the project: it checks indicators,
// imports feeds, manages indicators and keys, and serves the HTTP API.
//
//	scamcheck check [--json] INPUT...
//	scamcheck indicators add|confirm|delist|list ...
//	scamcheck version
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	stop()
	if err != nil {
		var ee exitError
		if !errors.As(err, &ee) {
			fmt.Fprintln(m.Stderr, "scamcheck:", err)
		}
		os.Exit(exitCode(err))
	}
}

// Main wires the program: it holds its I/O and environment so end-to-end
// tests run it in-process.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// NewMain returns a Main bound to the process's standard streams.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// usage is printed for help and unknown commands.
const usage = `scamcheck: is this phone number, bank account, domain or link a reported scam?

Usage:
  scamcheck check [--json] INPUT...          check inputs (auto-detected kind)
  scamcheck indicators add|confirm|delist|list   manage indicators (police/admin)
  scamcheck import [flags] FILE|URL...       import feeds (format detected; --rejects FILE)
  scamcheck feeds run|drop                   poll remote feeds (--config feeds.yaml); drop a source
  scamcheck export [--format stix|plain|csv] export the current indicators
  scamcheck serve [--listen :8080]           serve the HTTP API (env SCAMCHECK_LISTEN)
  scamcheck keys create|list|revoke          manage API keys (--role, --name)
  scamcheck partners add|list|deliveries     bank webhooks for emergency freezes (--name, --bins, --url)
  scamcheck warnings list|publish|expire     early warnings (drafts from the trend detector or police)
  scamcheck report --from D --to D [--format html|csv|json] [--out FILE]   periodic report of a period
  scamcheck version                          print the version

Store: the embedded file under --data DIR (SCAMCHECK_DATA, default ./scamcheck-data),
or Redis with --redis URL (SCAMCHECK_REDIS_URL).
`

// Run executes one command line.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return exitError{code: 2}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "check":
		return m.runCheck(ctx, rest)
	case "indicators":
		return m.runIndicators(ctx, rest)
	case "import":
		return m.runImport(ctx, rest)
	case "feeds":
		return m.runFeeds(ctx, rest)
	case "export":
		return m.runExport(ctx, rest)
	case "serve":
		return m.runServe(ctx, rest)
	case "report":
		return m.runReport(ctx, rest)
	case "partners":
		return m.runPartners(ctx, rest)
	case "warnings":
		return m.runWarnings(ctx, rest)
	case "keys":
		return m.runKeys(ctx, rest)
	case "version", "--version":
		return m.runVersion(rest)
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	fmt.Fprintf(m.Stderr, "scamcheck: unknown command %q\n\n%s", cmd, usage)
	return exitError{code: 2}
}

// exitError carries an exit status for failures already reported to the
// user (so main does not print them twice).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func exitCode(err error) int {
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// subcommand is one verb of a command family (keys create, partners list…).
type subcommand func(ctx context.Context, args []string) error

// dispatch runs the verb args[0] of the command family name, printing its
// usage for no verb, help, or an unknown verb (exit 2).
func (m *Main) dispatch(ctx context.Context, name, usage string, args []string, verbs map[string]subcommand) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return exitError{code: 2}
	}
	if run, ok := verbs[args[0]]; ok {
		return run(ctx, args[1:])
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	fmt.Fprintf(m.Stderr, "scamcheck %s: unknown command %q\n%s", name, args[0], usage)
	return exitError{code: 2}
}

// printJSON prints v as indented JSON, for the --json flag of the list
// commands.
func (m *Main) printJSON(v any) error {
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
