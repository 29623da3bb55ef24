package node

// Validation of everything a node is asked to do. The CLI runs Validate on
// a sweep's settings before any work starts; a node runs CheckShard on
// every request. Both end in solver.Settings.Validate, the one place the
// protocol's input rules live.

import (
	"fmt"
	"math"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/solver"
)

// SolverSettings converts wire settings to the solver's form, unchecked.
func SolverSettings(p *w2sv1.SweepSettings) solver.Settings {
	ints := func(v []int32) []int {
		out := make([]int, len(v))
		for i, x := range v {
			out[i] = int(x)
		}
		return out
	}
	return solver.Settings{
		Seed:    p.GetSeed(),
		N:       ints(p.GetN()),
		D:       ints(p.GetD()),
		Margin:  p.GetMargin(),
		Trials:  int(p.GetTrials()),
		RhoS:    p.GetRhoS(),
		RhoT:    p.GetRhoT(),
		Labels:  solver.Labels(p.GetLabels()),
		Mode:    solver.Mode(p.GetMode()),
		Times:   p.GetTimes(),
		Lambdas: p.GetLambdas(),
		EtaMax:  p.GetEtaMax(),
	}
}

// Validate checks wire settings against the protocol's rules and returns
// them in the solver's form. Errors name the field and the value.
func Validate(p *w2sv1.SweepSettings) (solver.Settings, error) {
	if p == nil {
		return solver.Settings{}, fmt.Errorf("invalid settings: missing")
	}
	if v := p.GetProtocolVersion(); v != solver.ProtocolVersion {
		return solver.Settings{}, &solver.InvalidError{Field: "protocol_version", Value: fmt.Sprint(v),
			Rule: fmt.Sprintf("this build implements trial protocol version %d", solver.ProtocolVersion)}
	}
	s := SolverSettings(p)
	if err := s.Validate(); err != nil {
		return solver.Settings{}, err
	}
	return s, nil
}

// CheckShard validates a shard request: the settings, that the cell is one
// of the settings' grid, and that the trial ranges are non-empty, disjoint,
// increasing and inside [0, trials). It returns the ranges and how many
// trials they hold; nothing is allocated in proportion to that count.
func CheckShard(req *w2sv1.ShardRequest) (solver.Settings, solver.Cell, []*w2sv1.TrialRange, int, error) {
	s, err := Validate(req.GetSettings())
	if err != nil {
		return s, solver.Cell{}, nil, 0, err
	}
	pc := req.GetCell()
	if pc == nil {
		return s, solver.Cell{}, nil, 0, fmt.Errorf("invalid cell: missing")
	}
	cell := solver.Cell{N: int(pc.GetN()), D: int(pc.GetD()), Margin: pc.GetMargin()}
	if !inGrid(&s, cell) {
		return s, cell, nil, 0, fmt.Errorf("invalid cell %v: not in the sweep's grid", cell)
	}
	ranges := req.GetTrials()
	if len(ranges) == 0 {
		return s, cell, nil, 0, fmt.Errorf("invalid trials: no trial ranges")
	}
	total := 0
	prevEnd := int32(math.MinInt32)
	for k, r := range ranges {
		if r.GetStart() < 0 || r.GetEnd() <= r.GetStart() || int(r.GetEnd()) > s.Trials {
			return s, cell, nil, 0, fmt.Errorf("invalid trials[%d] = [%d, %d): want 0 ≤ start < end ≤ %d", k, r.GetStart(), r.GetEnd(), s.Trials)
		}
		if r.GetStart() < prevEnd {
			return s, cell, nil, 0, fmt.Errorf("invalid trials[%d] = [%d, %d): ranges must be increasing and disjoint", k, r.GetStart(), r.GetEnd())
		}
		prevEnd = r.GetEnd()
		total += int(r.GetEnd() - r.GetStart())
	}
	return s, cell, ranges, total, nil
}

func inGrid(s *solver.Settings, c solver.Cell) bool {
	has := func(xs []int, x int) bool {
		for _, v := range xs {
			if v == x {
				return true
			}
		}
		return false
	}
	if !has(s.N, c.N) || !has(s.D, c.D) {
		return false
	}
	for _, g := range s.Margin {
		if math.Float64bits(g) == math.Float64bits(c.Margin) {
			return true
		}
	}
	return false
}
