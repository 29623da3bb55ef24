package coordinator

// Planning: the grid becomes cells, each cell's missing trials become
// shards. What is missing is read from the store's keys, never from memory,
// so a plan made after a crash covers exactly what the crash lost.

import (
	"fmt"
	"math"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
	"github.com/w2s-lab/w2s/solver"
)

// A shard is a set of trial indices of one cell, sent to one node at a time.
type shard struct {
	cell     uint32 // ordinal
	ranges   []*w2sv1.TrialRange
	count    int // trials in ranges
	attempts int // failed runs so far
	cost     float64
}

func (s *shard) String() string {
	return fmt.Sprintf("cell %d trials %s", s.cell, rangesString(s.ranges))
}

func rangesString(rs []*w2sv1.TrialRange) string {
	out := ""
	for k, r := range rs {
		if k > 0 {
			out += ","
		}
		if r.End-r.Start == 1 {
			out += fmt.Sprint(r.Start)
		} else {
			out += fmt.Sprintf("%d-%d", r.Start, r.End-1)
		}
	}
	return out
}

// Sizing constants. ReferenceSpeed is a conservative flop rate of one worker
// on the solver's kernels; ShardSeconds is the work a shard should hold at
// that speed, so that one shard is a few seconds and a failure costs little.
const (
	ReferenceSpeed  = 2e9
	ShardSeconds    = 2.0
	shardsPerWorker = 4 // the last shards are small enough to finish together
)

// TrialCost estimates the floating-point work of one trial of cell c, in
// flops: sampling (about 20 flop-equivalents per normal), then per gradient
// step 4·n·d (flow), or per Newton iteration two passes over X and the
// Newton system, about five iterations per λ (ridge).
func TrialCost(s *solver.Settings, c solver.Cell) float64 {
	n, d := float64(c.N), float64(c.D)
	cost := 20 * n * d
	switch s.Mode {
	case solver.Flow:
		h := solver.StepSize(s.EtaMax, c.N, c.D)
		steps, prev := 1, 0.0
		for _, t := range s.Times {
			steps += solver.SegmentSteps(t-prev, h)
			prev = t
		}
		cost += float64(steps) * 4 * n * d
	case solver.Ridge:
		system := n*d*d + 2*d*d*d/3
		if c.N < c.D {
			system = 2 * n * n * n / 3
			cost += n * n * d
		}
		cost += float64(len(s.Lambdas)) * 5 * (8*n*d + system)
	}
	return cost
}

// plan returns the shards that cover every trial missing from the store,
// and their total number of trials. shardSize > 0 fixes the trials per
// shard; otherwise each shard holds about ShardSeconds of one worker's work,
// and no more than a share of the sweep that gives every worker several
// shards.
func plan(st *results.Store, s *solver.Settings, shardSize, workers int) ([]*shard, int, error) {
	cells := st.Settings().Cells()
	missing := make([][]*w2sv1.TrialRange, len(cells))
	total := 0
	for ord := range cells {
		m, err := st.Missing(uint32(ord))
		if err != nil {
			return nil, 0, err
		}
		missing[ord] = m
		for _, r := range m {
			total += int(r.End - r.Start)
		}
	}
	limit := max(1, int(math.Ceil(float64(total)/float64(shardsPerWorker*max(workers, 1)))))
	var shards []*shard
	for ord, pc := range cells {
		c := solver.Cell{N: int(pc.N), D: int(pc.D), Margin: pc.Margin}
		cost := TrialCost(s, c)
		size := shardSize
		if size <= 0 {
			size = min(limit, max(1, int(ShardSeconds*ReferenceSpeed/cost)))
		}
		shards = append(shards, split(uint32(ord), missing[ord], size, cost)...)
	}
	return shards, total, nil
}

// split cuts ranges into shards of size trials (the last may be smaller).
func split(cell uint32, ranges []*w2sv1.TrialRange, size int, cost float64) []*shard {
	var out []*shard
	cur := &shard{cell: cell, cost: cost}
	for _, r := range ranges {
		for start := r.Start; start < r.End; {
			end := min(r.End, start+int32(size-cur.count))
			cur.ranges = append(cur.ranges, &w2sv1.TrialRange{Start: start, End: end})
			cur.count += int(end - start)
			start = end
			if cur.count == size {
				out = append(out, cur)
				cur = &shard{cell: cell, cost: cost}
			}
		}
	}
	if cur.count > 0 {
		out = append(out, cur)
	}
	return out
}

// remainder returns the part of sh whose trials did not arrive, or nil.
func remainder(sh *shard, arrived map[int32]bool) *shard {
	rest := &shard{cell: sh.cell, attempts: sh.attempts, cost: sh.cost}
	for _, r := range sh.ranges {
		for i := r.Start; i < r.End; i++ {
			if arrived[i] {
				continue
			}
			if n := len(rest.ranges); n > 0 && rest.ranges[n-1].End == i {
				rest.ranges[n-1].End++
			} else {
				rest.ranges = append(rest.ranges, &w2sv1.TrialRange{Start: i, End: i + 1})
			}
			rest.count++
		}
	}
	if rest.count == 0 {
		return nil
	}
	return rest
}
