// Package summary builds the centre's periodic report: reports by channel,
// category and day, checks and hits, indicators confirmed and delisted,
// time to confirmation, freeze requests and the most targeted brands, for a
// range of days. It reads the stores through their interfaces only, page by
// page, so that a quarter of a million reports costs the same memory as a
// quarter of a thousand: what it keeps grows with the days, channels,
// categories, brands and confirmations of the period, not with the reports.
package summary

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// ErrInvalidRange is wrapped by the errors Build returns for a range it
// cannot read: a bound that is not a day, from after to, or too long. It
// also matches indicators.ErrInvalidInput, so the API answers 400.
var ErrInvalidRange = errors.New("summary: invalid range")

// MaxDays bounds a range: a summary is of a quarter or a year, and one of
// several years is a mistake that would walk every store for nothing.
const MaxDays = 3660

// Sources are the stores a summary reads. Reports is required; a nil
// optional source leaves its section empty and marked unavailable.
type Sources struct {
	Reports  indicators.ReportStore
	Records  indicators.Store        // confirmations, delistings without an audit log
	Audit    indicators.AuditLog     // delistings
	Stats    indicators.StatsStore   // checks and hits
	Partners indicators.PartnerStore // freeze requests and acknowledgements
	// Lookalikes names the brand a reported domain or link imitates.
	Lookalikes indicators.Lookalikes
	// Banks names the bank of a reported account; default
	// indicators.DefaultBanks().
	Banks *indicators.BankTable
	// Location decides which day a time belongs to; default UTC+7, the
	// same fixed zone as the API's counters.
	Location *time.Location
	// Now stamps the summary; default time.Now.
	Now func() time.Time
	// TopBrands is how many brands to list; default 10.
	TopBrands int
}

// Count is one named number of a breakdown.
type Count struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Day is the numbers of one day.
type Day struct {
	Day     string `json:"day"`
	Reports int64  `json:"reports"`
	Checks  int64  `json:"checks"`
	Hits    int64  `json:"hits"`
}

// Summary is the report of one range of days, both included.
type Summary struct {
	From        string    `json:"from"`
	To          string    `json:"to"`
	GeneratedAt time.Time `json:"generated_at"`

	Reports           int64   `json:"reports"`
	ReportsByChannel  []Count `json:"reports_by_channel"`
	ReportsByCategory []Count `json:"reports_by_category"`
	ReportsByStatus   []Count `json:"reports_by_status"`
	Days              []Day   `json:"days"`

	ChecksAvailable bool    `json:"checks_available"`
	Checks          int64   `json:"checks"`
	Hits            int64   `json:"hits"`
	ChecksByKind    []Count `json:"checks_by_kind"`
	HitsByKind      []Count `json:"hits_by_kind"`

	IndicatorsAvailable bool `json:"indicators_available"`
	Confirmed           int  `json:"confirmed"`
	Delisted            int  `json:"delisted"`
	// MedianHoursToConfirm is the median, over the indicators confirmed in
	// the range that came from reports, of the hours from the first report
	// (the record's FirstSeen) to confirmation; nil when there is none.
	MedianHoursToConfirm *float64 `json:"median_hours_to_confirm"`

	FreezeAvailable bool `json:"freeze_available"`
	FreezeSent      int  `json:"freeze_sent"`      // outbox rows created in the range
	FreezeDelivered int  `json:"freeze_delivered"` // of those, delivered
	FreezeFailed    int  `json:"freeze_failed"`    // of those, given up
	FreezeAcked     int  `json:"freeze_acked"`     // of those, acknowledged by the bank
	FreezeFrozen    int  `json:"freeze_frozen"`    // of those, acknowledged as frozen

	TopBrands []Count `json:"top_brands"`
}

// pageSize is the page of every listing: big enough that paging costs
// little, small enough that one page is a few hundred kilobytes.
const pageSize = 1000

// ParseRange checks a range of days in indicators.DayLayout and returns its
// bounds as instants in loc: the start of from and the start of the day
// after to. Errors name the bound ("from", "to") and wrap ErrInvalidRange
// and indicators.ErrInvalidInput.
func ParseRange(from, to string, loc *time.Location) (start, end time.Time, err error) {
	f, err := time.ParseInLocation(indicators.DayLayout, from, loc)
	if err != nil {
		return start, end, rangeErr("from %q is not a day YYYY-MM-DD", from)
	}
	t, err := time.ParseInLocation(indicators.DayLayout, to, loc)
	if err != nil {
		return start, end, rangeErr("to %q is not a day YYYY-MM-DD", to)
	}
	if f.After(t) {
		return start, end, rangeErr("from %s is after to %s", from, to)
	}
	if f.AddDate(0, 0, MaxDays-1).Before(t) {
		return start, end, rangeErr("from %s to %s is longer than %d days", from, to, MaxDays)
	}
	return f, t.AddDate(0, 0, 1), nil
}

