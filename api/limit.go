package api

import (
	"hash/maphash"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/indicators"
)

// Limit is a rate limit: at most Requests per Window for one client.
// Requests < 0 disables the limit (benchmarks, trusted networks).
type Limit struct {
	Requests int
	Window   time.Duration
}

func (l Limit) orDefault(d Limit) Limit {
	if l.Requests == 0 {
		return d
	}
	if l.Window <= 0 {
		l.Window = d.Window
	}
	return l
}

// limiter counts requests per client in fixed windows. It is sharded so
// that the hot path takes a lock few other requests want. Fiber's own
// limiter serialises its state per request, which costs more than a check.
type limiter struct {
	limit  Limit
	now    func() time.Time
	seed   maphash.Seed
	shards [64]limiterShard
}

type limiterShard struct {
	mu      sync.Mutex // guards windows
	windows map[string]*window
}

type window struct {
	start time.Time
	count int
}

// maxClientsPerShard bounds memory under a flood of distinct clients:
// windows that have ended are swept when a shard reaches it.
const maxClientsPerShard = 4096

func newLimiter(l Limit, now func() time.Time) *limiter {
	lm := &limiter{limit: l, now: now, seed: maphash.MakeSeed()}
	for i := range lm.shards {
		lm.shards[i].windows = map[string]*window{}
	}
	return lm
}

// enabled reports whether the limit applies at all.
func (lm *limiter) enabled() bool { return lm != nil && lm.limit.Requests >= 0 }

// allow counts one request of client and reports whether it is within the
// limit, and if not, how long until the window ends.
func (lm *limiter) allow(client string) (bool, time.Duration) {
	if !lm.enabled() {
		return true, 0
	}
	sh := &lm.shards[maphash.String(lm.seed, client)%uint64(len(lm.shards))]
	now := lm.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	w, ok := sh.windows[client]
	if !ok {
		if len(sh.windows) >= maxClientsPerShard {
			sh.sweep(now, lm.limit.Window)
		}
		w = &window{start: now}
		sh.windows[client] = w
	} else if now.Sub(w.start) >= lm.limit.Window {
		w.start, w.count = now, 0
	}
	if w.count >= lm.limit.Requests {
		return false, lm.limit.Window - now.Sub(w.start)
	}
	w.count++
	return true, 0
}

// sweep drops windows that have ended; when none has, it drops all, which
// at worst gives a flood's clients a fresh window.
func (sh *limiterShard) sweep(now time.Time, d time.Duration) {
	for k, w := range sh.windows {
		if now.Sub(w.start) >= d {
			delete(sh.windows, k)
		}
	}
	if len(sh.windows) >= maxClientsPerShard {
		clear(sh.windows)
	}
}

// rateLimited is the 429 error, with Retry-After set on the response.
func rateLimited(c *fiber.Ctx, retry time.Duration) error {
	secs := int(retry/time.Second) + 1
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	return errorf(http.StatusTooManyRequests, CodeRateLimited, "too many requests; retry in %d s", secs)
}

// limit applies the per-client rate limits before authentication: a
// request with a key already known to the cache counts against that key's
// (higher) limit; anything else, including a key not yet verified, counts
// against its IP's public limit, so made-up keys cannot buy a higher limit
// or unbounded store lookups. hash is the hash of a well-formed bearer
// key, "" if there is none.
func (s *Server) limit(c *fiber.Ctx, hash string) error {
	if hash != "" {
		if k, known := s.keys.get(hash); known && k != nil && k.Active() {
			if ok, retry := s.keyLimiter.allow(k.ID); !ok {
				return rateLimited(c, retry)
			}
			return nil
		}
	}
	if !s.ipLimiter.enabled() {
		return nil // before c.IP, which allocates
	}
	if ok, retry := s.ipLimiter.allow(c.IP()); !ok {
		return rateLimited(c, retry)
	}
	return nil
}

// limitReports applies the per-IP limit on new citizen reports, on top of
// the general limit: reports write to the store and feed verdicts.
func (s *Server) limitReports(c *fiber.Ctx) error {
	if k := caller(c); k != nil && k.Role.Allows(indicators.RolePolice) {
		// Police and admin file reports taken over the hotline in bulk.
		return c.Next()
	}
	if ok, retry := s.reportLimiter.allow(c.IP()); !ok {
		return rateLimited(c, retry)
	}
	return c.Next()
}
