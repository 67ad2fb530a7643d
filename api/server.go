// Package api is scamcheck's HTTP API: checks, citizen reports, the police
// workflow, indicators, API keys, the audit log, statistics, metrics and
// the OpenAPI document. It hides Fiber from its callers: cmd builds a
// Config, calls New, Open and Close.
//
// Middleware order, outermost first (as in Fiber's examples), fused into
// two handlers for speed (front.go):
//
//	front: request id, security headers, logs/metrics, CORS, recover
//	  → /healthz /readyz /metrics, web pages and assets (unlimited)
//	  → gate: rate limiter, authentication, body limit (the check routes
//	    run these steps themselves, for speed)
//	  → role check per route → handler
//
// Logs carry the method, the route PATTERN, status, latency and request id:
// never a path, a query string or a body, because those hold what citizens
// checked (DESIGN §7).
package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/api/timeouts"
	"github.com/scamcheck/scamcheck/bloom"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/trends"
	"github.com/scamcheck/scamcheck/web"
)

// Publisher makes keys just written to the Store visible to the filters of
// this and every other process (backend.Backend implements it).
type Publisher interface {
	Publish(ctx context.Context, keys []indicators.Key) error
}

// FilterStats reports the filters' sizes for /metrics and /v1/stats
// (bloom.Set implements it).
type FilterStats interface {
	Stats() []bloom.KindStats
}

// Config wires a Server. Engine and Store are required; a nil Reports,
// Keys, Audit or Stats store turns its endpoints into 501s. Zero values
// take the defaults noted.
type Config struct {
	// Engine answers checks.
	Engine *indicators.Engine
	// Store is the source of truth for indicators.
	Store indicators.Store
	// Reports keeps citizen reports and their contacts.
	Reports indicators.ReportStore
	// Keys keeps API keys.
	Keys indicators.KeyStore
	// Audit records every write.
	Audit indicators.AuditLog
	// Stats keeps daily counters.
	Stats indicators.StatsStore
	// Lookalikes names the brand a reported domain imitates in
	// GET /v1/summary's top brands. Default: none (banks only).
	Lookalikes indicators.Lookalikes
	// Partners keeps partner webhooks: subscriptions, the outbox and
	// freeze acknowledgements. Default: none (no events are enqueued and
	// the partner endpoints answer 501).
	Partners indicators.PartnerStore
	// Warnings keeps early warnings. Default: none (the warning
	// endpoints and /warnings.atom answer 501).
	Warnings indicators.WarningStore
	// Disputes keeps disputes about listed indicators and their filers'
	// contacts. Default: none (the dispute endpoints answer 501).
	Disputes indicators.DisputeStore
	// Links answers GET /v1/indicators/{key}/links. Default: none (501).
	Links LinkGraphs
	// Trends is fed every accepted report and every check that hits (or
	// names a lookalike) to draft early warnings. Default: none.
	Trends *trends.Detector
	// Quiz is the awareness check served at GET /v1/quiz, validated by
	// web.ParseQuiz. Default: the embedded web.DefaultQuiz.
	Quiz *web.Quiz
	// CheckStats counts checks in memory; give the Engine its Record method
	// as EngineOptions.OnCheck. Default: a fresh one (which then counts
	// nothing unless the Engine was given it).
	CheckStats *CheckStats
	// Publisher makes written keys visible to filters. Default: none (the
	// written keys show in checks after the next filter rebuild).
	Publisher Publisher
	// Filters reports filter sizes. Default: none.
	Filters FilterStats
	// Ready answers /readyz. Default: Store.Ping.
	Ready func(ctx context.Context) error
	// Logger receives request logs and failures. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock, injected by tests. Default time.Now.
	Now func() time.Time
	// Location decides which day a counter belongs to. Default: UTC+7
	// (Vietnam), fixed so that no tz database is needed.
	Location *time.Location

	// PublicLimit bounds requests per client IP without a key. Default
	// 300 per minute.
	PublicLimit Limit
	// KeyLimit bounds requests per API key. Default 6000 per minute.
	KeyLimit Limit
	// ReportLimit bounds new citizen reports per client IP (police and
	// admin keys are exempt). Default 10 per hour.
	ReportLimit Limit
	// DisputeLimit bounds new disputes per client IP (police and admin
	// keys are exempt). Default 5 per hour.
	DisputeLimit Limit
	// BodyLimit bounds request bodies, except imports. Default 1 MiB.
	BodyLimit int
	// ImportBodyLimit bounds the body of POST /v1/indicators:import.
	// Default 32 MiB.
	ImportBodyLimit int
	// MaxBatch bounds the items of POST /v1/check. Default 1000.
	MaxBatch int
	// KeyCacheTTL is how long a key lookup is cached: the time a key
	// revoked on another replica keeps working here. Default 10s.
	KeyCacheTTL time.Duration
	// Timeouts bound each connection's wait for a request, the reading of
	// a slow request and the writing of an answer to a slow reader. Zero
	// fields take DefaultTimeouts' values, but for Slack, which is then a
	// second or a quarter of the shortest timeout, whichever is less.
	Timeouts timeouts.Config
	// StatsFlushInterval is how often in-memory counters are added to the
	// StatsStore. Default 5s.
	StatsFlushInterval time.Duration
	// Prefixes tunes the privacy-preserving lookups (GET /v1/prefixes,
	// POST /v1/hashes:find).
	Prefixes PrefixOptions
	// ProxyHeader names the header holding the client IP when the server
	// sits behind a proxy (e.g. "X-Forwarded-For"); it is trusted only from
	// TrustedProxies. Default: the peer address.
	ProxyHeader    string
	TrustedProxies []string
}

