// Package trends spots scam waves early. A Detector is fed every accepted
// citizen report and every check that hits a listed indicator or a lookalike
// domain; it keeps windowed counts in a State (Redis, shared by every
// replica, or in process for the embedded single-process mode) and drafts one
// indicators.Warning per wave through a WarningStore. Nothing it drafts
// reaches citizens until police or an admin publish it.
//
// Rules (thresholds and windows in Config):
//
//   - reporters: an indicator reported by at least ReporterThreshold distinct
//     reporters within ReporterWindow. Reporters are counted by a keyed hash
//     (HMAC-SHA256 with Config.Secret) of the id an app or hotline gives, or
//     of the client IP; the raw id is never stored. Redis counts them with a
//     HyperLogLog per fixed window and reads the union of the current and the
//     previous window, so a wave straddling a window boundary still counts;
//     the in-process State keeps an exact, bounded set of hashes instead.
//   - surge: checks hitting one indicator in the current minute at least
//     max(SurgeMinCount, SurgeFactor × EWMA of its earlier minutes).
//   - lookalikes: at least LookalikeThreshold distinct lookalike domains of
//     the same trusted domain checked within LookalikeWindow (sliding).
//   - mule ring: one normalized holder name on reports against at least
//     HolderThreshold distinct bank accounts within HolderWindow (sliding).
//
// Each detection is drafted once: the warning's DedupeKey is rule + subject +
// window start, and the WarningStore refuses a second warning with the same
// DedupeKey, which also holds between replicas.
package trends

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/scamcheck/scamcheck/indicators"
)

// Rule names, stored in Warning.Rule.
const (
	RuleReporters  = "reporters"
	RuleSurge      = "check_surge"
	RuleLookalikes = "lookalike_wave"
	RuleMuleRing   = "mule_ring"
)

// Author is the author of every warning the detector drafts.
const Author = "detector"

// Config tunes the detector. Zero values take the defaults noted.
type Config struct {
	// Secret keys the hash of reporter ids. Every replica needs the same
	// one; it must not be stored beside the counts. Required.
	Secret []byte
	// ReporterThreshold distinct reporters within ReporterWindow flag an
	// indicator. Default 10 within 24h.
	ReporterThreshold int
	ReporterWindow    time.Duration
	// SurgeMinCount and SurgeFactor: a minute with at least
	// max(SurgeMinCount, SurgeFactor × EWMA) hitting checks of one
	// indicator is a surge. Defaults 30 and 5.
	SurgeMinCount int
	SurgeFactor   float64
	// SurgeAlpha weighs the newest minute in the EWMA. Default 0.1 (about
	// the last ten minutes matter).
	SurgeAlpha float64
	// SurgeWindow is how long one surge of one indicator stays one
	// warning. Default 6h.
	SurgeWindow time.Duration
	// LookalikeThreshold distinct lookalikes of one trusted domain within
	// LookalikeWindow make a wave. Default 4 within 24h.
	LookalikeThreshold int
	LookalikeWindow    time.Duration
	// HolderThreshold distinct accounts reported with one holder name
	// within HolderWindow make a likely mule ring. Default 3 within 7 days.
	HolderThreshold int
	HolderWindow    time.Duration
	// QueueSize bounds the check feed; checks beyond it are dropped and
	// counted, never waited for. Default 8192.
	QueueSize int
	// FlushInterval is how often queued checks are counted in the State.
	// Default 1s.
	FlushInterval time.Duration
	// Now is the clock, injected by tests. Default time.Now.
	Now func() time.Time
	// Logger receives failures. Default slog.Default().
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultReporterThreshold  = 10
	DefaultReporterWindow     = 24 * time.Hour
	DefaultSurgeMinCount      = 30
	DefaultSurgeFactor        = 5.0
	DefaultSurgeAlpha         = 0.1
	DefaultSurgeWindow        = 6 * time.Hour
	DefaultLookalikeThreshold = 4
	DefaultLookalikeWindow    = 24 * time.Hour
	DefaultHolderThreshold    = 3
	DefaultHolderWindow       = 7 * 24 * time.Hour
	DefaultQueueSize          = 8192
	DefaultFlushInterval      = time.Second
)

