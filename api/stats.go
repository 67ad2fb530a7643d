package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/bloom"
	"github.com/scamcheck/scamcheck/indicators"
)

// CheckStats counts checks and new reports in memory, so that the check
// path does no I/O: a Server adds the counts to its StatsStore every few
// seconds and on Close. Give the Engine its Record method as
// EngineOptions.OnCheck. Safe for concurrent use.
type CheckStats struct {
	checks  [len(statKinds)][len(statVerdicts)]atomic.Int64
	reports [len(statChannels)]atomic.Int64
}

// statChannels index the report counters.
var statChannels = [...]indicators.Channel{indicators.ChannelWeb, indicators.ChannelApp, indicators.ChannelHotline, indicators.ChannelPolice}

// NewCheckStats returns zeroed counters.
func NewCheckStats() *CheckStats { return &CheckStats{} }

// Record counts one check; it has EngineOptions.OnCheck's signature.
func (cs *CheckStats) Record(kind indicators.Kind, v indicators.Verdict) {
	cs.checks[kindIndex(kind)][verdictIndex(v)].Add(1)
}

// recordReport counts one new report.
func (cs *CheckStats) recordReport(ch indicators.Channel) {
	for i, c := range statChannels {
		if c == ch {
			cs.reports[i].Add(1)
			return
		}
	}
}

func kindIndex(k indicators.Kind) int {
	switch k {
	case indicators.KindPhone:
		return 0
	case indicators.KindBankAccount:
		return 1
	case indicators.KindDomain:
		return 2
	case indicators.KindURL:
		return 3
	}
	return 4
}

func verdictIndex(v indicators.Verdict) int {
	switch v {
	case indicators.VerdictUnknown:
		return 0
	case indicators.VerdictSuspicious:
		return 1
	case indicators.VerdictDangerous:
		return 2
	case indicators.VerdictTrusted:
		return 3
	}
	return 4
}

// statsSnapshot is a copy of the counters at one moment.
type statsSnapshot struct {
	checks  [len(statKinds)][len(statVerdicts)]int64
	reports [len(statChannels)]int64
}

// Snapshot copies the counters.
func (cs *CheckStats) Snapshot() statsSnapshot {
	var s statsSnapshot
	for i := range cs.checks {
		for j := range cs.checks[i] {
			s.checks[i][j] = cs.checks[i][j].Load()
		}
	}
	for i := range cs.reports {
		s.reports[i] = cs.reports[i].Load()
	}
	return s
}

// counters turns the difference between two snapshots into StatsStore
// counters: "checks:<kind>", "hits:<kind>" (any verdict but unknown) and
// "reports:<channel>". Zero deltas are left out.
func (s statsSnapshot) counters(prev statsSnapshot) map[string]int64 {
	out := map[string]int64{}
	for ki, kind := range statKinds {
		var checks, hits int64
		for vi, v := range statVerdicts {
			d := s.checks[ki][vi] - prev.checks[ki][vi]
			checks += d
			if v != indicators.VerdictUnknown && v != "error" {
				hits += d
			}
		}
		if checks != 0 {
			out["checks:"+string(kind)] = checks
		}
		if hits != 0 {
			out["hits:"+string(kind)] = hits
		}
	}
	for i, ch := range statChannels {
		if d := s.reports[i] - prev.reports[i]; d != 0 {
			out["reports:"+string(ch)] = d
		}
	}
	return out
}

// statsFlusher adds what CheckStats counted since the last successful flush
// to the StatsStore. A failed flush keeps the counts for the next one.
type statsFlusher struct {
	counts *CheckStats
	store  indicators.StatsStore
	loc    *time.Location
	now    func() time.Time

	mu      sync.Mutex // guards flushed and serialises flushes
	flushed statsSnapshot
}

func newStatsFlusher(cs *CheckStats, store indicators.StatsStore, loc *time.Location, now func() time.Time) *statsFlusher {
	f := &statsFlusher{counts: cs, store: store, loc: loc, now: now}
	// Counts made before this server existed (a CheckStats shared with an
	// earlier server) were that server's to flush.
	f.flushed = cs.Snapshot()
	return f
}

// flush adds the counts since the last flush to today's counters. Counts
// made just before midnight and flushed after it land on the new day: a few
// seconds' skew is the price of no I/O per check.
func (f *statsFlusher) flush(ctx context.Context) error {
	if f.store == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	snap := f.counts.Snapshot()
	deltas := snap.counters(f.flushed)
	if len(deltas) == 0 {
		return nil
	}
	day := f.now().In(f.loc).Format(time.DateOnly)
	if err := f.store.AddCounters(ctx, day, deltas); err != nil {
		return fmt.Errorf("api: flush stats: %w", err)
	}
	f.flushed = snap
	return nil
}

