package feeds

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/scamcheck/scamcheck/indicators"
)

// Remote feeds: a Poller fetches each configured feed on its interval with
// a conditional GET (If-None-Match with the ETag, If-Modified-Since with the
// Last-Modified of the last import), imports the body on 200 and skips on
// 304. The validators are kept per feed in a StateStore (a JSON file in the
// data directory for the CLI) and saved only after a successful import, so a
// failed import is fetched again in full at the next poll.
//
// Feeds are polled one at a time: an import already uses every core, and the
// embedded store has a single writer.

// Defaults for FeedConfig.
const (
	DefaultInterval    = time.Hour
	DefaultPollTimeout = 10 * time.Minute
	// maxRetry bounds how long a failed poll waits to be retried (at most
	// its interval): a daily feed should not lose a day to a network blip.
	maxRetry = 10 * time.Minute
)

// Duration is a time.Duration that reads "90d" (days) as well as Go's
// "1h30m" from YAML and from ParseDuration.
type Duration time.Duration

// ParseDuration reads a positive duration in days ("90d") or in Go's
// notation ("12h", "1h30m").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%w: duration %q: want a positive number of days like 90d", ErrOption, s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: duration %q: want a positive duration like 90d, 12h or 30m", ErrOption, s)
	}
	return d, nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// FeedConfig is one remote feed. Only Name and URL are required.
type FeedConfig struct {
	// Name is the source recorded on every indicator of the feed (and the
	// key of its poll state).
	Name string `yaml:"name"`
	// URL is fetched with GET; http or https.
	URL string `yaml:"url"`
	// Format of the feed ("" detects it from the content).
	Format string `yaml:"format"`
	// Interval between polls (default 1h).
	Interval Duration `yaml:"interval"`
	// Kind forces the kind of every value (plain lists, CSV/JSONL values).
	Kind string `yaml:"kind"`
	// Map is a CSV or JSON Lines column map (see Options.Map).
	Map string `yaml:"map"`
	// Status of new indicators: reported (default) or confirmed — only for
	// a feed the police or an admin vouch for.
	Status string `yaml:"status"`
	// Category given to items the feed does not classify.
	Category string `yaml:"category"`
	// Expires makes unconfirmed indicators expire this long after the last
	// import that listed them (0: never).
	Expires Duration `yaml:"expires"`
	// Timeout bounds one fetch and import (default 10m).
	Timeout Duration `yaml:"timeout"`
}

// Config is a feeds.yaml: the list of remote feeds.
type Config struct {
	Feeds []FeedConfig `yaml:"feeds"`
}

// ParseConfig reads and validates a feeds configuration. Errors wrap
// ErrOption and name the feed.
func ParseConfig(r io.Reader) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("%w: feeds config: %w", ErrOption, err)
	}
	names := map[string]bool{}
	for i := range c.Feeds {
		f := &c.Feeds[i]
		if strings.TrimSpace(f.Name) == "" {
			return Config{}, fmt.Errorf("%w: feeds config: feed %d has no name", ErrOption, i+1)
		}
		if names[f.Name] {
			return Config{}, fmt.Errorf("%w: feeds config: feed name %q used twice", ErrOption, f.Name)
		}
		names[f.Name] = true
		if _, err := f.ImportOptions(); err != nil {
			return Config{}, fmt.Errorf("feeds config: feed %q: %w", f.Name, err)
		}
	}
	return c, nil
}

// LoadConfig reads a feeds configuration file.
func LoadConfig(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("feeds config: %w", err)
	}
	defer f.Close()
	return ParseConfig(f)
}

// ImportOptions validates the feed and returns the options to import it
// with (Source, Format, Parse, Status, Category, Expires).
func (f *FeedConfig) ImportOptions() (ImportOptions, error) {
	u, err := url.Parse(f.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ImportOptions{}, fmt.Errorf("%w: url %q: want an http or https URL", ErrOption, f.URL)
	}
	opts := ImportOptions{Source: f.Name, Parse: Options{Map: f.Map}, Expires: time.Duration(f.Expires)}
	if f.Format != "" {
		if opts.Format, err = ParseFormat(f.Format); err != nil {
			return ImportOptions{}, err
		}
	}
	if f.Kind != "" {
		if opts.Parse.Kind, err = indicators.ParseKind(f.Kind); err != nil {
			return ImportOptions{}, fmt.Errorf("%w: %w", ErrOption, err)
		}
	}
	switch st := indicators.Status(strings.ToLower(f.Status)); st {
	case "", indicators.StatusReported, indicators.StatusConfirmed:
		opts.Status = st
	default:
		return ImportOptions{}, fmt.Errorf("%w: status %q: want reported or confirmed", ErrOption, f.Status)
	}
	if f.Category != "" {
		opts.Category = indicators.Category(strings.ToLower(f.Category))
		if !opts.Category.Valid() {
			return ImportOptions{}, fmt.Errorf("%w: unknown category %q", ErrOption, f.Category)
		}
	}
	if f.Interval < 0 || f.Expires < 0 || f.Timeout < 0 {
		return ImportOptions{}, fmt.Errorf("%w: negative duration", ErrOption)
	}
	return opts, nil
}

