package trends

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"go.etcd.io/bbolt"
)

// State keeps the detector's windowed counts. RedisState shares them
// between replicas; Memory keeps them in the one embedded process.
type State interface {
	// CountDistinct adds member to the distinct set of name for the fixed
	// window starting at start, and returns how many distinct members the
	// current and the previous window hold together.
	CountDistinct(ctx context.Context, name, member string, start time.Time, window time.Duration) (int64, error)
	// AddMember records member under name at time at and returns the
	// distinct members seen within the window ending at at (sliding),
	// oldest first, at most MaxMembers.
	AddMember(ctx context.Context, name, member string, at time.Time, window time.Duration) ([]string, error)
	// Rate adds n events to name in minute and returns the count of that
	// minute and the EWMA (weight alpha) of the earlier minutes, silent
	// minutes counting as zero. A batch for a minute older than the
	// newest one returns 0 so that late events never raise an alarm.
	Rate(ctx context.Context, name string, minute time.Time, n int64, alpha float64, ttl time.Duration) (int64, float64, error)
	// Marked reports whether Mark(name) was called less than its ttl ago.
	Marked(ctx context.Context, name string) (bool, error)
	// Mark remembers name for ttl.
	Mark(ctx context.Context, name string, ttl time.Duration) error
}

// MaxMembers bounds every exact set: distinct reporters per window and
// members per sliding window. The rules' thresholds are far below it, so a
// capped set still decides correctly; a set at the cap stops growing.
const MaxMembers = 1024

// Memory is the in-process State of the embedded mode, which is one
// process. Reporters are an exact set of hashes per window (bounded by
// MaxMembers) instead of a HyperLogLog. With a bbolt database (NewBolt) it
// survives restarts: Save writes it to the "trends" bucket, and the
// detector saves it on every flush and on Close.
type Memory struct {
	mu   sync.Mutex
	data memoryData
	db   *bbolt.DB
}

// memoryData is Memory's content, saved as JSON.
type memoryData struct {
	Distinct map[string]*distinctSet `json:"distinct"`
	Members  map[string]*slidingSet  `json:"members"`
	Rates    map[string]*rateState   `json:"rates"`
	Marks    map[string]time.Time    `json:"marks"`
	Latest   time.Time               `json:"latest"` // newest event time seen, for pruning
}

type distinctSet struct {
	Members map[string]struct{} `json:"members"`
	Until   time.Time           `json:"until"`
}

type slidingSet struct {
	Seen  map[string]time.Time `json:"seen"`
	Until time.Time            `json:"until"`
}

type rateState struct {
	Minute int64     `json:"minute"`
	Count  int64     `json:"count"`
	EWMA   float64   `json:"ewma"`
	Until  time.Time `json:"until"`
}

// NewMemory returns an empty in-process State.
func NewMemory() *Memory {
	m := &Memory{}
	m.data.init()
	return m
}

func (d *memoryData) init() {
	if d.Distinct == nil {
		d.Distinct = map[string]*distinctSet{}
	}
	if d.Members == nil {
		d.Members = map[string]*slidingSet{}
	}
	if d.Rates == nil {
		d.Rates = map[string]*rateState{}
	}
	if d.Marks == nil {
		d.Marks = map[string]time.Time{}
	}
}

var bucketTrends = []byte("trends")
var keyState = []byte("state")

// NewBolt returns a Memory loaded from, and saved to, db (the embedded
// store's file: see backend.Backend.Bolt().DB()).
func NewBolt(db *bbolt.DB) (*Memory, error) {
	m := NewMemory()
	m.db = db
	err := db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketTrends)
		if b == nil {
			return nil
		}
		v := b.Get(keyState)
		if v == nil {
			return nil
		}
		return json.Unmarshal(v, &m.data)
	})
	if err != nil {
		return nil, fmt.Errorf("trends: load state: %w", err)
	}
	m.data.init()
	return m, nil
}

// Save prunes expired windows and writes the state to the database given
// to NewBolt; without one it only prunes.
func (m *Memory) Save(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	m.prune()
	var b []byte
	var err error
	if m.db != nil {
		b, err = json.Marshal(&m.data)
	}
	m.mu.Unlock()
	if err != nil || m.db == nil {
		return err
	}
	if err := m.db.Update(func(tx *bbolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketTrends)
		if err != nil {
			return err
		}
		return bk.Put(keyState, b)
	}); err != nil {
		return fmt.Errorf("trends: save state: %w", err)
	}
	return nil
}

