// Package node is the w2s worker: a gRPC server that runs shards of trials
// and streams each trial's outcome back as soon as it is finished.
//
// A node is stateless. Every request carries the full sweep settings, which
// the node validates (nodes are reachable from the network: it trusts
// nothing), checks against its memory budget, and runs on a pool of worker
// goroutines shared by all concurrent calls. Nothing is kept between calls.
package node

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"golang.org/x/sync/semaphore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/solver"
)

// Config sets a node's capacity.
type Config struct {
	// Workers is how many trials run at once; 0 means one per CPU.
	Workers int
	// MaxMemory bounds the bytes of trial workspaces held at once; 0 means
	// DefaultMaxMemory().
	MaxMemory int64
	// Version is reported by Info.
	Version string
	// Fault makes the node misbehave on purpose, for tests and benchmarks
	// only: FaultNone (zero), FaultError or FaultSynthetic.
	Fault Fault
	// Metrics, if not nil, receives the node's Prometheus metrics.
	Metrics *Metrics
}

// Fault is a deliberate misbehaviour of a node.
type Fault int

const (
	FaultNone Fault = iota
	// FaultError answers every RunShard with UNAVAILABLE and does no work:
	// a node that is up but broken, for the coordinator's failure tests.
	FaultError
	// FaultStall accepts every RunShard and never answers, until the caller
	// gives up: a hung node, for the coordinator's deadline tests.
	FaultStall
	// FaultSynthetic answers RunShard with outcomes of the right shape (one
	// value per checkpoint, cosines in [−1, 1]) computed at no cost instead
	// of running trials: for measuring the coordinator's ingest rate. Its
	// outcomes are not the protocol's and must never reach a real store.
	FaultSynthetic
)

// ParseFault reads a fault name: "", "error", "stall" or "synthetic".
func ParseFault(s string) (Fault, error) {
	switch s {
	case "", "none":
		return FaultNone, nil
	case "error":
		return FaultError, nil
	case "stall":
		return FaultStall, nil
	case "synthetic":
		return FaultSynthetic, nil
	}
	return 0, fmt.Errorf("unknown fault %q (want error, stall or synthetic)", s)
}

// Server implements the Node service.
type Server struct {
	w2sv1.UnimplementedNodeServer

	workers int
	maxMem  int64
	version string
	fault   Fault
	metrics *Metrics
	tokens  chan struct{}       // one per worker: a trial runs only while holding one
	mem     *semaphore.Weighted // workspace bytes

	trialDone func() // test hook: called after each trial, before its outcome is sent
}

// New returns a node server with the given capacity.
func New(cfg Config) *Server {
	w := cfg.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	m := cfg.MaxMemory
	if m <= 0 {
		m = DefaultMaxMemory()
	}
	v := cfg.Version
	if v == "" {
		v = "dev"
	}
	return &Server{
		workers: w, maxMem: m, version: v, fault: cfg.Fault, metrics: cfg.Metrics,
		tokens: make(chan struct{}, w),
		mem:    semaphore.NewWeighted(m),
	}
}

// Workers returns how many trials the node runs at once.
func (s *Server) Workers() int { return s.workers }

// Info reports the node's capacity.
func (s *Server) Info(context.Context, *w2sv1.InfoRequest) (*w2sv1.NodeInfo, error) {
	return &w2sv1.NodeInfo{
		Workers:         int32(s.workers),
		MaxMemoryBytes:  s.maxMem,
		ProtocolVersion: solver.ProtocolVersion,
		Version:         s.version,
	}, nil
}