func (c Config) withDefaults() Config {
	orInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	orDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	orInt(&c.ReporterThreshold, DefaultReporterThreshold)
	orDur(&c.ReporterWindow, DefaultReporterWindow)
	orInt(&c.SurgeMinCount, DefaultSurgeMinCount)
	if c.SurgeFactor <= 0 {
		c.SurgeFactor = DefaultSurgeFactor
	}
	if c.SurgeAlpha <= 0 || c.SurgeAlpha > 1 {
		c.SurgeAlpha = DefaultSurgeAlpha
	}
	orDur(&c.SurgeWindow, DefaultSurgeWindow)
	orInt(&c.LookalikeThreshold, DefaultLookalikeThreshold)
	orDur(&c.LookalikeWindow, DefaultLookalikeWindow)
	orInt(&c.HolderThreshold, DefaultHolderThreshold)
	orDur(&c.HolderWindow, DefaultHolderWindow)
	orInt(&c.QueueSize, DefaultQueueSize)
	orDur(&c.FlushInterval, DefaultFlushInterval)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// ErrNoSecret is returned by New without a Config.Secret.
var ErrNoSecret = errors.New("trends: a secret for reporter hashes is required")

// NewSecret returns 32 random bytes for Config.Secret.
func NewSecret() ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("trends: secret: %w", err)
	}
	return b, nil
}

// ReportEvent is what the detector learns from one accepted report.
type ReportEvent struct {
	// Keys are the indicators the report names.
	Keys []indicators.Key
	// Reporter identifies the person: the opaque id an app or hotline
	// gave, else the client IP. Only its keyed hash is kept.
	Reporter string
	// HolderName is the account holder the reporter gave, if any.
	HolderName string
	// Category is the report's category, copied to drafts.
	Category indicators.Category
	// At is when the report was accepted; zero means now.
	At time.Time
}

// checkHit is one queued check: only what the rules need.
type checkHit struct {
	key         indicators.Key
	lookalikeOf string // the imitated domain, for the wave rule
	surge       bool   // a hit on a listed indicator, for the surge rule
	category    indicators.Category
	at          time.Time
}

// Detector applies the rules. Report is synchronous; Check only queues.
type Detector struct {
	cfg      Config
	state    State
	warnings indicators.WarningStore

	queue   chan checkHit
	dropped atomic.Int64
	drafted atomic.Int64

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	flushReq chan chan struct{}
}

// New returns a started detector; Close stops it.
func New(state State, warnings indicators.WarningStore, cfg Config) (*Detector, error) {
	if len(cfg.Secret) == 0 {
		return nil, ErrNoSecret
	}
	if state == nil || warnings == nil {
		return nil, errors.New("trends: a state and a warning store are required")
	}
	cfg = cfg.withDefaults()
	d := &Detector{cfg: cfg, state: state, warnings: warnings,
		queue: make(chan checkHit, cfg.QueueSize), stop: make(chan struct{}), done: make(chan struct{}),
		flushReq: make(chan chan struct{})}
	go d.run()
	return d, nil
}

// Dropped counts checks the full queue refused.
func (d *Detector) Dropped() int64 { return d.dropped.Load() }

// Drafted counts warnings this detector drafted.
func (d *Detector) Drafted() int64 { return d.drafted.Load() }

// Check queues a check result when it hit a listed indicator (dangerous or
// suspicious) or named a lookalike. It never blocks: with the queue full
// the hit is dropped and counted. Safe on a nil Detector.
func (d *Detector) Check(r *indicators.Result) {
	if d == nil || r == nil || r.Error != nil || r.Key == "" {
		return
	}
	hit := r.Status != "" && (r.Verdict == indicators.VerdictDangerous || r.Verdict == indicators.VerdictSuspicious)
	if !hit && r.LookalikeOf == "" {
		return
	}
	h := checkHit{key: r.Key, lookalikeOf: r.LookalikeOf, surge: hit, category: r.Category, at: d.cfg.Now()}
	select {
	case d.queue <- h:
	default:
		d.dropped.Add(1)
	}
}

