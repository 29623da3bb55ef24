package coordinator

// Prometheus metrics of a run (w2s run/resume --metrics-addr).

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/w2s-lab/w2s/node"
)

// Metrics are a coordinator's Prometheus metrics.
type Metrics struct {
	stored    prometheus.Counter
	rate      *node.RateMeter
	remaining prometheus.Gauge
	inFlight  *prometheus.GaugeVec
	retries   prometheus.Counter
	failures  *prometheus.CounterVec
	commit    prometheus.Histogram
	nodes     *prometheus.GaugeVec
}

// NewMetrics creates a coordinator's metrics and registers them with reg:
//
//	w2s_coordinator_trials_stored_total               outcomes durable in the store
//	w2s_coordinator_trials_per_second                 outcomes stored per second, over the last 10 s
//	w2s_coordinator_trials_remaining                  trials of the sweep not yet stored
//	w2s_coordinator_shards_in_flight{node}            shards sent to a node and not yet finished
//	w2s_coordinator_shard_retries_total               shards re-sent after a failure
//	w2s_coordinator_shard_failures_total{node,cause}  failed shard calls, by node and cause
//	w2s_coordinator_store_commit_seconds              latency of a store commit (one fsync'd batch)
//	w2s_coordinator_nodes{state}                      nodes ready, and set aside
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		stored:    prometheus.NewCounter(prometheus.CounterOpts{Name: "w2s_coordinator_trials_stored_total", Help: "Outcomes durable in the store."}),
		rate:      node.NewRateMeter(10 * time.Second),
		remaining: prometheus.NewGauge(prometheus.GaugeOpts{Name: "w2s_coordinator_trials_remaining", Help: "Trials of the sweep not yet stored."}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "w2s_coordinator_shards_in_flight",
			Help: "Shards sent to a node and not yet finished."}, []string{"node"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{Name: "w2s_coordinator_shard_retries_total", Help: "Shards re-sent after a failure."}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "w2s_coordinator_shard_failures_total",
			Help: "Failed shard calls, by node and cause (a gRPC status code, bad_outcome or store)."}, []string{"node", "cause"}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "w2s_coordinator_store_commit_seconds",
			Help: "Latency of a store commit (one fsync'd batch).", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}),
		nodes: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "w2s_coordinator_nodes", Help: "Nodes ready, and set aside."}, []string{"state"}),
	}
	reg.MustRegister(m.stored, m.remaining, m.inFlight, m.retries, m.failures, m.commit, m.nodes,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "w2s_coordinator_trials_per_second",
			Help: "Outcomes stored per second over the last 10 s."}, m.rate.Rate))
	return m
}

// The methods below accept a nil *Metrics, so a run without metrics costs
// nothing.

func (m *Metrics) committed(n int, remaining int64) {
	if m == nil {
		return
	}
	m.stored.Add(float64(n))
	m.rate.Add(int64(n))
	m.remaining.Set(float64(remaining))
}

func (m *Metrics) commitLatency(d time.Duration) {
	if m != nil {
		m.commit.Observe(d.Seconds())
	}
}

func (m *Metrics) shardStarted(addr string, delta float64) {
	if m != nil {
		m.inFlight.WithLabelValues(addr).Add(delta)
	}
}

func (m *Metrics) shardFailed(addr, cause string, retried bool) {
	if m == nil {
		return
	}
	m.failures.WithLabelValues(addr, cause).Inc()
	if retried {
		m.retries.Inc()
	}
}

func (m *Metrics) nodeStates(ready, aside int) {
	if m != nil {
		m.nodes.WithLabelValues("ready").Set(float64(ready))
		m.nodes.WithLabelValues("set_aside").Set(float64(aside))
	}
}