// Default limits.
var (
	DefaultPublicLimit = Limit{Requests: 300, Window: time.Minute}
	DefaultKeyLimit    = Limit{Requests: 6000, Window: time.Minute}
	DefaultReportLimit = Limit{Requests: 10, Window: time.Hour}
)

// Defaults for the other limits.
const (
	DefaultBodyLimit       = 1 << 20
	DefaultImportBodyLimit = 32 << 20
	DefaultMaxBatch        = 1000
)

func (cfg Config) withDefaults() Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.FixedZone("ICT", 7*3600)
	}
	if cfg.CheckStats == nil {
		cfg.CheckStats = NewCheckStats()
	}
	cfg.PublicLimit = cfg.PublicLimit.orDefault(DefaultPublicLimit)
	cfg.KeyLimit = cfg.KeyLimit.orDefault(DefaultKeyLimit)
	cfg.ReportLimit = cfg.ReportLimit.orDefault(DefaultReportLimit)
	cfg.DisputeLimit = cfg.DisputeLimit.orDefault(DefaultDisputeLimit)
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	def, t := DefaultTimeouts(), &cfg.Timeouts
	t.Idle = cmp.Or(max(t.Idle, 0), def.Idle)
	t.Read = cmp.Or(max(t.Read, 0), def.Read)
	t.Write = cmp.Or(max(t.Write, 0), def.Write)
	// Short timeouts get a finer slack: a quarter of the shortest at most,
	// so that a deadline never falls much earlier than asked.
	t.Slack = cmp.Or(max(t.Slack, 0), max(min(def.Slack, t.Idle/4, t.Read/4, t.Write/4), time.Millisecond))
	if cfg.ImportBodyLimit <= 0 {
		cfg.ImportBodyLimit = DefaultImportBodyLimit
	}
	if cfg.ImportBodyLimit < cfg.BodyLimit {
		cfg.ImportBodyLimit = cfg.BodyLimit
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	if cfg.KeyCacheTTL <= 0 {
		cfg.KeyCacheTTL = 10 * time.Second
	}
	if cfg.StatsFlushInterval <= 0 {
		cfg.StatsFlushInterval = 5 * time.Second
	}
	if cfg.Ready == nil {
		store := cfg.Store
		cfg.Ready = func(ctx context.Context) error { return store.Ping(ctx) }
	}
	return cfg
}

// Server is the HTTP API. Create it with New, start it with Open, stop it
// with Close.
type Server struct {
	cfg     Config
	app     *fiber.App
	logger  *slog.Logger
	metrics *metrics

	keys          *keyCache
	ipLimiter     *limiter
	keyLimiter    *limiter
	reportLimiter *limiter
	flusher       *statsFlusher
	prefixes      *prefixIndex
	top           *topCache
	quiz          *quizState

	// disputeLimiter bounds POST /v1/disputes per IP.
	disputeLimiter *limiter
	// limited is false when both per-request limits are off: gate then
	// skips them without a look.
	limited bool
	// cors handles requests with an Origin header.
	cors fiber.Handler

	// mu guards ln and stop, set by Open.
	mu   sync.Mutex
	ln   net.Listener
	stop chan struct{}
	done chan struct{}
}