// prune drops what no rule can read any more, judged by event time.
func (m *Memory) prune() {
	now := m.data.Latest
	for k, v := range m.data.Distinct {
		if v.Until.Before(now) {
			delete(m.data.Distinct, k)
		}
	}
	for k, v := range m.data.Members {
		if v.Until.Before(now) {
			delete(m.data.Members, k)
		}
	}
	for k, v := range m.data.Rates {
		if v.Until.Before(now) {
			delete(m.data.Rates, k)
		}
	}
	wall := time.Now()
	for k, v := range m.data.Marks {
		if v.Before(wall) {
			delete(m.data.Marks, k)
		}
	}
}

func (m *Memory) seen(t time.Time) {
	if t.After(m.data.Latest) {
		m.data.Latest = t
	}
}

// CountDistinct implements State with exact sets.
func (m *Memory) CountDistinct(ctx context.Context, name, member string, start time.Time, window time.Duration) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen(start)
	cur := fmt.Sprintf("%s@%d", name, start.Unix())
	set := m.data.Distinct[cur]
	if set == nil {
		set = &distinctSet{Members: map[string]struct{}{}, Until: start.Add(2 * window)}
		m.data.Distinct[cur] = set
	}
	if len(set.Members) < MaxMembers {
		set.Members[member] = struct{}{}
	}
	n := int64(len(set.Members))
	if prev := m.data.Distinct[fmt.Sprintf("%s@%d", name, start.Add(-window).Unix())]; prev != nil {
		for p := range prev.Members {
			if _, ok := set.Members[p]; !ok {
				n++
			}
		}
	}
	return n, nil
}

// AddMember implements State.
func (m *Memory) AddMember(ctx context.Context, name, member string, at time.Time, window time.Duration) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen(at)
	set := m.data.Members[name]
	if set == nil {
		set = &slidingSet{Seen: map[string]time.Time{}}
		m.data.Members[name] = set
	}
	from := at.Add(-window)
	for k, t := range set.Seen {
		if !t.After(from) {
			delete(set.Seen, k)
		}
	}
	if t, ok := set.Seen[member]; ok || len(set.Seen) < MaxMembers {
		if !ok || at.After(t) {
			set.Seen[member] = at
		}
	}
	if u := at.Add(window); u.After(set.Until) {
		set.Until = u
	}
	out := make([]string, 0, len(set.Seen))
	for k := range set.Seen {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int {
		if c := set.Seen[a].Compare(set.Seen[b]); c != 0 {
			return c
		}
		return compareStrings(a, b)
	})
	return out, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Rate implements State.
func (m *Memory) Rate(ctx context.Context, name string, minute time.Time, n int64, alpha float64, ttl time.Duration) (int64, float64, error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen(minute)
	min := minute.Unix() / 60
	r := m.data.Rates[name]
	switch {
	case r == nil:
		r = &rateState{Minute: min}
		m.data.Rates[name] = r
	case min > r.Minute:
		r.EWMA = rollEWMA(r.EWMA, r.Count, min-r.Minute, alpha)
		r.Minute, r.Count = min, 0
	case min < r.Minute:
		return 0, r.EWMA, nil
	}
	r.Count += n
	r.Until = minute.Add(ttl)
	return r.Count, r.EWMA, nil
}

// rollEWMA closes the minute that counted count and the gap-1 silent
// minutes after it.
func rollEWMA(ewma float64, count, gap int64, alpha float64) float64 {
	ewma = alpha*float64(count) + (1-alpha)*ewma
	if gap > 1 {
		ewma *= math.Pow(1-alpha, float64(min(gap-1, 100000)))
	}
	return ewma
}

// Marked implements State.
func (m *Memory) Marked(ctx context.Context, name string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.data.Marks[name]
	return ok && t.After(time.Now()), nil
}

// Mark implements State.
func (m *Memory) Mark(ctx context.Context, name string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data.Marks[name] = time.Now().Add(ttl)
	return nil
}
