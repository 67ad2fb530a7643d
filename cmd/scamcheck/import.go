package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/scamcheck/scamcheck/backend"
	"github.com/scamcheck/scamcheck/feeds"
	"github.com/scamcheck/scamcheck/indicators"
)

const importUsage = `usage: scamcheck import [flags] FILE|URL...

Imports the indicators of feed files or http(s) URLs ("-" reads stdin) into
the store. Bad lines never stop an import: they are counted and, with
--rejects, written with their line number and reason. A file that is not the
stated format (or that cannot be read) fails at once with a non-zero exit.

Imports are idempotent: importing the same feed again the same day changes
nothing and says so, and rerunning an interrupted import is how to resume it.
That is also why the embedded store is written without fsync at each commit
during an import (bbolt NoSync): a machine crash can lose the last batches,
and rerunning the import restores them.

Flags:
`

// progressLineEvery is how often the plain progress line is printed when
// stderr is not a terminal.
const progressLineEvery = 2 * time.Second

func (m *Main) runImport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	formatNames := make([]string, 0, len(feeds.Formats()))
	for _, f := range feeds.Formats() {
		formatNames = append(formatNames, string(f))
	}
	format := fs.String("format", "", "feed format, one of "+strings.Join(formatNames, ", ")+" (default: detect from the content)")
	source := fs.String("source", "", "source name recorded on every indicator (default: the file's base name without extension)")
	mapSpec := fs.String("map", "", `CSV/JSON Lines column map, e.g. "number=0,bank=1,account=2" or "phone=sdt,bank=ngan_hang,account=stk"`)
	kind := fs.String("kind", "", "kind of every value of a plain list: phone, bank_account, domain, url (default: detect per value)")
	status := fs.String("status", "reported", "status of new indicators: reported, confirmed (police/admin only) or trusted (an allowlist, police/admin only)")
	category := fs.String("category", "", "category for items the feed does not classify: scam, phishing, impersonation, investment, gambling, malware, other")
	expires := fs.String("expires", "", "unconfirmed indicators expire this long after the import, e.g. 90d (default never)")
	rejects := fs.String("rejects", "", "write every rejected line to FILE as: line N<TAB>reason<TAB>text")
	actor := fs.String("actor", "cli", "recorded as confirmed_by with --status confirmed")
	timeout := fs.Duration("timeout", 10*time.Minute, "bound on fetching and importing one URL")
	quiet := fs.Bool("quiet", false, "no progress output")
	cfg := m.storeFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(m.Stderr, importUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitError{code: 2}
	}
	opts := feeds.ImportOptions{Parse: feeds.Options{Map: *mapSpec}, ConfirmedBy: *actor}
	var err error
	if *format != "" {
		if opts.Format, err = feeds.ParseFormat(*format); err != nil {
			return fmt.Errorf("--format: %w", err)
		}
	}
	if *kind != "" {
		if opts.Parse.Kind, err = indicators.ParseKind(*kind); err != nil {
			return fmt.Errorf("--kind: %w", err)
		}
	}
	switch st := indicators.Status(strings.ToLower(*status)); st {
	case indicators.StatusReported, indicators.StatusConfirmed, indicators.StatusTrusted:
		opts.Status = st
	default:
		return fmt.Errorf("--status %q: want reported, confirmed or trusted", *status)
	}
	if *category != "" {
		opts.Category = indicators.Category(strings.ToLower(*category))
		if !opts.Category.Valid() {
			return fmt.Errorf("--category %q: want one of %v", *category, indicators.Categories)
		}
	}
	if *expires != "" {
		if opts.Expires, err = parseTTL(*expires); err != nil {
			return fmt.Errorf("--expires: %w", err)
		}
	}
	if *timeout <= 0 {
		return fmt.Errorf("--timeout %s: want a positive duration", *timeout)
	}

	var rej *os.File
	if *rejects != "" {
		if rej, err = os.Create(*rejects); err != nil {
			return fmt.Errorf("--rejects: %w", err)
		}
		defer rej.Close()
		opts.Rejects = rej
	}
	// Safe because imports are idempotent: see importUsage.
	cfg.NoSync = true
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()

	failed := 0
	for _, in := range fs.Args() {
		o := opts
		o.Source = *source
		if o.Source == "" {
			o.Source = defaultSource(in)
		}
		if rej != nil && fs.NArg() > 1 {
			fmt.Fprintf(rej, "# %s\n", in)
		}
		sum, err := m.importOne(ctx, b, in, o, *timeout, *quiet)
		if err != nil {
			if ctx.Err() != nil {
				if sum.Read > 0 {
					m.printSummary(in, o, sum, *rejects)
				}
				return fmt.Errorf("import %s: interrupted; rerun the same command to finish (what was imported stays, and is counted unchanged): %w", in, ctx.Err())
			}
			failed++
			fmt.Fprintf(m.Stderr, "scamcheck: import %s: %v\n", in, err)
			continue
		}
		m.printSummary(in, o, sum, *rejects)
	}
	if rej != nil {
		if err := rej.Close(); err != nil {
			return fmt.Errorf("--rejects: %w", err)
		}
	}
	if failed > 0 {
		return exitError{code: 1}
	}
	return nil
}