// Flush counts every check queued so far and waits until it is done. For
// tests and shutdown.
func (d *Detector) Flush(ctx context.Context) error {
	ack := make(chan struct{})
	select {
	case d.flushReq <- ack:
	case <-d.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close counts what is queued and stops the worker.
func (d *Detector) Close() error {
	d.stopOnce.Do(func() { close(d.stop) })
	<-d.done
	return nil
}

// run drains the queue in batches: counting per key per minute first turns
// a burst of identical checks into one State call.
func (d *Detector) run() {
	defer close(d.done)
	t := time.NewTicker(d.cfg.FlushInterval)
	defer t.Stop()
	var batch []checkHit
	drain := func() {
		for {
			select {
			case h := <-d.queue:
				batch = append(batch, h)
			default:
				return
			}
		}
	}
	process := func() {
		drain()
		if len(batch) > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			d.processChecks(ctx, batch)
			cancel()
			batch = batch[:0]
		}
	}
	saver, _ := d.state.(interface{ Save(context.Context) error })
	save := func() {
		if saver == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := saver.Save(ctx); err != nil {
			d.cfg.Logger.Warn("trends: save state", "err", err)
		}
	}
	defer save()
	lastSave := time.Now()
	for {
		select {
		case h := <-d.queue:
			batch = append(batch, h)
			if len(batch) >= 4096 {
				process()
			}
		case <-t.C:
			process()
			if time.Since(lastSave) >= saveInterval {
				save()
				lastSave = time.Now()
			}
		case ack := <-d.flushReq:
			process()
			close(ack)
		case <-d.stop:
			process()
			return
		}
	}
}

// saveInterval is how often a State that can save itself (the embedded
// Memory) is saved; a crash loses at most this much of the counts.
const saveInterval = time.Minute

type minuteKey struct {
	key    indicators.Key
	minute int64
}

func (d *Detector) processChecks(ctx context.Context, batch []checkHit) {
	counts := map[minuteKey]int64{}
	cats := map[indicators.Key]indicators.Category{}
	var order []minuteKey
	for _, h := range batch {
		if h.lookalikeOf != "" {
			d.lookalike(ctx, h)
		}
		if !h.surge {
			continue
		}
		mk := minuteKey{h.key, h.at.Unix() / 60}
		if _, ok := counts[mk]; !ok {
			order = append(order, mk)
		}
		counts[mk]++
		cats[h.key] = h.category
	}
	for _, mk := range order {
		d.surge(ctx, mk, counts[mk], cats[mk.key])
	}
}

func (d *Detector) surge(ctx context.Context, mk minuteKey, n int64, cat indicators.Category) {
	minute := time.Unix(mk.minute*60, 0).UTC()
	cur, ewma, err := d.state.Rate(ctx, "surge:"+string(mk.key), minute, n, d.cfg.SurgeAlpha, 2*d.cfg.SurgeWindow)
	if err != nil {
		d.cfg.Logger.Warn("trends: count checks", "err", err)
		return
	}
	limit := max(float64(d.cfg.SurgeMinCount), d.cfg.SurgeFactor*ewma)
	if float64(cur) < limit {
		return
	}
	start := minute.Truncate(d.cfg.SurgeWindow)
	d.draft(ctx, RuleSurge, string(mk.key), start, d.cfg.SurgeWindow, indicators.Warning{
		TitleVI:  fmt.Sprintf("Lượng tra cứu tăng đột biến: %s", mk.key.Value()),
		TitleEN:  fmt.Sprintf("Surge of checks: %s", mk.key.Value()),
		BodyVI:   fmt.Sprintf("%d lượt tra cứu trúng %s trong một phút (mức thường khoảng %.1f/phút).", cur, mk.key, ewma),
		BodyEN:   fmt.Sprintf("%d checks hit %s in one minute (usual rate about %.1f/min).", cur, mk.key, ewma),
		Severity: indicators.SeverityWarning, Category: cat, Keys: []indicators.Key{mk.key},
	})
}

func (d *Detector) lookalike(ctx context.Context, h checkHit) {
	target := strings.ToLower(h.lookalikeOf)
	members, err := d.state.AddMember(ctx, "look:"+target, string(domainOf(h.key)), h.at, d.cfg.LookalikeWindow)
	if err != nil {
		d.cfg.Logger.Warn("trends: count lookalikes", "err", err)
		return
	}
	if len(members) < d.cfg.LookalikeThreshold {
		return
	}
	keys := toKeys(members)
	d.draft(ctx, RuleLookalikes, target, h.at.Truncate(d.cfg.LookalikeWindow), d.cfg.LookalikeWindow, indicators.Warning{
		TitleVI:  fmt.Sprintf("Làn sóng trang giả mạo %s", target),
		TitleEN:  fmt.Sprintf("Wave of lookalikes of %s", target),
		BodyVI:   fmt.Sprintf("%d tên miền giả mạo %s được tra cứu trong %s.", len(keys), target, d.cfg.LookalikeWindow),
		BodyEN:   fmt.Sprintf("%d domains imitating %s were checked within %s.", len(keys), target, d.cfg.LookalikeWindow),
		Severity: indicators.SeverityCritical, Category: indicators.Category("phishing"), Keys: keys,
	})
}

// Report counts one accepted report. Errors are returned for logging: the
// report itself is stored already and must not fail because of the
// detector. Safe on a nil Detector.
func (d *Detector) Report(ctx context.Context, ev ReportEvent) error {
	if d == nil {
		return nil
	}
	at := ev.At
	if at.IsZero() {
		at = d.cfg.Now()
	}
	at = at.UTC()
	var errs []error
	if ev.Reporter != "" {
		who := d.hash(ev.Reporter)
		start := at.Truncate(d.cfg.ReporterWindow)
		for _, k := range ev.Keys {
			n, err := d.state.CountDistinct(ctx, "rep:"+string(k), who, start, d.cfg.ReporterWindow)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if n < int64(d.cfg.ReporterThreshold) {
				continue
			}
			if err := d.draft(ctx, RuleReporters, string(k), start, d.cfg.ReporterWindow, indicators.Warning{
				TitleVI:  fmt.Sprintf("Nhiều người cùng báo cáo %s", k.Value()),
				TitleEN:  fmt.Sprintf("Many people report %s", k.Value()),
				BodyVI:   fmt.Sprintf("Ít nhất %d người khác nhau đã báo cáo %s trong %s.", n, k, d.cfg.ReporterWindow),
				BodyEN:   fmt.Sprintf("At least %d different people reported %s within %s.", n, k, d.cfg.ReporterWindow),
				Severity: indicators.SeverityWarning, Category: ev.Category, Keys: []indicators.Key{k},
			}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if holder := NormalizeHolder(ev.HolderName); holder != "" {
		for _, k := range ev.Keys {
			if k.Kind() != indicators.KindBankAccount {
				continue
			}
			subject := hex.EncodeToString(d.mac([]byte("holder\x00" + holder))[:16])
			members, err := d.state.AddMember(ctx, "holder:"+subject, string(k), at, d.cfg.HolderWindow)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if len(members) < d.cfg.HolderThreshold {
				continue
			}
			keys := toKeys(members)
			if err := d.draft(ctx, RuleMuleRing, subject, at.Truncate(d.cfg.HolderWindow), d.cfg.HolderWindow, indicators.Warning{
				TitleVI:  fmt.Sprintf("Nghi vấn đường dây tài khoản: %s", holder),
				TitleEN:  fmt.Sprintf("Likely mule ring: %s", holder),
				BodyVI:   fmt.Sprintf("Tên chủ tài khoản %s xuất hiện trong báo cáo về %d tài khoản khác nhau trong %s.", holder, len(keys), d.cfg.HolderWindow),
				BodyEN:   fmt.Sprintf("Holder name %s appears on reports against %d different accounts within %s.", holder, len(keys), d.cfg.HolderWindow),
				Severity: indicators.SeverityCritical, Category: ev.Category, Keys: keys,
			}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// draft creates one draft warning for a detection unless this wave was
// drafted already. The DedupeKey makes it exact across replicas; the
// State's mark, set only once the store has the draft, saves a store round
// trip on every later event of the wave (and a failed write is retried by
// the next event instead of being lost).
func (d *Detector) draft(ctx context.Context, rule, subject string, start time.Time, window time.Duration, w indicators.Warning) error {
	dedupe := fmt.Sprintf("%s:%s:%d", rule, subject, start.Unix())
	mark := "fired:" + dedupe
	done, err := d.state.Marked(ctx, mark)
	if err != nil {
		return fmt.Errorf("trends: %s: %w", rule, err)
	}
	if done {
		return nil
	}
	id, err := newWarningID(d.cfg.Now())
	if err != nil {
		return err
	}
	w.ID, w.Status, w.Rule, w.DedupeKey, w.Author, w.CreatedAt = id, indicators.WarningDraft, rule, dedupe, Author, d.cfg.Now().UTC()
	if w.Category != "" && !w.Category.Valid() {
		w.Category = ""
	}
	if len(w.Keys) > indicators.MaxWarningKeys {
		w.Keys = w.Keys[:indicators.MaxWarningKeys]
	}
	w.TitleVI, w.TitleEN = clip(w.TitleVI, indicators.MaxWarningTitle), clip(w.TitleEN, indicators.MaxWarningTitle)
	switch err := d.warnings.CreateWarning(ctx, w); {
	case errors.Is(err, indicators.ErrConflict):
		// Drafted already, here or by another replica.
	case err != nil:
		return fmt.Errorf("trends: draft %s warning: %w", rule, err)
	default:
		d.drafted.Add(1)
		d.cfg.Logger.Info("trends: drafted warning", "rule", rule, "id", id)
	}
	// The mark outlives the window that the dedupe key names.
	if err := d.state.Mark(ctx, mark, 2*window); err != nil {
		return fmt.Errorf("trends: %s: %w", rule, err)
	}
	return nil
}

// hash is the keyed hash of a reporter id: without the secret a stored
// hash cannot be matched to a phone number or IP by trying them all.
func (d *Detector) hash(reporter string) string {
	return hex.EncodeToString(d.mac([]byte("reporter\x00" + reporter))[:16])
}

func (d *Detector) mac(b []byte) []byte {
	m := hmac.New(sha256.New, d.cfg.Secret)
	m.Write(b)
	return m.Sum(nil)
}

// newWarningID returns an id that sorts by creation time.
func newWarningID(now time.Time) (string, error) {
	var r [4]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("trends: warning id: %w", err)
	}
	return fmt.Sprintf("wrn_%016x%s", uint64(now.UnixNano()), hex.EncodeToString(r[:])), nil
}

// NormalizeHolder folds a holder name so that the spellings banks and
// citizens use compare equal: no diacritics (đ → d), upper case, single
// spaces. "Nguyễn  Văn An" and "NGUYEN VAN AN" are the same holder.
func NormalizeHolder(name string) string {
	name = strings.NewReplacer("đ", "d", "Đ", "D").Replace(name)
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	s, _, err := transform.String(t, name)
	if err != nil {
		s = name
	}
	return strings.Join(strings.Fields(strings.ToUpper(s)), " ")
}

// domainOf gives the domain key of a link, so that many links on one
// lookalike domain count as one domain in a wave; other keys are returned
// as they are.
func domainOf(k indicators.Key) indicators.Key {
	if k.Kind() != indicators.KindURL {
		return k
	}
	// Link keys are stored without their scheme.
	u, err := url.Parse("http://" + k.Value())
	if err != nil || u.Hostname() == "" {
		return k
	}
	p, err := indicators.ParseAs(indicators.KindDomain, u.Hostname())
	if err != nil {
		return k
	}
	return p.Key
}

func toKeys(members []string) []indicators.Key {
	keys := make([]indicators.Key, 0, len(members))
	for _, m := range members {
		keys = append(keys, indicators.Key(m))
	}
	return keys
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