// New builds a Server and its routes; nothing listens until Open.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, logger: cfg.Logger}
	s.keys = newKeyCache(cfg.KeyCacheTTL, cfg.Now)
	s.ipLimiter = newLimiter(cfg.PublicLimit, cfg.Now)
	s.keyLimiter = newLimiter(cfg.KeyLimit, cfg.Now)
	s.reportLimiter = newLimiter(cfg.ReportLimit, cfg.Now)
	s.disputeLimiter = newLimiter(cfg.DisputeLimit, cfg.Now)
	s.limited = s.ipLimiter.enabled() || s.keyLimiter.enabled()
	s.cors = newCORS()
	s.flusher = newStatsFlusher(cfg.CheckStats, cfg.Stats, cfg.Location, cfg.Now)
	s.prefixes = newPrefixIndex(cfg.Store, cfg.Prefixes, cfg.Now, cfg.Logger)
	s.metrics = newMetrics(cfg.CheckStats, cfg.Filters)
	s.top = newTopCache(cfg.Store, cfg.Now)
	s.quiz = newQuizState(cfg.Quiz)
	s.app = fiber.New(fiber.Config{
		AppName:               "scamcheck",
		DisableStartupMessage: true,
		ErrorHandler:          s.errorHandler,
		// The global limit is the import's; other routes are held to
		// BodyLimit by gate.
		BodyLimit:     cfg.ImportBodyLimit,
		CaseSensitive: true, // URL keys in paths are case-sensitive
		// Room for a check of the longest input a normalizer accepts,
		// URL-escaped, so that it gets a proper input_too_long.
		ReadBufferSize: 16 << 10,
		// No timeouts here: Open's listener keeps Config.Timeouts, at less
		// cost (package timeouts).
		ProxyHeader:             cfg.ProxyHeader,
		EnableTrustedProxyCheck: len(cfg.TrustedProxies) > 0,
		TrustedProxies:          cfg.TrustedProxies,
	})
	s.routes()
	return s
}

// routes registers middleware and handlers in order. Fiber runs them in
// registration order, so the probes registered before the limiter are
// never rate-limited.
func (s *Server) routes() {
	app := s.app
	app.Use(s.front)

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metrics.handler())
	s.webRoutes(app)

	// The checks, most of the traffic, run gate's steps themselves rather
	// than behind it: a Fiber hop (a rescan of the route stack) less. Every
	// route after this point is behind gate.
	app.Get("/v1/check", s.gated(s.getCheck))
	app.Post("/v1/check", s.gated(s.postCheck))
	app.Use(s.gate)

	app.Get("/openapi.json", serveOpenAPI)
	app.Get("/api", serveDocs)

	app.Post("/v1/reports", s.limitReports, s.createReport)
	app.Get("/v1/reports", require(indicators.RolePolice), s.listReports)
	app.Get("/v1/reports/:id", require(indicators.RolePolice), s.getReport)
	app.Post("/v1/reports/:id/confirm", require(indicators.RolePolice), s.confirmReport)
	app.Post("/v1/reports/:id/reject", require(indicators.RolePolice), s.rejectReport)

	app.Post(`/v1/indicators\:import`, require(indicators.RolePolice), s.importIndicators)
	app.Post("/v1/indicators", require(indicators.RolePolice), s.createIndicator)
	app.Get("/v1/indicators", require(indicators.RolePolice), s.listIndicators)
	app.Get("/v1/indicators/:key", require(indicators.RolePolice), s.getIndicator)
	app.Get("/v1/indicators/:key/links", require(indicators.RolePolice), s.getLinks)
	app.Post("/v1/indicators/:key/confirm", require(indicators.RolePolice), s.confirmIndicator)
	app.Post("/v1/indicators/:key/trust", require(indicators.RolePolice), s.trustIndicator)
	app.Post("/v1/indicators/:key/delist", require(indicators.RolePolice), s.delistIndicator)

	app.Get("/v1/keys", require(indicators.RoleAdmin), s.listKeys)
	app.Post("/v1/keys", require(indicators.RoleAdmin), s.createKey)
	app.Post("/v1/keys/:id/revoke", require(indicators.RoleAdmin), s.revokeKey)

	app.Post("/v1/disputes", s.limitDisputes, s.createDispute)
	app.Get("/v1/disputes", require(indicators.RolePolice), s.listDisputes)
	app.Get("/v1/disputes/:id", require(indicators.RolePolice), s.getDispute)
	app.Post("/v1/disputes/:id/uphold", require(indicators.RolePolice), s.upholdDispute)
	app.Post("/v1/disputes/:id/accept", require(indicators.RolePolice), s.acceptDispute)

	app.Get("/v1/audit", require(indicators.RoleAdmin), s.listAudit)
	app.Get("/v1/summary", require(indicators.RolePolice), s.getSummary)
	app.Get("/v1/stats", s.stats)
	app.Get("/v1/quiz", s.getQuiz)
	app.Post("/v1/quiz/results", s.postQuizResult)
	s.partnerRoutes(app)
	s.warningRoutes(app)

	app.Get("/v1/prefixes", s.getPrefixes)
	app.Post(`/v1/hashes\:find`, s.findHashes)
}

