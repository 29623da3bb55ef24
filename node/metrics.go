package node

// Prometheus metrics of a node. They are registered with a registry the
// caller owns (w2s-node serves it on --metrics-addr); a node without
// metrics keeps none.

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Metrics are a node's Prometheus metrics.
type Metrics struct {
	trials   prometheus.Counter
	rate     *RateMeter
	shards   prometheus.Gauge
	busy     prometheus.Gauge
	failures *prometheus.CounterVec
}

// NewMetrics creates a node's metrics and registers them with reg:
//
//	w2s_node_trials_total                 trials completed
//	w2s_node_trials_per_second            trials completed per second, over the last 10 s
//	w2s_node_shards_in_flight             RunShard calls being served
//	w2s_node_workers_busy                 workers running a trial now
//	w2s_node_shard_failures_total{cause}  RunShard calls that ended in an error, by gRPC code
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		trials: prometheus.NewCounter(prometheus.CounterOpts{Name: "w2s_node_trials_total", Help: "Trials completed."}),
		rate:   NewRateMeter(10 * time.Second),
		shards: prometheus.NewGauge(prometheus.GaugeOpts{Name: "w2s_node_shards_in_flight", Help: "RunShard calls being served."}),
		busy:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "w2s_node_workers_busy", Help: "Workers running a trial now."}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "w2s_node_shard_failures_total",
			Help: "RunShard calls that ended in an error, by gRPC status code."}, []string{"cause"}),
	}
	reg.MustRegister(m.trials, m.shards, m.busy, m.failures,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "w2s_node_trials_per_second",
			Help: "Trials completed per second over the last 10 s."}, m.rate.Rate))
	return m
}

func (m *Metrics) trialDone() {
	if m != nil {
		m.trials.Inc()
		m.rate.Add(1)
	}
}

func (m *Metrics) worker(delta float64) {
	if m != nil {
		m.busy.Add(delta)
	}
}

func (m *Metrics) shard(delta float64) {
	if m != nil {
		m.shards.Add(delta)
	}
}

// failed counts a RunShard error by its status code.
func (m *Metrics) failed(err error) {
	if m != nil && err != nil {
		m.failures.WithLabelValues(CauseOf(err)).Inc()
	}
}

// CauseOf names the cause of an error as a metric label: the gRPC status
// code in snake case (deadline_exceeded, unavailable, …).
func CauseOf(err error) string {
	c := status.Code(err)
	if c == codes.Unknown {
		return "unknown"
	}
	s := c.String()
	out := make([]byte, 0, len(s)+4)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'A' && ch <= 'Z' {
			if i > 0 {
				out = append(out, '_')
			}
			ch += 'a' - 'A'
		}
		out = append(out, ch)
	}
	return string(out)
}

// RateMeter measures events per second over a sliding window, in one-second
// buckets.
type RateMeter struct {
	window  time.Duration
	mu      sync.Mutex
	buckets []int64 // per second, newest last
	start   int64   // unix second of buckets[0]
	total   atomic.Int64
	now     func() time.Time
}

// NewRateMeter returns a meter over the given window (at least 1 s).
func NewRateMeter(window time.Duration) *RateMeter {
	n := max(1, int(window/time.Second))
	return &RateMeter{window: time.Duration(n) * time.Second, buckets: make([]int64, n), now: time.Now}
}

// Add counts n events now.
func (r *RateMeter) Add(n int64) {
	r.total.Add(n)
	r.mu.Lock()
	r.advance(r.now().Unix())
	r.buckets[len(r.buckets)-1] += n
	r.mu.Unlock()
}

// Rate returns the events per second over the window.
func (r *RateMeter) Rate() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.advance(r.now().Unix())
	var sum int64
	for _, b := range r.buckets {
		sum += b
	}
	return float64(sum) / r.window.Seconds()
}

// advance shifts the buckets so that the last one is second sec.
func (r *RateMeter) advance(sec int64) {
	last := r.start + int64(len(r.buckets)) - 1
	shift := sec - last
	if shift <= 0 {
		return
	}
	if shift >= int64(len(r.buckets)) {
		clear(r.buckets)
	} else {
		copy(r.buckets, r.buckets[shift:])
		clear(r.buckets[len(r.buckets)-int(shift):])
	}
	r.start = sec - int64(len(r.buckets)) + 1
}

// NewRegistry returns a registry with the Go runtime and process collectors,
// for a binary's /metrics.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// ServeMetrics serves reg's metrics at /metrics on addr until the listener
// is closed, and returns the listener (whose address says the port when
// addr asked for port 0).
func ServeMetrics(addr string, reg *prometheus.Registry) (net.Listener, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(lis)
	return lis, nil
}