// RangeError is a refused range; Message names the bound and its value,
// for the flag or query parameter of the same name.
type RangeError struct{ Message string }

func (e *RangeError) Error() string { return "summary: " + e.Message }

// Is makes a RangeError match ErrInvalidRange and indicators.ErrInvalidInput.
func (e *RangeError) Is(target error) bool {
	return target == ErrInvalidRange || target == indicators.ErrInvalidInput
}

func rangeErr(format string, args ...any) error {
	return &RangeError{Message: fmt.Sprintf(format, args...)}
}

// vietnam is UTC+7 without a tz database, as the API's counters use.
var vietnam = time.FixedZone("ICT", 7*3600)

// Build reads the sources and returns the summary of [from, to].
func Build(ctx context.Context, src Sources, from, to string) (*Summary, error) {
	loc := cmp.Or(src.Location, vietnam)
	start, end, err := ParseRange(from, to, loc)
	if err != nil {
		return nil, err
	}
	if src.Reports == nil {
		return nil, errors.New("summary: no report store")
	}
	now := time.Now
	if src.Now != nil {
		now = src.Now
	}
	s := &Summary{From: from, To: to, GeneratedAt: now().UTC()}
	b := builder{src: src, loc: loc, start: start, end: end, s: s,
		dayIndex: map[string]int{}, brands: map[string]int64{}}
	if b.src.Banks == nil {
		b.src.Banks = indicators.DefaultBanks()
	}
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		day := d.Format(indicators.DayLayout)
		b.dayIndex[day] = len(s.Days)
		s.Days = append(s.Days, Day{Day: day})
	}
	steps := []func(context.Context) error{b.reports, b.checks, b.indicators, b.freeze}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	s.TopBrands = top(b.brands, cmp.Or(src.TopBrands, 10))
	return s, nil
}

type builder struct {
	src        Sources
	loc        *time.Location
	start, end time.Time
	s          *Summary
	dayIndex   map[string]int
	brands     map[string]int64
}

func (b *builder) in(t time.Time) bool { return !t.Before(b.start) && t.Before(b.end) }

