package api

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/scamcheck/scamcheck/indicators"
)

// metrics holds the Prometheus collectors of one Server. Each Server has
// its own registry so that tests can run several.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	storeErrors *prometheus.CounterVec

	// series caches label lookups, which cost more than the observation
	// itself on the check path. It is copied on write (new series are rare)
	// so that reads take no lock that both cores would fight over; mu
	// serialises the writers.
	mu     sync.Mutex
	series atomic.Pointer[map[seriesKey]seriesMetrics]
	// byRoute is the same cache keyed by the matched route itself, which
	// names the pattern and the method, then by status: a pointer-keyed
	// map and a scan of a route's few statuses cost less than hashing two
	// strings. Copied on write like series, under mu; the slices are never
	// changed once stored.
	byRoute atomic.Pointer[map[*fiber.Route][]statusSeries]
}

type statusSeries struct {
	status int
	seriesMetrics
}

type seriesKey struct {
	route, method string
	status        int
}

type seriesMetrics struct {
	requests prometheus.Counter
	latency  prometheus.Observer
	route    string // the route label
}

func newMetrics(checks *CheckStats, filters FilterStats) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scamcheck_http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "scamcheck_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern, method and status.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method", "status"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scamcheck_store_errors_total",
			Help: "Requests that failed or degraded because the store failed, by route pattern.",
		}, []string{"route"}),
	}
	m.series.Store(&map[seriesKey]seriesMetrics{})
	m.byRoute.Store(&map[*fiber.Route][]statusSeries{})
	m.reg.MustRegister(m.requests, m.latency, m.storeErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&statsCollector{checks: checks, filters: filters})
	return m
}

// observeRoute counts one request and returns its route label (see
// routePattern).
func (m *metrics) observeRoute(c *fiber.Ctx, status int, d time.Duration) string {
	r := c.Route()
	// A route that answered its own method: Fiber's routes live as long as
	// the app, so the pointer is a stable key. USE routes and the fallback
	// route of errors raised before routing (a fresh one each time) are
	// left to the keyed-by-name path.
	matched := r != nil && len(r.Handlers) > 0 && r.Path != "" && r.Method == c.Method()
	if matched {
		for _, ss := range (*m.byRoute.Load())[r] {
			if ss.status == status {
				ss.requests.Inc()
				ss.latency.Observe(d.Seconds())
				return ss.route
			}
		}
	}
	route := routePattern(c)
	sm := m.seriesFor(route, c.Method(), status)
	if matched {
		m.mu.Lock()
		old := *m.byRoute.Load()
		next := maps.Clone(old)
		// A new slice: readers may be scanning the old one.
		next[r] = append(slices.Clip(old[r]), statusSeries{status, sm})
		m.byRoute.Store(&next)
		m.mu.Unlock()
	}
	sm.requests.Inc()
	sm.latency.Observe(d.Seconds())
	return route
}

// seriesFor returns the collectors of one label set.
func (m *metrics) seriesFor(route, method string, status int) seriesMetrics {
	k := seriesKey{route, method, status}
	sm, ok := (*m.series.Load())[k]
	if ok {
		return sm
	}
	code := strconv.Itoa(status)
	// Method strings from Fiber may alias the request buffer: copy.
	k.method = strings.Clone(method)
	sm = seriesMetrics{
		requests: m.requests.WithLabelValues(route, k.method, code),
		latency:  m.latency.WithLabelValues(route, k.method, code),
		route:    route,
	}
	m.mu.Lock()
	next := maps.Clone(*m.series.Load())
	next[k] = sm
	m.series.Store(&next)
	m.mu.Unlock()
	return sm
}

// handler serves /metrics.
func (m *metrics) handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}

// statsCollector exports counters kept elsewhere (the check counters fed
// by the Engine, the filters' sizes) at scrape time, so that the check path
// never touches Prometheus.
type statsCollector struct {
	checks  *CheckStats
	filters FilterStats
}

var (
	descChecks = prometheus.NewDesc("scamcheck_checks_total",
		"Checks answered, by kind and verdict (counts only: never what was checked).", []string{"kind", "verdict"}, nil)
	descFilterKeys = prometheus.NewDesc("scamcheck_filter_keys",
		"Distinct keys in the Bloom filter of a kind.", []string{"kind"}, nil)
	descFilterCapacity = prometheus.NewDesc("scamcheck_filter_capacity",
		"Keys the Bloom filter of a kind was sized for.", []string{"kind"}, nil)
	descFilterFill = prometheus.NewDesc("scamcheck_filter_fill_ratio",
		"Fraction of the Bloom filter's bits that are set.", []string{"kind"}, nil)
	descFilterFPR = prometheus.NewDesc("scamcheck_filter_estimated_fpr",
		"Estimated false-positive rate of the Bloom filter now.", []string{"kind"}, nil)
	descFilterBytes = prometheus.NewDesc("scamcheck_filter_bytes",
		"Memory held by the Bloom filter's bits.", []string{"kind"}, nil)
)

func (sc *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descChecks, descFilterKeys, descFilterCapacity, descFilterFill, descFilterFPR, descFilterBytes} {
		ch <- d
	}
}

func (sc *statsCollector) Collect(ch chan<- prometheus.Metric) {
	snap := sc.checks.Snapshot()
	for ki, kind := range statKinds {
		for vi, v := range statVerdicts {
			ch <- prometheus.MustNewConstMetric(descChecks, prometheus.CounterValue, float64(snap.checks[ki][vi]), string(kind), string(v))
		}
	}
	if sc.filters == nil {
		return
	}
	for _, st := range sc.filters.Stats() {
		k := string(st.Kind)
		ch <- prometheus.MustNewConstMetric(descFilterKeys, prometheus.GaugeValue, float64(st.Count), k)
		ch <- prometheus.MustNewConstMetric(descFilterCapacity, prometheus.GaugeValue, float64(st.Capacity), k)
		ch <- prometheus.MustNewConstMetric(descFilterFill, prometheus.GaugeValue, st.FillRatio, k)
		ch <- prometheus.MustNewConstMetric(descFilterFPR, prometheus.GaugeValue, st.EstimatedFPR, k)
		ch <- prometheus.MustNewConstMetric(descFilterBytes, prometheus.GaugeValue, float64(st.Bytes), k)
	}
}

// statKinds and statVerdicts index the check counters; "other" collects
// anything unexpected rather than dropping it.
var (
	statKinds    = [...]indicators.Kind{indicators.KindPhone, indicators.KindBankAccount, indicators.KindDomain, indicators.KindURL, "other"}
	statVerdicts = [...]indicators.Verdict{indicators.VerdictUnknown, indicators.VerdictSuspicious, indicators.VerdictDangerous, indicators.VerdictTrusted, "error"}
)

// fiberHTTPHandler adapts the app to net/http.
func fiberHTTPHandler(app *fiber.App) http.Handler { return adaptor.FiberApp(app) }