// run flushes every interval until stop is closed, then closes done.
func (f *statsFlusher) run(interval time.Duration, stop <-chan struct{}, done chan<- struct{}, logger *slog.Logger) {
	defer close(done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), interval)
			logAttrsError(logger, "stats flush failed; will retry", f.flush(ctx))
			cancel()
		}
	}
}

// DayStats are one day's counters in /v1/stats.
type DayStats struct {
	Date             string                       `json:"date"`
	Checks           int64                        `json:"checks"`
	Hits             int64                        `json:"hits"`
	Reports          int64                        `json:"reports"`
	ChecksByKind     map[indicators.Kind]int64    `json:"checks_by_kind"`
	HitsByKind       map[indicators.Kind]int64    `json:"hits_by_kind"`
	ReportsByChannel map[indicators.Channel]int64 `json:"reports_by_channel"`
	Other            map[string]int64             `json:"other,omitempty"`
}

// StatsResponse is the body of GET /v1/stats.
type StatsResponse struct {
	Indicators indicators.Counts `json:"indicators"`
	Days       []DayStats        `json:"days"`
	Filters    []bloom.KindStats `json:"filters,omitempty"`
	// TopBanks and TopDomains rank banks and registrable domains by the
	// reports on their listed accounts, domains and links. They are
	// computed at most every few minutes (TopAsOf says when); TopPartial
	// says the scan stopped at its bound and they cover part of the store.
	TopBanks   []TopBank   `json:"top_banks"`
	TopDomains []TopDomain `json:"top_domains"`
	TopAsOf    time.Time   `json:"top_as_of"`
	TopPartial bool        `json:"top_partial,omitempty"`
	// Quiz counts the awareness checks completed and passed over the
	// same days.
	Quiz QuizStats `json:"quiz"`
}

// maxStatsDays bounds ?days=.
const maxStatsDays = 366

// stats answers GET /v1/stats?days=N (default 30): indicator counts and the
// daily counters of the last N days, oldest first, zero-filled.
func (s *Server) stats(c *fiber.Ctx) error {
	days := 30
	if v := c.Query("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxStatsDays {
			return badRequest("days: want 1 to %d", maxStatsDays)
		}
		days = n
	}
	ctx := c.UserContext()
	counts, err := s.cfg.Store.Counts(ctx)
	if err != nil {
		return fmt.Errorf("api: counts: %w", err)
	}
	resp := StatsResponse{Indicators: counts, Days: []DayStats{}, Quiz: s.quizStats(nil)}
	top, err := s.top.get(ctx)
	if err != nil {
		return err
	}
	resp.TopBanks, resp.TopDomains = nonNil(top.banks), nonNil(top.domains)
	resp.TopAsOf, resp.TopPartial = top.at.UTC(), top.partial
	if s.cfg.Filters != nil {
		resp.Filters = s.cfg.Filters.Stats()
	}
	if s.cfg.Stats != nil {
		// Flushing first makes the answer include the last seconds.
		if err := s.flusher.flush(ctx); err != nil {
			s.logger.Warn("stats flush failed", "err", err)
		}
		today := s.cfg.Now().In(s.cfg.Location)
		from := today.AddDate(0, 0, -(days - 1))
		got, err := s.cfg.Stats.Counters(ctx, from.Format(time.DateOnly), today.Format(time.DateOnly))
		if err != nil {
			return fmt.Errorf("api: stats counters: %w", err)
		}
		for d := range days {
			date := from.AddDate(0, 0, d).Format(time.DateOnly)
			resp.Days = append(resp.Days, dayStats(date, got[date]))
		}
		resp.Quiz = s.quizStats(got)
	}
	return c.Status(http.StatusOK).JSON(resp)
}

// dayStats sorts a day's free-form counters into the response shape.
func dayStats(date string, counters map[string]int64) DayStats {
	ds := DayStats{Date: date, ChecksByKind: map[indicators.Kind]int64{},
		HitsByKind: map[indicators.Kind]int64{}, ReportsByChannel: map[indicators.Channel]int64{}}
	for name, n := range counters {
		prefix, rest, _ := strings.Cut(name, ":")
		switch prefix {
		case "checks":
			ds.Checks += n
			ds.ChecksByKind[indicators.Kind(rest)] += n
		case "hits":
			ds.Hits += n
			ds.HitsByKind[indicators.Kind(rest)] += n
		case "reports":
			ds.Reports += n
			ds.ReportsByChannel[indicators.Channel(rest)] += n
		default:
			if ds.Other == nil {
				ds.Other = map[string]int64{}
			}
			ds.Other[name] = n
		}
	}
	return ds
}

// nonNil turns a nil slice into an empty one, so JSON says [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
