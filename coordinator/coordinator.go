// Package coordinator runs a sweep: it plans the grid's missing trials into
// shards, dispatches them to nodes over gRPC with backpressure and retries,
// and hands every outcome to the store, which it alone writes.
//
// With no node addresses it starts in-process nodes behind the very same
// gRPC client code, on an in-memory listener. What remains to run is always
// computed from the store's keys, so Run both starts and resumes a sweep.
package coordinator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/w2s-lab/w2s/node"
	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
	"github.com/w2s-lab/w2s/solver"
)

// Options control a run.
type Options struct {
	// Nodes are node addresses (host:port). Empty: in-process nodes.
	Nodes []string
	// Auth authenticates the coordinator to remote nodes.
	Auth ClientAuth
	// Workers is the in-process node's worker count (0: one per CPU).
	Workers int
	// ShardSize fixes the trials per shard (0: sized by cost).
	ShardSize int
	// ShardTimeout fixes the deadline of every shard call (0: ten times the
	// shard's estimated time at a tenth of ReferenceSpeed, at least a
	// minute).
	ShardTimeout time.Duration
	// MaxAttempts is how often one shard may fail before the sweep stops
	// (0: three times the number of nodes, at least 5).
	MaxAttempts int
	// InProcess configures the in-process node (used when Nodes is empty);
	// its Workers defaults to the Workers option.
	InProcess node.Config
	// CommitHook, if set, runs inside every store transaction before it
	// commits: a fault-injection point for crash tests.
	CommitHook func()
	// Metrics, if not nil, receives the run's Prometheus metrics.
	Metrics *Metrics
	// Log receives one line per notable event (nil: discard).
	Log *slog.Logger
	// Progress, if set, is called after every durable commit. It runs on
	// the store's writer goroutine and must be quick.
	Progress func(Progress)
}

// Progress is a snapshot of a run.
type Progress struct {
	Cells, CellsDone   int
	Trials, TrialsDone int64 // in the whole sweep, durable in the store
	RunTrials, RunDone int64 // planned by this run, and done by it
	Started            time.Time
}

// Summary reports a finished run.
type Summary struct {
	Trials  int64 // trials this run computed and stored
	Elapsed time.Duration
	Retries int // shards re-sent after a failure
	Nodes   int
}