// defaultSource names a feed after its file: "phones.txt" → "phones"; for a
// URL the last path element, else the host; "-" → "stdin".
func defaultSource(in string) string {
	if in == "-" {
		return "stdin"
	}
	base := filepath.Base(in)
	if u, err := url.Parse(in); err == nil && isURL(u) {
		base = path.Base(u.Path)
		if base == "/" || base == "." || base == "" {
			return u.Hostname()
		}
	}
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

func isURL(u *url.URL) bool { return (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" }

// importOne opens one input and imports it with progress output.
func (m *Main) importOne(ctx context.Context, b *backend.Backend, in string, opts feeds.ImportOptions, timeout time.Duration, quiet bool) (feeds.Summary, error) {
	if u, err := url.Parse(in); err == nil && isURL(u) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	r, size, err := m.openInput(ctx, in)
	if err != nil {
		return feeds.Summary{}, err
	}
	defer r.Close()
	opts.Size = size
	pr := m.newProgress(in, size, quiet)
	if pr != nil {
		opts.Progress = pr.update
	}
	sum, err := feeds.Import(ctx, b.Store, b, r, opts)
	pr.finish()
	return sum, err
}

// openInput opens a file, stdin ("-") or an http(s) URL; size is the
// length in bytes when known, else 0.
func (m *Main) openInput(ctx context.Context, in string) (r io.ReadCloser, size int64, err error) {
	if in == "-" {
		return io.NopCloser(m.Stdin), 0, nil
	}
	if u, err := url.Parse(in); err == nil && isURL(u) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, in, nil)
		if err != nil {
			return nil, 0, err
		}
		req.Header.Set("User-Agent", "scamcheck-import")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, 0, fmt.Errorf("fetch: %w", err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, 0, fmt.Errorf("fetch: HTTP %s", resp.Status)
		}
		return resp.Body, max(resp.ContentLength, 0), nil
	}
	f, err := os.Open(in)
	if err != nil {
		return nil, 0, err
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	return f, size, nil
}

// progressReporter shows an import's progress on stderr: a bar on a
// terminal, else a plain line every progressLineEvery.
type progressReporter struct {
	bar      *progressbar.ProgressBar
	w        io.Writer
	lastLine time.Duration
}

func (m *Main) newProgress(in string, size int64, quiet bool) *progressReporter {
	if quiet {
		return nil
	}
	p := &progressReporter{w: m.Stderr}
	if f, ok := m.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		total := size
		if total <= 0 {
			total = -1 // unknown length: a spinner
		}
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(m.Stderr),
			progressbar.OptionSetDescription(filepath.Base(in)),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionFullWidth(),
		)
	}
	return p
}

func (p *progressReporter) update(pr feeds.Progress) {
	if p == nil {
		return
	}
	rate := 0.0
	if s := pr.Elapsed.Seconds(); s > 0 {
		rate = float64(pr.Read) / s
	}
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("%d read, %d added, %d rejected", pr.Read, pr.Added, pr.Rejected))
		_ = p.bar.Set64(pr.BytesRead)
		return
	}
	if pr.Elapsed-p.lastLine < progressLineEvery {
		return
	}
	p.lastLine = pr.Elapsed
	fmt.Fprintf(p.w, "imported %d lines, %.0f/s, %d rejected\n", pr.Read, rate, pr.Rejected)
}

func (p *progressReporter) finish() {
	if p != nil && p.bar != nil {
		_ = p.bar.Finish()
	}
}

// printSummary writes the end-of-import summary to stdout.
func (m *Main) printSummary(in string, opts feeds.ImportOptions, s feeds.Summary, rejects string) {
	w := m.Stdout
	fmt.Fprintf(w, "%s: %s feed, source %q\n", in, s.Format, opts.Source)
	fmt.Fprintf(w, "  read:       %d\n", s.Read)
	fmt.Fprintf(w, "  added:      %d\n", s.Added)
	fmt.Fprintf(w, "  updated:    %d\n", s.Updated)
	fmt.Fprintf(w, "  unchanged:  %d\n", s.Unchanged)
	fmt.Fprintf(w, "  duplicates: %d\n", s.Duplicates)
	if s.Rejected > 0 && rejects != "" {
		fmt.Fprintf(w, "  rejected:   %d (see %s)\n", s.Rejected, rejects)
	} else {
		fmt.Fprintf(w, "  rejected:   %d\n", s.Rejected)
	}
	fmt.Fprintf(w, "  rate:       %.0f/s (%s)\n", s.Rate(), s.Elapsed.Round(time.Millisecond))
	if !s.Changed() {
		switch {
		case s.Unchanged > 0:
			fmt.Fprintln(w, "nothing changed: every indicator was already known")
		case s.Read == 0:
			fmt.Fprintln(w, "nothing changed: the feed named no indicators")
		default:
			fmt.Fprintln(w, "nothing changed: the feed named no valid indicator")
		}
	}
}