// reports walks every report once, page by page. Report ids sort by
// creation time but their form belongs to whoever created them, so the
// walk does not seek by id; it filters on CreatedAt.
func (b *builder) reports(ctx context.Context) error {
	byChannel, byCategory, byStatus := map[string]int64{}, map[string]int64{}, map[string]int64{}
	f := indicators.ReportFilter{Limit: pageSize}
	for {
		page, err := b.src.Reports.ListReports(ctx, f)
		if err != nil {
			return fmt.Errorf("summary: list reports: %w", err)
		}
		for i := range page.Reports {
			r := &page.Reports[i]
			if !b.in(r.CreatedAt) {
				continue
			}
			b.s.Reports++
			byChannel[string(r.Channel)]++
			byCategory[cmp.Or(string(r.Category), "other")]++
			byStatus[string(r.Status)]++
			if i, ok := b.dayIndex[r.CreatedAt.In(b.loc).Format(indicators.DayLayout)]; ok {
				b.s.Days[i].Reports++
			}
			b.brandsOf(r.Keys)
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	b.s.ReportsByChannel = sorted(byChannel)
	b.s.ReportsByCategory = sorted(byCategory)
	b.s.ReportsByStatus = sorted(byStatus)
	return nil
}

// brandsOf counts the brands a report's indicators target: the bank of an
// account, and the trusted brand a domain or link imitates. Each brand
// counts once per report.
func (b *builder) brandsOf(keys []indicators.Key) {
	var seen [indicators.MaxReportKeys]string
	n := 0
	for _, k := range keys {
		brand := b.brandOf(k)
		if brand == "" || slices.Contains(seen[:n], brand) {
			continue
		}
		if n < len(seen) {
			seen[n] = brand
			n++
		}
		b.brands[brand]++
	}
}

func (b *builder) brandOf(k indicators.Key) string {
	switch k.Kind() {
	case indicators.KindBankAccount:
		bin, _, ok := strings.Cut(k.Value(), ":")
		if !ok {
			return ""
		}
		if bank, ok := b.src.Banks.ByBIN(bin); ok {
			return bank.ShortName
		}
		return "BIN " + bin
	case indicators.KindDomain, indicators.KindURL:
		if b.src.Lookalikes == nil {
			return ""
		}
		host := k.Value()
		if k.Kind() == indicators.KindURL {
			host = indicators.URLHost(host)
		}
		if of, ok := b.src.Lookalikes.LookalikeOf(host); ok {
			return of
		}
	}
	return ""
}

// checks reads the daily counters "checks:<kind>" and "hits:<kind>" that
// the API flushes.
func (b *builder) checks(ctx context.Context) error {
	if b.src.Stats == nil {
		return nil
	}
	days, err := b.src.Stats.Counters(ctx, b.s.From, b.s.To)
	if err != nil {
		return fmt.Errorf("summary: counters: %w", err)
	}
	b.s.ChecksAvailable = true
	checks, hits := map[string]int64{}, map[string]int64{}
	for day, counters := range days {
		i, ok := b.dayIndex[day]
		for name, n := range counters {
			switch kind, ok2 := strings.CutPrefix(name, "checks:"); {
			case ok2:
				checks[kind] += n
				b.s.Checks += n
				if ok {
					b.s.Days[i].Checks += n
				}
			case strings.HasPrefix(name, "hits:"):
				hits[strings.TrimPrefix(name, "hits:")] += n
				b.s.Hits += n
				if ok {
					b.s.Days[i].Hits += n
				}
			}
		}
	}
	b.s.ChecksByKind, b.s.HitsByKind = sorted(checks), sorted(hits)
	return nil
}

// indicators counts confirmations from the records (ConfirmedAt) and
// delistings from the audit log, which is the only place a delisting's time
// is kept; without an audit log it falls back on delisted records updated
// in the range.
func (b *builder) indicators(ctx context.Context) error {
	if b.src.Records == nil {
		return nil
	}
	b.s.IndicatorsAvailable = true
	var hours []float64
	fallbackDelisted := 0
	err := b.src.Records.Iterate(ctx, "", func(r indicators.Record) error {
		if r.Status == indicators.StatusDelisted && b.in(r.UpdatedAt) {
			fallbackDelisted++
		}
		if r.ConfirmedAt.IsZero() || !b.in(r.ConfirmedAt) {
			return nil
		}
		b.s.Confirmed++
		if r.Reports > 0 && !r.FirstSeen.IsZero() && !r.FirstSeen.After(r.ConfirmedAt) {
			hours = append(hours, r.ConfirmedAt.Sub(r.FirstSeen).Hours())
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("summary: iterate records: %w", err)
	}
	if len(hours) > 0 {
		slices.Sort(hours)
		m := hours[len(hours)/2]
		if len(hours)%2 == 0 {
			m = (hours[len(hours)/2-1] + m) / 2
		}
		b.s.MedianHoursToConfirm = &m
	}
	if b.src.Audit == nil {
		b.s.Delisted = fallbackDelisted
		return nil
	}
	// An indicator delisted twice in the range counts once.
	delisted := map[string]bool{}
	f := indicators.AuditFilter{Limit: pageSize}
	for {
		page, err := b.src.Audit.ListAudit(ctx, f)
		if err != nil {
			return fmt.Errorf("summary: list audit: %w", err)
		}
		for _, e := range page.Entries {
			if e.Action == actionDelist && b.in(e.Time) {
				delisted[e.Target] = true
			}
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	b.s.Delisted = len(delisted)
	return nil
}

// actionDelist is api.ActionIndicatorDelist; the audit log's action names
// are part of its format, so the copy cannot drift.
const actionDelist = "indicator.delist"

// freeze counts the outbox rows created in the range and the
// acknowledgements of them. Acknowledgements are listed by indicator, so it
// asks once per account that had a row in the range.
func (b *builder) freeze(ctx context.Context) error {
	if b.src.Partners == nil {
		return nil
	}
	b.s.FreezeAvailable = true
	inRange := map[string]bool{}
	keys := map[indicators.Key]bool{}
	f := indicators.DeliveryFilter{Limit: pageSize}
	for {
		page, err := b.src.Partners.ListDeliveries(ctx, f)
		if err != nil {
			return fmt.Errorf("summary: list deliveries: %w", err)
		}
		for _, d := range page.Deliveries {
			// Only account events are freeze requests; other events
			// (warnings) share the outbox.
			isFreeze := d.Event == indicators.EventAccountConfirmed || d.Event == indicators.EventAccountReported
			if !isFreeze || !b.in(d.CreatedAt) {
				continue
			}
			b.s.FreezeSent++
			switch d.State {
			case indicators.DeliveryDelivered:
				b.s.FreezeDelivered++
			case indicators.DeliveryFailed:
				b.s.FreezeFailed++
			}
			inRange[d.ID] = true
			keys[d.Key] = true
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	for k := range keys {
		acks, err := b.src.Partners.ListAcks(ctx, k)
		if err != nil {
			return fmt.Errorf("summary: list acks of %s: %w", k, err)
		}
		for _, a := range acks {
			if inRange[a.DeliveryID] {
				b.s.FreezeAcked++
				if a.Frozen {
					b.s.FreezeFrozen++
				}
			}
		}
	}
	return nil
}

// sorted turns counts into a list, largest first, then by name, so that
// output is stable.
func sorted(m map[string]int64) []Count {
	out := make([]Count, 0, len(m))
	for name, n := range m {
		out = append(out, Count{Name: name, Count: n})
	}
	slices.SortFunc(out, func(a, b Count) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Name, b.Name))
	})
	return out
}

func top(m map[string]int64, n int) []Count {
	out := sorted(m)
	if len(out) > n {
		out = out[:n]
	}
	return out
}