func (f *FeedConfig) interval() time.Duration {
	if f.Interval > 0 {
		return time.Duration(f.Interval)
	}
	return DefaultInterval
}

// FeedState is what the Poller remembers about one feed between polls.
type FeedState struct {
	// URL the validators belong to: when the configured URL changes, they
	// are not sent.
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	LastPoll     time.Time `json:"last_poll,omitzero"`
	LastImport   time.Time `json:"last_import,omitzero"`
}

// StateStore keeps FeedStates. Load of an unknown feed gives the zero state.
type StateStore interface {
	Load(ctx context.Context, feed string) (FeedState, error)
	Save(ctx context.Context, feed string, st FeedState) error
}

// StateFile is a StateStore in one small JSON file, rewritten whole
// (through a temporary file and a rename, so a crash leaves the old or the
// new file) at each Save. It is safe for concurrent use in one process.
type StateFile struct {
	Path string

	mu sync.Mutex // serialises read-modify-write of the file
}

// StateFileName is the state file's name in the data directory.
const StateFileName = "feeds-state.json"

var _ StateStore = (*StateFile)(nil)

func (s *StateFile) read() (map[string]FeedState, error) {
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]FeedState{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("feeds: read state: %w", err)
	}
	m := map[string]FeedState{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("feeds: read state %s: %w", s.Path, err)
	}
	return m, nil
}

// Load implements StateStore.
func (s *StateFile) Load(_ context.Context, feed string) (FeedState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.read()
	return m[feed], err
}