// RunShard validates the request, then runs its trials on the worker pool
// and sends each outcome as soon as its trial is finished, in completion
// order. Errors carry gRPC status codes: InvalidArgument for a request that
// breaks the protocol's rules, ResourceExhausted for a cell larger than the
// memory budget, and the context's code when the caller goes away.
func (s *Server) RunShard(req *w2sv1.ShardRequest, stream grpc.ServerStreamingServer[w2sv1.TrialOutcome]) (err error) {
	s.metrics.shard(1)
	defer func() {
		s.metrics.shard(-1)
		s.metrics.failed(err)
	}()
	switch s.fault {
	case FaultError:
		return status.Error(codes.Unavailable, "injected fault: this node fails every call (w2s-node --fault error)")
	case FaultStall:
		<-stream.Context().Done()
		return status.FromContextError(stream.Context().Err()).Err()
	}
	settings, cell, ranges, total, err := CheckShard(req)
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	if s.fault == FaultSynthetic {
		return synthetic(req, len(settings.Checkpoints()), ranges, stream)
	}
	need := solver.WorkspaceBytes(settings.Mode, cell)
	if need > s.maxMem {
		return status.Errorf(codes.ResourceExhausted,
			"cell %v needs about %d MiB per concurrent trial (8·n·d bytes and more); this node may use %d MiB (--max-memory)",
			cell, need>>20, s.maxMem>>20)
	}
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()

	// Start up to one goroutine per worker, each holding one workspace and
	// its memory for the whole call. The first waits for memory; the others
	// start only if memory is free now, so a large cell runs with fewer.
	k := min(s.workers, total)
	if err := s.mem.Acquire(ctx, need); err != nil {
		return status.FromContextError(err).Err()
	}
	held := 1
	for held < k && s.mem.TryAcquire(need) {
		held++
	}
	defer s.mem.Release(int64(held) * need)

	var (
		next    = make(chan int32)
		results = make(chan *w2sv1.TrialOutcome, held)
		errc    = make(chan error, held)
		wg      sync.WaitGroup
	)
	for range held {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ws solver.Workspace
			var out solver.Outcome
			for i := range next {
				ok, err := s.runOne(ctx, &ws, &settings, cell, i, &out)
				if err != nil {
					errc <- err
					cancel()
					return
				}
				if !ok {
					return
				}
				if s.trialDone != nil {
					s.trialDone()
				}
				select {
				case results <- OutcomeProto(req.GetCell(), i, &out):
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { // feed indices in order
		defer close(next)
		for i := range trialIndices(ranges) {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	for o := range results {
		if err := stream.Send(o); err != nil {
			cancel()
			for range results { // let the workers finish
			}
			return err
		}
	}
	select {
	case err := <-errc:
		return status.Error(codes.Internal, err.Error())
	default:
	}
	if err := ctx.Err(); err != nil {
		return status.FromContextError(err).Err()
	}
	return nil
}

// runOne runs one trial while holding a worker token. It reports false,
// without running, when the call was cancelled while it waited.
func (s *Server) runOne(ctx context.Context, ws *solver.Workspace, settings *solver.Settings, cell solver.Cell, i int32, out *solver.Outcome) (bool, error) {
	select {
	case s.tokens <- struct{}{}:
	case <-ctx.Done():
		return false, nil
	}
	s.metrics.worker(1)
	defer func() {
		s.metrics.worker(-1)
		<-s.tokens
	}()
	if err := ws.Run(settings, cell, int(i), out); err != nil {
		return false, fmt.Errorf("trial %d of %v: %w", i, cell, err)
	}
	s.metrics.trialDone()
	return true, nil
}

// OutcomeProto converts a solver outcome of trial i of cell to its wire form.
func OutcomeProto(cell *w2sv1.Cell, i int32, o *solver.Outcome) *w2sv1.TrialOutcome {
	steps := make([]int32, len(o.Steps))
	for k, v := range o.Steps {
		steps[k] = int32(v)
	}
	return &w2sv1.TrialOutcome{
		Cell:        &w2sv1.Cell{N: cell.GetN(), D: cell.GetD(), Margin: cell.GetMargin()},
		Trial:       i,
		CosTeacher:  o.CosTeacher,
		CosInitial:  o.CosInitial,
		Cos:         append([]float64(nil), o.Cos...),
		Norm:        append([]float64(nil), o.Norm...),
		GradNorm:    append([]float64(nil), o.GradNorm...),
		Steps:       steps,
		Diverged:    o.Diverged,
		Unconverged: o.Unconverged,
	}
}

// synthetic streams outcomes of the right shape at no compute cost (see
// FaultSynthetic). The values vary with the trial index so that records
// differ as real ones do.
func synthetic(req *w2sv1.ShardRequest, k int, ranges []*w2sv1.TrialRange, stream grpc.ServerStreamingServer[w2sv1.TrialOutcome]) error {
	c := req.GetCell()
	for i := range trialIndices(ranges) {
		o := &w2sv1.TrialOutcome{
			Cell:       &w2sv1.Cell{N: c.GetN(), D: c.GetD(), Margin: c.GetMargin()},
			Trial:      i,
			CosTeacher: req.GetSettings().GetRhoT(),
			CosInitial: req.GetSettings().GetRhoS(),
			Cos:        make([]float64, k),
			Norm:       make([]float64, k),
			GradNorm:   make([]float64, k),
			Steps:      make([]int32, k),
		}
		for j := range k {
			o.Cos[j] = 0.5 + float64((int(i)*7+j*13)%97)/200
			o.Norm[j] = c.GetMargin()
			o.Steps[j] = int32(j + 1)
		}
		if err := stream.Send(o); err != nil {
			return err
		}
	}
	return nil
}

// trialIndices yields the indices of ranges in order.
func trialIndices(ranges []*w2sv1.TrialRange) func(yield func(int32) bool) {
	return func(yield func(int32) bool) {
		for _, r := range ranges {
			for i := r.GetStart(); i < r.GetEnd(); i++ {
				if !yield(i) {
					return
				}
			}
		}
	}
}
