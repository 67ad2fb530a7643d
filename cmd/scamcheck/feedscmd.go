package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/term"

	"github.com/scamcheck/scamcheck/feeds"
)

const feedsUsage = `usage: scamcheck feeds COMMAND [flags]

  run   poll the remote feeds of a config file on their intervals (--config FILE,
        --once, --state FILE); runs until SIGTERM
  drop  remove a source from every indicator: SOURCE; indicators no other
        source names become delisted
`

func (m *Main) runFeeds(ctx context.Context, args []string) error {
	return m.dispatch(ctx, "feeds", feedsUsage, args, map[string]subcommand{
		"run":  m.feedsRun,
		"drop": m.feedsDrop,
	})
}

// logger logs to stderr: text on a terminal, JSON otherwise (for log
// collectors), as DESIGN §8 asks.
func (m *Main) logger() *slog.Logger {
	if f, ok := m.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return slog.New(slog.NewTextHandler(m.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(m.Stderr, nil))
}

func (m *Main) feedsRun(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("feeds run", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	config := fs.String("config", "feeds.yaml", "feeds configuration (see testdata/feeds.yaml)")
	once := fs.Bool("once", false, "poll every feed once, due or not, and exit (non-zero if a poll failed)")
	state := fs.String("state", "", "file keeping each feed's ETag/Last-Modified (default DATA_DIR/"+feeds.StateFileName+", also with --redis)")
	cfg := m.storeFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "usage: scamcheck feeds run --config FILE [--once] [--state FILE] [--data DIR | --redis URL]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitError{code: 2}
	}
	conf, err := feeds.LoadConfig(*config)
	if err != nil {
		return err
	}
	if len(conf.Feeds) == 0 {
		return fmt.Errorf("%s names no feeds", *config)
	}
	statePath := *state
	if statePath == "" {
		statePath = filepath.Join(cfg.DataDir, feeds.StateFileName)
	}
	logger := m.logger()
	cfg.Logger = logger
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	p := &feeds.Poller{
		Store: b.Store, Publisher: b, State: &feeds.StateFile{Path: statePath},
		// Each fetch is bounded by its feed's timeout through its context;
		// the client only bounds waiting for response headers.
		Client: &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ResponseHeaderTimeout: time.Minute,
			ForceAttemptHTTP2:     true,
		}},
		Now: time.Now, Logger: logger,
	}
	logger.Info("polling feeds", "feeds", len(conf.Feeds), "store", b.Mode(), "state", statePath, "once", *once)
	return p.Run(ctx, conf.Feeds, *once)
}

func (m *Main) feedsDrop(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("feeds drop", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	cfg := m.storeFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "usage: scamcheck feeds drop [--data DIR | --redis URL] SOURCE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitError{code: 2}
	}
	source := fs.Arg(0)
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	sum, err := feeds.DropSource(ctx, b.Store, source, time.Now())
	if err != nil {
		return err
	}
	if sum.Changed == 0 {
		fmt.Fprintf(m.Stdout, "no indicator names source %q: nothing changed\n", source)
		return nil
	}
	fmt.Fprintf(m.Stdout, "dropped source %q: %d indicators changed, %d of them delisted (no other source named them)\n",
		source, sum.Changed, sum.Delisted)
	return nil
}