// Run computes every trial missing from the store and returns when all are
// durable. On error the store holds every outcome committed so far, and
// running again finishes the sweep.
func Run(ctx context.Context, st *results.Store, opts Options) (Summary, error) {
	start := time.Now()
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	settings, err := node.Validate(st.Settings())
	if err != nil {
		return Summary{}, fmt.Errorf("stored settings: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	nodes, closeNodes, err := connect(ctx, opts, log)
	if err != nil {
		return Summary{}, err
	}
	defer closeNodes()
	workers := 0
	for _, n := range nodes {
		workers += n.workers
	}

	shards, total, err := plan(st, &settings, opts.ShardSize, workers)
	if err != nil {
		return Summary{}, err
	}
	counts, err := st.Counts()
	if err != nil {
		return Summary{}, err
	}
	tr := newTracker(st.Settings(), counts, int64(total), start, opts.Progress, opts.Metrics)
	opts.Metrics.nodeStates(len(nodes), 0)
	log.Info("planned", "cells", len(counts), "missing_trials", total, "shards", len(shards), "nodes", len(nodes), "workers", workers)
	if total == 0 {
		return Summary{Elapsed: time.Since(start), Nodes: len(nodes)}, nil
	}
	if err := checkMemory(&settings, st.Settings().Cells(), shards, nodes); err != nil {
		return Summary{Nodes: len(nodes)}, err
	}

	w := st.NewWriter(results.WriterOptions{OnCommit: tr.committed, InTx: opts.CommitHook, Latency: opts.Metrics.commitLatency})
	d := &dispatcher{
		settings:    st.Settings(),
		checkpoints: len(settings.Checkpoints()),
		cells:       st.Settings().Cells(),
		writer:      w,
		log:         log,
		maxAttempts: opts.MaxAttempts,
		q:           newQueue(shards),
		nodes:       nodes,
		timeout:     opts.ShardTimeout,
		metrics:     opts.Metrics,
	}
	if d.maxAttempts <= 0 {
		d.maxAttempts = max(5, 3*len(nodes))
	}
	runErr := d.run(ctx)
	closeErr := w.Close()
	sum := Summary{Trials: tr.runDone.Load(), Elapsed: time.Since(start), Retries: int(d.retries.Load()), Nodes: len(nodes)}
	if runErr != nil {
		return sum, runErr
	}
	if closeErr != nil {
		return sum, fmt.Errorf("store: %w", closeErr)
	}
	// Trust, but verify: every trial of the sweep is in the store.
	left, _, err := plan(st, &settings, 1<<30, 1)
	if err != nil {
		return sum, err
	}
	if len(left) > 0 {
		return sum, fmt.Errorf("internal error: %d trials still missing after the run (first: %v)", len(left), left[0])
	}
	return sum, nil
}

// tracker counts durable outcomes for progress reports.
type tracker struct {
	mu       sync.Mutex
	trials   int
	perCell  []int
	done     int
	progress Progress
	notify   func(Progress)
	metrics  *Metrics
	runDone  atomic.Int64
}

func newTracker(s *w2sv1.SweepSettings, counts []int, runTotal int64, start time.Time, notify func(Progress), m *Metrics) *tracker {
	t := &tracker{trials: int(s.Trials), perCell: counts, notify: notify, metrics: m}
	var done int64
	for _, c := range counts {
		done += int64(c)
		if c == t.trials {
			t.done++
		}
	}
	t.progress = Progress{
		Cells: len(counts), CellsDone: t.done,
		Trials: int64(len(counts)) * int64(s.Trials), TrialsDone: done,
		RunTrials: runTotal, Started: start,
	}
	if notify != nil {
		notify(t.progress)
	}
	m.committed(0, t.progress.Trials-t.progress.TrialsDone)
	return t
}

func (t *tracker) committed(recs []results.Record) {
	t.mu.Lock()
	for _, r := range recs {
		t.perCell[r.Cell]++
		if t.perCell[r.Cell] == t.trials {
			t.done++
		}
	}
	t.progress.CellsDone = t.done
	t.progress.TrialsDone += int64(len(recs))
	t.progress.RunDone += int64(len(recs))
	p := t.progress
	t.mu.Unlock()
	t.metrics.committed(len(recs), p.Trials-p.TrialsDone)
	t.runDone.Add(int64(len(recs)))
	if t.notify != nil {
		t.notify(p)
	}
}

// dispatcher hands shards to nodes and outcomes to the store.
type dispatcher struct {
	settings    *w2sv1.SweepSettings
	checkpoints int
	cells       []*w2sv1.Cell
	writer      *results.Writer
	log         *slog.Logger
	maxAttempts int
	q           *queue
	nodes       []*remote
	timeout     time.Duration
	metrics     *Metrics
	retries     atomic.Int32
}

// run starts, for every node, as many shard loops as the node has workers
// plus one (so a node never waits for the coordinator): each node has a
// bounded number of shards in flight, in proportion to its concurrency. It
// waits until the queue is drained or the run fails.
func (d *dispatcher) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, n := range d.nodes {
		for range n.workers + 1 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d.loop(ctx, n)
			}()
		}
	}
	go func() { <-ctx.Done(); d.q.fail(ctx.Err()) }()
	err := d.q.wait()
	cancel()
	wg.Wait()
	return err
}

