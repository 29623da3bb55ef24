package solver

// Sweep settings and the one validation function that every entry point
// (the CLI before any work, the node on every request) runs.

import (
	"fmt"
	"math"
	"strconv"
)

// ProtocolVersion is the version of the trial protocol this package implements.
const ProtocolVersion = 1

// Labels is the kind of teacher feedback.
type Labels int

const (
	Soft    Labels = iota + 1 // y = σ(γ⟨u_t, x⟩)
	Hard                      // y = 1[⟨u_t, x⟩ ≥ 0]
	Sampled                   // y ~ Bernoulli(σ(γ⟨u_t, x⟩))
)

func (l Labels) String() string {
	switch l {
	case Soft:
		return "soft"
	case Hard:
		return "hard"
	case Sampled:
		return "sampled"
	}
	return "Labels(" + strconv.Itoa(int(l)) + ")"
}

// Mode is how the student is finetuned.
type Mode int

const (
	Flow  Mode = iota + 1 // gradient descent read at checkpoint times
	Ridge                 // regularisation path read at checkpoint λs
)

func (m Mode) String() string {
	switch m {
	case Flow:
		return "flow"
	case Ridge:
		return "ridge"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Settings are a sweep's protocol settings: the grid and everything that
// defines one trial.
type Settings struct {
	Seed    uint64
	N, D    []int     // grid lists
	Margin  []float64 // grid list of γ
	Trials  int       // trials per cell
	RhoS    float64   // cosine of the student's initial direction with w*
	RhoT    float64   // cosine of the teacher's direction with w*
	Labels  Labels
	Mode    Mode
	Times   []float64 // flow checkpoints, strictly increasing
	Lambdas []float64 // ridge checkpoints, strictly decreasing
	EtaMax  float64   // largest gradient step (flow)
}

// Defaults of PROTOCOL.md.
var (
	DefaultTimes   = []float64{0.25, 0.5, 1, 2, 4, 8, 16, 32, 64}
	DefaultLambdas = []float64{10, 3, 1, 0.3, 0.1, 0.03, 0.01}
)

const (
	DefaultRhoS   = 0.8
	DefaultRhoT   = 0.6
	DefaultEtaMax = 1.0
)

// Checkpoints returns the times (flow) or λs (ridge) the trial is read at.
func (s *Settings) Checkpoints() []float64 {
	if s.Mode == Ridge {
		return s.Lambdas
	}
	return s.Times
}

// Cell is one point of the grid.
type Cell struct {
	N, D   int
	Margin float64
}

func (c Cell) String() string {
	return fmt.Sprintf("n=%d d=%d margin=%g", c.N, c.D, c.Margin)
}

// Cells expands the grid in its canonical order: margin, then n, then d,
// each in the order given. A cell's position in this list is its ordinal.
func (s *Settings) Cells() []Cell {
	cells := make([]Cell, 0, len(s.Margin)*len(s.N)*len(s.D))
	for _, g := range s.Margin {
		for _, n := range s.N {
			for _, d := range s.D {
				cells = append(cells, Cell{N: n, D: d, Margin: g})
			}
		}
	}
	return cells
}

// InvalidError reports a setting that breaks a rule of the protocol. Field is
// the setting's name as in the stored settings (rho_s, margin, …).
type InvalidError struct {
	Field string
	Value string
	Rule  string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("invalid %s = %s: %s", e.Field, e.Value, e.Rule)
}

func invalid(field string, value any, rule string) error { return Invalid(field, value, rule) }

// Invalid returns an *InvalidError for field, showing value as a user
// writes it (floats in their shortest exact form).
func Invalid(field string, value any, rule string) error {
	var v string
	switch x := value.(type) {
	case float64:
		v = strconv.FormatFloat(x, 'g', -1, 64)
	default:
		v = fmt.Sprint(x)
	}
	return &InvalidError{Field: field, Value: v, Rule: rule}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Validate checks every rule of the protocol's "Valid input" and returns the
// first violation as an *InvalidError naming the field and the value.
func (s *Settings) Validate() error {
	if len(s.N) == 0 {
		return invalid("n", "[]", "the grid needs at least one n")
	}
	if len(s.D) == 0 {
		return invalid("d", "[]", "the grid needs at least one d")
	}
	if len(s.Margin) == 0 {
		return invalid("margin", "[]", "the grid needs at least one margin")
	}
	seenN := map[int]bool{}
	for i, n := range s.N {
		if n < 1 {
			return invalid(fmt.Sprintf("n[%d]", i), n, "must be ≥ 1")
		}
		if seenN[n] {
			return invalid(fmt.Sprintf("n[%d]", i), n, "appears twice in the grid")
		}
		seenN[n] = true
	}
	seenD := map[int]bool{}
	for i, d := range s.D {
		if d < 2 {
			return invalid(fmt.Sprintf("d[%d]", i), d, "must be ≥ 2")
		}
		if seenD[d] {
			return invalid(fmt.Sprintf("d[%d]", i), d, "appears twice in the grid")
		}
		seenD[d] = true
	}
	seenG := map[float64]bool{}
	for i, g := range s.Margin {
		if !(g > 0) || !finite(g) {
			return invalid(fmt.Sprintf("margin[%d]", i), g, "must be > 0 and finite")
		}
		if seenG[g] {
			return invalid(fmt.Sprintf("margin[%d]", i), g, "appears twice in the grid")
		}
		seenG[g] = true
	}
	if s.Trials < 1 {
		return invalid("trials", s.Trials, "must be ≥ 1")
	}
	if !(s.RhoS > 0 && s.RhoS <= 1) {
		return invalid("rho_s", s.RhoS, "must be in (0, 1]")
	}
	if !(s.RhoT > 0 && s.RhoT <= 1) {
		return invalid("rho_t", s.RhoT, "must be in (0, 1]")
	}
	if s.Labels < Soft || s.Labels > Sampled {
		return invalid("labels", s.Labels, "must be soft, hard or sampled")
	}
	switch s.Mode {
	case Flow:
		if err := checkTimes(s.Times); err != nil {
			return err
		}
		if !(s.EtaMax > 0) || !finite(s.EtaMax) {
			return invalid("eta_max", s.EtaMax, "must be > 0 and finite")
		}
		if len(s.Lambdas) > 0 {
			return invalid("lambdas", fmt.Sprint(s.Lambdas), "flow mode reads checkpoints at times; give lambdas only with mode ridge")
		}
	case Ridge:
		if err := checkLambdas(s.Lambdas, s.Labels); err != nil {
			return err
		}
		if len(s.Times) > 0 {
			return invalid("times", fmt.Sprint(s.Times), "ridge mode reads checkpoints at lambdas; give times only with mode flow")
		}
	default:
		return invalid("mode", s.Mode, "must be flow or ridge")
	}
	return nil
}

func checkTimes(t []float64) error {
	if len(t) == 0 {
		return invalid("times", "[]", "flow mode needs at least one checkpoint time")
	}
	for i, x := range t {
		field := func() string { return fmt.Sprintf("times[%d]", i) }
		if !finite(x) {
			return invalid(field(), x, "must be finite")
		}
		if i == 0 && !(x > 0) {
			return invalid(field(), x, "must be > 0 (training starts at t = 0)")
		}
		if i > 0 && !(x > t[i-1]) {
			return invalid(field(), x, fmt.Sprintf("times must be strictly increasing (previous is %g)", t[i-1]))
		}
	}
	return nil
}

func checkLambdas(l []float64, labels Labels) error {
	if len(l) == 0 {
		return invalid("lambdas", "[]", "ridge mode needs at least one checkpoint λ")
	}
	for i, x := range l {
		field := func() string { return fmt.Sprintf("lambdas[%d]", i) }
		if !finite(x) {
			return invalid(field(), x, "must be finite")
		}
		if x < 0 {
			return invalid(field(), x, "must be ≥ 0")
		}
		if i > 0 && !(x < l[i-1]) {
			return invalid(field(), x, fmt.Sprintf("lambdas must be strictly decreasing (previous is %g)", l[i-1]))
		}
		if x == 0 && labels != Soft {
			return invalid(field(), x, fmt.Sprintf("λ = 0 needs soft labels: on %s 0/1 labels the unregularised ERM need not have a minimiser", labels))
		}
	}
	return nil
}

// WorkspaceBytes is the memory one trial of cell c needs, in bytes: the
// data matrix, per-sample and per-coordinate vectors, and the Newton system
// of ridge mode.
//
// The count saturates at math.MaxInt64 rather than overflow, so that an
// absurd cell is refused by any budget instead of passing as negative.
func WorkspaceBytes(mode Mode, c Cell) int64 {
	n, d := float64(max(c.N, 0)), float64(max(c.D, 0))
	b := 8 * (n*d + 6*n + 8*d)
	if mode == Ridge {
		b += 8 * min(n, d) * min(n, d) // Hessian or dual system
	}
	if n < d {
		b += 8 * n * n // XXᵀ
	}
	if b >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(b)
}
