package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// Defaults of Options.
const (
	DefaultPollInterval = time.Second
	DefaultLease        = 2 * time.Minute
	DefaultBatch        = 20
	DefaultMaxAttempts  = 16
	DefaultBaseDelay    = time.Second
	DefaultMaxDelay     = time.Hour
	DefaultTimeout      = 15 * time.Second
)

// Options tune a Worker. Zero values take the defaults noted.
type Options struct {
	// Client sends the POSTs. Default: an http.Client with a
	// DefaultTimeout (15s) timeout. Its timeout must be well under Lease.
	Client *http.Client
	// Now is the clock for claims, signatures and backoff. Default
	// time.Now.
	Now func() time.Time
	// Logger receives delivery failures. Default slog.Default().
	Logger *slog.Logger
	// PollInterval is the pause of Run when the outbox has nothing due.
	// Default 1s.
	PollInterval time.Duration
	// Lease is how long a claimed row is hidden from other workers: a
	// worker that dies holding it loses it after Lease. Default 2 min.
	Lease time.Duration
	// Batch is how many rows one claim takes. Default 20.
	Batch int
	// MaxAttempts is the number of attempts before a row is given up
	// (state failed). Default 16: with the default delays, waits of 1s,
	// 2s, 4s … 2048s, then 1h three times: about 4 hours of retries, enough
	// to ride out a partner's maintenance window.
	MaxAttempts int
	// BaseDelay and MaxDelay shape the backoff: BaseDelay·2^(n-1) after
	// the n-th failed attempt, at most MaxDelay, plus Jitter. Defaults 1s
	// and 1h.
	BaseDelay, MaxDelay time.Duration
	// Jitter returns the random extra wait added to a delay d, so that
	// retries of many rows do not hit a partner in lockstep. Default: up to
	// d/4.
	Jitter func(d time.Duration) time.Duration
}

// Worker sends due outbox rows to partners. Any number of workers (one per
// replica) can share one outbox: claims lease rows, so no two send a row at
// the same time.
type Worker struct {
	store indicators.PartnerStore
	opts  Options
}

// NewWorker returns a worker on store.
func NewWorker(store indicators.PartnerStore, opts Options) *Worker {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: DefaultTimeout}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Lease <= 0 {
		opts.Lease = DefaultLease
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.BaseDelay <= 0 {
		opts.BaseDelay = DefaultBaseDelay
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = DefaultMaxDelay
	}
	if opts.Jitter == nil {
		opts.Jitter = func(d time.Duration) time.Duration { return rand.N(d/4 + 1) }
	}
	return &Worker{store: store, opts: opts}
}

// Backoff returns the wait after the n-th failed attempt (n >= 1), before
// jitter: base·2^(n-1), at most max.
func Backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// Run sends due rows until ctx ends. A failing store is logged and retried
// at the poll interval.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.opts.Logger.Warn("webhooks: outbox", "err", err)
		}
		wait := w.opts.PollInterval
		if n == w.opts.Batch && err == nil {
			wait = 0 // more may be due: do not sleep on a backlog
		}
		t.Reset(wait)
	}
}

// RunOnce claims one batch of due rows, sends each, records the results,
// and returns how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	rows, err := w.store.ClaimDeliveries(ctx, w.opts.Now(), w.opts.Lease, w.opts.Batch)
	if err != nil {
		return 0, fmt.Errorf("webhooks: claim: %w", err)
	}
	partners := map[string]*indicators.Partner{}
	var errs []error
	for _, d := range rows {
		if ctx.Err() != nil {
			// Shutting down: the rows not sent keep their lease and come
			// back when it ends.
			break
		}
		if err := w.deliver(ctx, d, partners); err != nil {
			errs = append(errs, err)
		}
	}
	return len(rows), errors.Join(errs...)
}

// deliver sends one claimed row and records the result. partners caches
// the partners of this batch (nil: not found).
func (w *Worker) deliver(ctx context.Context, d indicators.Delivery, partners map[string]*indicators.Partner) error {
	p, seen := partners[d.PartnerID]
	if !seen {
		got, err := w.store.GetPartner(ctx, d.PartnerID)
		switch {
		case err == nil:
			p = &got
		case errors.Is(err, indicators.ErrNotFound):
		default:
			return fmt.Errorf("webhooks: partner of %s: %w", d.ID, err)
		}
		partners[d.PartnerID] = p
	}
	var status int
	var sendErr error
	switch {
	case p == nil:
		// Nobody to send to, ever: give up at once.
		return w.finish(d, indicators.Attempt{Claim: d.Attempts, At: w.opts.Now(), Error: "partner no longer exists"})
	case p.Disabled:
		sendErr = errors.New("partner disabled")
	default:
		status, sendErr = w.send(ctx, p, d)
		if sendErr != nil && ctx.Err() != nil {
			// Cut short by shutdown, not by the partner: leave the row
			// leased; it is sent again, with the same id, after the lease.
			return nil
		}
	}
	now := w.opts.Now()
	a := indicators.Attempt{Claim: d.Attempts, At: now, Status: status}
	if sendErr == nil {
		a.Delivered = true
	} else {
		a.Error = sendErr.Error()
		if d.Attempts < w.opts.MaxAttempts {
			delay := Backoff(d.Attempts, w.opts.BaseDelay, w.opts.MaxDelay)
			a.Retry = now.Add(delay + w.opts.Jitter(delay))
		}
		level := slog.LevelInfo
		if a.Retry.IsZero() {
			level = slog.LevelWarn
		}
		w.opts.Logger.Log(ctx, level, "webhooks: delivery failed", "delivery", d.ID, "partner", d.PartnerID,
			"attempt", d.Attempts, "status", status, "err", a.Error, "given_up", a.Retry.IsZero())
	}
	return w.finish(d, a)
}

// finish records an attempt. It outlives a cancelled context briefly: a
// result that is not recorded means the row is sent again after its lease.
func (w *Worker) finish(d indicators.Delivery, a indicators.Attempt) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := w.store.FinishDelivery(ctx, d.ID, a); err != nil {
		return fmt.Errorf("webhooks: record attempt %d of %s: %w", d.Attempts, d.ID, err)
	}
	return nil
}

// maxResponseRead bounds what is read of a partner's answer: only the
// status matters, but reading a little lets the connection be reused.
const maxResponseRead = 64 << 10

// send POSTs d to p and returns the status; a non-2xx status is an error.
func (w *Worker) send(ctx context.Context, p *indicators.Partner, d indicators.Delivery) (int, error) {
	ts := w.opts.Now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "scamcheck-webhooks/1")
	req.Header.Set(HeaderEvent, d.Event)
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(p.Secret, ts, d.Payload))
	res, err := w.opts.Client.Do(req)
	if err != nil {
		// The URL may carry a partner's token in its query: keep only the
		// cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxResponseRead))
	_ = res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, fmt.Errorf("HTTP %d", res.StatusCode)
	}
	return res.StatusCode, nil
}