// loop takes shards the node can run from the queue and runs them, until
// the queue is drained, the run fails or the node is set aside.
func (d *dispatcher) loop(ctx context.Context, n *remote) {
	for {
		sh, ok := d.q.pop(func(sh *shard) bool { return n.canRun(sh.cell) }, n.isSetAside)
		if !ok {
			return
		}
		d.metrics.shardStarted(n.addr, 1)
		arrived, err := d.runShard(ctx, n, sh)
		d.metrics.shardStarted(n.addr, -1)
		if err == nil {
			n.succeeded()
			d.q.done(sh)
			continue
		}
		if ctx.Err() != nil {
			d.q.requeue(sh)
			return
		}
		rest := remainder(sh, arrived)
		cause := node.CauseOf(err)
		if errors.Is(err, errStore) {
			cause = "store"
		}
		d.metrics.shardFailed(n.addr, cause, rest != nil && status.Code(err) != codes.ResourceExhausted)
		switch code := status.Code(err); {
		case code == codes.InvalidArgument:
			// The node refuses what the coordinator validated: a version
			// mismatch or a bug. Retrying elsewhere cannot help.
			d.q.fail(fmt.Errorf("node %s refused %v: %w", n.addr, sh, err))
			return
		case errors.Is(err, errStore):
			d.q.fail(err)
			return
		case code == codes.ResourceExhausted:
			// Not a failure of the node: it cannot hold this cell.
			d.log.Warn("node cannot hold the cell; leaving it to others", "node", n.addr, "shard", sh.String(), "err", err)
			n.refuse(sh.cell)
			d.requeueRest(sh, rest)
			d.checkStranded(err)
			continue
		}
		d.retries.Add(1)
		if rest != nil {
			rest.attempts++
			if rest.attempts >= d.maxAttempts {
				d.q.fail(fmt.Errorf("%v failed %d times; last error from %s: %w", rest, rest.attempts, n.addr, err))
				return
			}
			d.log.Warn("shard failed; retrying its remaining trials", "node", n.addr, "shard", sh.String(),
				"arrived", len(arrived), "remaining", rest.count, "err", err)
		}
		d.requeueRest(sh, rest)
		if aside, now := n.failed(err); aside {
			if now {
				d.log.Error("node set aside", "node", n.addr, "reason", n.reason())
				d.countNodes()
				d.q.wake() // the node's other loops stop waiting
				d.checkStranded(err)
			}
			return
		}
	}
}

// countNodes updates the node gauges.
func (d *dispatcher) countNodes() {
	aside := 0
	for _, n := range d.nodes {
		if n.isSetAside() {
			aside++
		}
	}
	d.metrics.nodeStates(len(d.nodes)-aside, aside)
}

// requeueRest replaces a failed shard by what remains of it.
func (d *dispatcher) requeueRest(sh, rest *shard) {
	if rest == nil {
		d.q.done(sh)
	} else {
		d.q.retry(sh, rest)
	}
	d.q.wake()
}

// checkStranded fails the run if some pending cell has no node left that
// can run it: every node set aside, or those left cannot hold the cell.
func (d *dispatcher) checkStranded(last error) {
	alive := 0
	for _, n := range d.nodes {
		if !n.isSetAside() {
			alive++
		}
	}
	if alive == 0 {
		var why []string
		for _, n := range d.nodes {
			why = append(why, fmt.Sprintf("%s: %s", n.addr, n.reason()))
		}
		d.q.fail(fmt.Errorf("no node left: every node was set aside (%s)", strings.Join(why, "; ")))
		return
	}
	for cell := range d.q.pendingCells() {
		runnable := false
		for _, n := range d.nodes {
			if n.canRun(cell) {
				runnable = true
				break
			}
		}
		if !runnable {
			c := d.cells[cell]
			d.q.fail(fmt.Errorf("cell %d (n=%d d=%d margin=%g): no node left that can hold it (last error: %v)",
				cell, c.GetN(), c.GetD(), c.GetMargin(), last))
			return
		}
	}
}

var errStore = errors.New("store write failed")