// Save implements StateStore.
func (s *StateFile) Save(_ context.Context, feed string, st FeedState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.read()
	if err != nil {
		return err
	}
	m[feed] = st
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("feeds: save state: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
		return fmt.Errorf("feeds: save state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.Path), ".feeds-state-*")
	if err != nil {
		return fmt.Errorf("feeds: save state: %w", err)
	}
	_, err = tmp.Write(append(b, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.Path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("feeds: save state: %w", err)
	}
	return nil
}

// Poller polls remote feeds into a Store.
type Poller struct {
	Store     indicators.Store
	Publisher Publisher // may be nil
	State     StateStore
	// Client fetches the feeds (default http.DefaultClient). Each fetch is
	// bounded by its feed's Timeout through the request's context.
	Client *http.Client
	// Now is the clock for state times and imports (default time.Now).
	Now func() time.Time
	// Logger receives one line per poll (default slog.Default()).
	Logger *slog.Logger
	// UserAgent is sent with every request (default "scamcheck-feeds").
	UserAgent string
}

// PollResult says what one poll did.
type PollResult struct {
	Feed        string
	StatusCode  int  // HTTP status of the response
	NotModified bool // 304: nothing was imported
	Summary     Summary
}

func (p *Poller) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Poller) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

// Poll fetches one feed once, conditionally, and imports it when it
// changed. The state is saved after a 304 and after a successful import.
func (p *Poller) Poll(ctx context.Context, f FeedConfig) (PollResult, error) {
	res := PollResult{Feed: f.Name}
	opts, err := f.ImportOptions()
	if err != nil {
		return res, fmt.Errorf("feed %s: %w", f.Name, err)
	}
	opts.Now = p.Now
	st, err := p.State.Load(ctx, f.Name)
	if err != nil {
		return res, fmt.Errorf("feed %s: %w", f.Name, err)
	}
	if st.URL != f.URL {
		st = FeedState{URL: f.URL}
	}
	timeout := DefaultPollTimeout
	if f.Timeout > 0 {
		timeout = time.Duration(f.Timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return res, fmt.Errorf("feed %s: %w", f.Name, err)
	}
	req.Header.Set("User-Agent", cmp.Or(p.UserAgent, "scamcheck-feeds"))
	if st.ETag != "" {
		req.Header.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		req.Header.Set("If-Modified-Since", st.LastModified)
	}
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return res, fmt.Errorf("feed %s: fetch: %w", f.Name, err)
	}
	defer func() {
		// Drain a little so the connection can be reused.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}()
	res.StatusCode = resp.StatusCode
	st.LastPoll = p.now().UTC()
	switch resp.StatusCode {
	case http.StatusNotModified:
		res.NotModified = true
		if err := p.State.Save(ctx, f.Name, st); err != nil {
			return res, err
		}
		p.logger().Info("feed not modified", "feed", f.Name)
		return res, nil
	case http.StatusOK:
	default:
		return res, fmt.Errorf("feed %s: fetch %s: HTTP %s", f.Name, f.URL, resp.Status)
	}
	if resp.ContentLength > 0 {
		opts.Size = resp.ContentLength
	}
	res.Summary, err = Import(ctx, p.Store, p.Publisher, resp.Body, opts)
	if err != nil {
		return res, fmt.Errorf("feed %s: %w", f.Name, err)
	}
	st.ETag, st.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	st.LastImport = st.LastPoll
	if err := p.State.Save(ctx, f.Name, st); err != nil {
		return res, err
	}
	s := res.Summary
	p.logger().Info("feed imported", "feed", f.Name, "format", s.Format, "read", s.Read, "added", s.Added,
		"updated", s.Updated, "unchanged", s.Unchanged, "duplicates", s.Duplicates, "rejected", s.Rejected,
		"took", s.Elapsed.Round(time.Millisecond))
	return res, nil
}

// Run polls every feed when it is due — at once if it was never polled, else
// its interval after the last poll — until ctx ends, when it returns nil. A
// failed poll is logged and retried after its interval or 10 minutes,
// whichever is sooner. With once, every feed is polled one time, due or not,
// and the errors are returned joined.
func (p *Poller) Run(ctx context.Context, feeds []FeedConfig, once bool) error {
	if once {
		var errs []error
		for _, f := range feeds {
			if _, err := p.Poll(ctx, f); err != nil {
				p.logger().Error("feed poll failed", "feed", f.Name, "err", err)
				errs = append(errs, err)
			}
			if ctx.Err() != nil {
				break
			}
		}
		return errors.Join(errs...)
	}
	due := make([]time.Time, len(feeds))
	for i, f := range feeds {
		st, err := p.State.Load(ctx, f.Name)
		if err != nil {
			return err
		}
		if st.URL == f.URL && !st.LastPoll.IsZero() {
			due[i] = st.LastPoll.Add(f.interval())
		}
	}
	if len(feeds) == 0 {
		<-ctx.Done()
		return nil
	}
	for {
		i := 0
		for j := range due {
			if due[j].Before(due[i]) {
				i = j
			}
		}
		if wait := due[i].Sub(p.now()); wait > 0 {
			p.logger().Debug("next feed poll", "feed", feeds[i].Name, "in", wait.Round(time.Second))
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		}
		_, err := p.Poll(ctx, feeds[i])
		if ctx.Err() != nil {
			return nil
		}
		next := feeds[i].interval()
		if err != nil {
			p.logger().Error("feed poll failed", "feed", feeds[i].Name, "err", err)
			next = min(next, maxRetry)
		}
		due[i] = p.now().Add(next)
	}
}

// DropSummary says what DropSource changed.
type DropSummary struct {
	Changed  int // records that named the source
	Delisted int // of which no other source named, now delisted
}

// errSourceGone aborts an Update whose record no longer names the source.
var errSourceGone = errors.New("source no longer on record")

// DropSource removes source from every record that names it. A record left
// with no source is delisted with the note "dropped with source NAME" (a
// delisted record needs no filter change: the Store rejects the hit). The
// dropped source's report no longer counts (Reports goes down by one, never
// below the number of remaining sources). Rerunning it is harmless.
func DropSource(ctx context.Context, store indicators.Store, source string, now time.Time) (DropSummary, error) {
	var sum DropSummary
	if strings.TrimSpace(source) == "" {
		return sum, fmt.Errorf("%w: a source name is required", ErrOption)
	}
	note := "dropped with source " + source
	opts := indicators.ListOptions{Source: source, Limit: 1000}
	for {
		page, err := store.List(ctx, opts)
		if err != nil {
			return sum, fmt.Errorf("feeds: drop %s: %w", source, err)
		}
		for _, rec := range page.Records {
			_, after, err := store.Update(ctx, rec.Key, func(r *indicators.Record, exists bool) error {
				i := slices.IndexFunc(r.Sources, func(s indicators.Source) bool { return s.Name == source })
				if !exists || i < 0 {
					return errSourceGone
				}
				r.Sources = slices.Delete(slices.Clone(r.Sources), i, i+1)
				r.Reports = max(r.Reports-1, len(r.Sources))
				if len(r.Sources) == 0 && r.Status != indicators.StatusDelisted {
					r.Status, r.Note = indicators.StatusDelisted, note
				}
				r.UpdatedAt = now.UTC()
				return nil
			})
			if errors.Is(err, errSourceGone) {
				continue
			}
			if err != nil {
				return sum, fmt.Errorf("feeds: drop %s: %w", source, err)
			}
			sum.Changed++
			if after.Status == indicators.StatusDelisted && after.Note == note && len(after.Sources) == 0 {
				sum.Delisted++
			}
		}
		if page.Next == "" {
			return sum, nil
		}
		opts.Cursor = page.Next
	}
}