// DefaultTimeouts are the timeouts Open's connections keep by default: two
// minutes for a client to ask, half a minute to finish sending a slow
// request or to take an answer, kept to within a second.
func DefaultTimeouts() timeouts.Config {
	return timeouts.Config{
		Idle:  120 * time.Second,
		Read:  30 * time.Second,
		Write: 30 * time.Second,
		Slack: time.Second,
	}
}

// Open binds addr (":0" picks a free port) and serves in the background
// until Close. It also starts the stats flusher.
func (s *Server) Open(addr string) error {
	tcp, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("api: listen %s: %w", addr, err)
	}
	ln := timeouts.Listen(tcp, s.cfg.Timeouts)
	s.mu.Lock()
	s.ln = ln
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	s.mu.Unlock()
	go s.flusher.run(s.cfg.StatsFlushInterval, s.stop, s.done, s.logger)
	s.prefixes.start()
	go func() {
		if err := s.app.Listener(ln); err != nil && !errors.Is(err, net.ErrClosed) {
			s.logger.Error("api: serve", "err", err)
		}
	}()
	return nil
}

// Addr returns the bound address, nil before Open.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// URL returns the server's base URL ("http://127.0.0.1:PORT"), "" before
// Open. An unspecified bind address is reported as localhost.
func (s *Server) URL() string {
	a, ok := s.Addr().(*net.TCPAddr)
	if !ok {
		return ""
	}
	host := "127.0.0.1"
	if !a.IP.IsUnspecified() {
		host = a.IP.String()
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(a.Port))
}

// Close stops accepting connections, waits for requests in flight (until
// ctx ends), then flushes the in-memory counters to the StatsStore.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	stop, done, ln := s.stop, s.done, s.ln
	s.stop = nil
	s.mu.Unlock()
	var errs []error
	if ln != nil {
		if err := s.app.ShutdownWithContext(ctx); err != nil {
			errs = append(errs, fmt.Errorf("api: shutdown: %w", err))
		}
	}
	if stop != nil {
		close(stop)
		<-done
	}
	s.prefixes.close()
	// The final flush: counters of the last seconds are not lost.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.flusher.flush(fctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// App returns the Fiber app, for tests that use app.Test or walk routes.
func (s *Server) App() *fiber.App { return s.app }

// Handler returns the app as a net/http handler (slower than Open; for
// embedding in another server).
func (s *Server) Handler() http.Handler { return fiberHTTPHandler(s.app) }

// routePattern returns the pattern of the route that answered ("/v1/
// reports/:id"), or "unmatched": never the path itself.
func routePattern(c *fiber.Ctx) string {
	r := c.Route()
	// Fiber's fallback route (errors raised before routing, such as a body
	// over the limit) has no handlers and carries the raw path: never use it.
	if r == nil || r.Method == "USE" || r.Path == "" || len(r.Handlers) == 0 {
		return "unmatched"
	}
	return unescapeRoute(r.Path)
}

// healthz says the process is up; it does no I/O.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz does a real round trip through the store and checks the filters
// are loaded (Config.Ready): a load balancer sends traffic only to ready
// replicas.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Ready(ctx); err != nil {
		s.logger.Warn("not ready", "err", err)
		return writeError(c, http.StatusServiceUnavailable, CodeUnavailable, "not ready: "+err.Error())
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

// notConfigured answers endpoints whose store was not given.
func notConfigured(what string) error {
	return errorf(http.StatusNotImplemented, "not_implemented", "this server has no %s store", what)
}

// unescapeRoute turns a registered pattern into its literal form: Fiber
// needs `\:` for a literal colon (as in /v1/indicators:import).
func unescapeRoute(p string) string {
	if !strings.Contains(p, `\`) {
		return p
	}
	return strings.ReplaceAll(p, `\:`, ":")
}