// runShard sends one shard to a node and passes each outcome to the store
// writer as it arrives. It returns the trial indices that arrived (and were
// handed to the writer), and an error if the shard did not complete.
func (d *dispatcher) runShard(ctx context.Context, n *remote, sh *shard) (map[int32]bool, error) {
	timeout := d.timeout
	if timeout <= 0 {
		timeout = shardDeadline(sh, n.workers)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req := &w2sv1.ShardRequest{Settings: d.settings, Cell: d.cells[sh.cell], Trials: sh.ranges}
	arrived := make(map[int32]bool, sh.count)
	stream, err := n.client.RunShard(ctx, req)
	if err != nil {
		return arrived, err
	}
	want := want(sh)
	for {
		o, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return arrived, err
		}
		if err := d.check(sh, want, arrived, o); err != nil {
			return arrived, status.Error(codes.DataLoss, fmt.Sprintf("node %s sent a bad outcome: %v", n.addr, err))
		}
		if err := d.writer.Write(results.Record{Cell: sh.cell, Outcome: o}); err != nil {
			return arrived, fmt.Errorf("%w: %v", errStore, err)
		}
		arrived[o.Trial] = true
	}
	if len(arrived) != sh.count {
		return arrived, status.Errorf(codes.DataLoss, "node %s ended the stream after %d of %d outcomes", n.addr, len(arrived), sh.count)
	}
	return arrived, nil
}

func want(sh *shard) map[int32]bool {
	m := make(map[int32]bool, sh.count)
	for _, r := range sh.ranges {
		for i := r.Start; i < r.End; i++ {
			m[i] = true
		}
	}
	return m
}

// check refuses an outcome that is not one this shard asked for, or that
// does not have the settings' shape: a node is never trusted blindly.
func (d *dispatcher) check(sh *shard, want, arrived map[int32]bool, o *w2sv1.TrialOutcome) error {
	c := d.cells[sh.cell]
	switch {
	case !want[o.GetTrial()]:
		return fmt.Errorf("trial %d is not in the shard", o.GetTrial())
	case arrived[o.GetTrial()]:
		return fmt.Errorf("trial %d sent twice", o.GetTrial())
	case o.GetCell().GetN() != c.N || o.GetCell().GetD() != c.D || o.GetCell().GetMargin() != c.Margin:
		return fmt.Errorf("trial %d has cell %v, want %v", o.GetTrial(), o.GetCell(), c)
	case len(o.GetCos()) != d.checkpoints || len(o.GetNorm()) != d.checkpoints ||
		len(o.GetGradNorm()) != d.checkpoints || len(o.GetSteps()) != d.checkpoints:
		return fmt.Errorf("trial %d has %d cosines, want %d", o.GetTrial(), len(o.GetCos()), d.checkpoints)
	}
	return nil
}

// shardDeadline allows a shard ten times its estimated time on a node at
// ReferenceSpeed/10 per worker, and at least a minute: generous, since
// machines differ, yet finite, so a stuck node cannot hold a shard forever.
func shardDeadline(sh *shard, workers int) time.Duration {
	est := sh.cost * float64(sh.count) / (ReferenceSpeed / 10) / float64(max(1, min(workers, sh.count)))
	return max(time.Minute, time.Duration(10*est*float64(time.Second)))
}

func defaultWorkers(n int) int {
	if n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// checkMemory marks, for every node, the cells whose workspace exceeds its
// memory budget, and fails before any work if some cell fits no node.
func checkMemory(s *solver.Settings, cells []*w2sv1.Cell, shards []*shard, nodes []*remote) error {
	need := map[uint32]int64{}
	for _, sh := range shards {
		c := cells[sh.cell]
		need[sh.cell] = solver.WorkspaceBytes(s.Mode, solver.Cell{N: int(c.N), D: int(c.D), Margin: c.Margin})
	}
	var largest int64
	for _, n := range nodes {
		largest = max(largest, n.maxMem)
	}
	var bad []string
	for cell, b := range need {
		fits := false
		for _, n := range nodes {
			if b <= n.maxMem {
				fits = true
			} else {
				n.refuse(cell)
			}
		}
		if !fits {
			c := cells[cell]
			bad = append(bad, fmt.Sprintf("n=%d d=%d margin=%g needs %d MiB", c.N, c.D, c.Margin, b>>20))
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return fmt.Errorf("no node can hold these cells (about 8·n·d bytes per concurrent trial; the largest node budget is %d MiB, see w2s-node --max-memory): %s",
			largest>>20, strings.Join(bad, "; "))
	}
	return nil
}
