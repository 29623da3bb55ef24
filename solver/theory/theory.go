package theory

import (
	"fmt"
	"math"
	"strconv"

	"github.com/w2s-lab/w2s/solver"
)

// Params are the protocol parameters the population limit depends on.
type Params struct {
	RhoS  float64 // ρ_s = ⟨u_s, e₁⟩, in (0, 1]
	RhoT  float64 // ρ_t = ⟨u_t, e₁⟩, in (0, 1]
	Gamma float64 // γ, the margin: w_t = γu_t, w₀ = γu_s; > 0 and finite
}

// InvalidError reports an argument that breaks a precondition of the
// package's API: the solver's error type, with Field naming the argument
// (RhoS, Gamma, mode, d, checkpoints[3], …).
type InvalidError = solver.InvalidError

func invalid(field string, value any, rule string) error { return solver.Invalid(field, value, rule) }

// Validate returns an *InvalidError naming the first field out of range:
// 0 < ρ_s, ρ_t ≤ 1 and γ > 0 finite.
func (p Params) Validate() error {
	if !(p.RhoS > 0 && p.RhoS <= 1) {
		return invalid("RhoS", p.RhoS, "must be in (0, 1]")
	}
	if !(p.RhoT > 0 && p.RhoT <= 1) {
		return invalid("RhoT", p.RhoT, "must be in (0, 1]")
	}
	if !(p.Gamma > 0) || math.IsInf(p.Gamma, 1) {
		return invalid("Gamma", p.Gamma, "must be > 0 and finite")
	}
	return nil
}

// Threshold returns max(ρ_s, ρ_t): weak-to-strong generalisation holds at
// a checkpoint when the student's cosine exceeds it.
func (p Params) Threshold() float64 { return math.Max(p.RhoS, p.RhoT) }

// Mode is how the student is finetuned. Its values equal those of the
// solver package's Mode, so theory.Mode(solver.Flow) == theory.Flow.
type Mode int

const (
	Flow  Mode = iota + 1 // gradient flow ẇ = −∇L(w); checkpoints are times t ≥ 0
	Ridge                 // w_λ = argmin L(w) + (λ/2)‖w − w₀‖²; checkpoints are λ ≥ 0
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

func (m Mode) validate() error {
	if m != Flow && m != Ridge {
		return invalid("mode", m, "must be Flow or Ridge")
	}
	return nil
}

// checkCheckpoints checks that every checkpoint is finite and ≥ 0 and, in
// flow mode, that they are non-decreasing.
func checkCheckpoints(mode Mode, xs []float64) error {
	for i, x := range xs {
		if !(x >= 0) || math.IsInf(x, 1) {
			return invalid(fmt.Sprintf("checkpoints[%d]", i), x, "must be ≥ 0 and finite")
		}
		if mode == Flow && i > 0 && x < xs[i-1] {
			return invalid(fmt.Sprintf("checkpoints[%d]", i), x,
				fmt.Sprintf("flow times must be non-decreasing (previous is %g)", xs[i-1]))
		}
	}
	return nil
}

// Kappa returns κ = ⟨u_s, u_t⟩ = ρ_sρ_t + √(1 − ρ_s²)√(1 − ρ_t²)·τ for
// τ = ⟨ξ_s, ξ_t⟩ ∈ [−1, 1].
func (p Params) Kappa(tau float64) float64 {
	return p.RhoS*p.RhoT + math.Sqrt((1-p.RhoS)*(1+p.RhoS))*math.Sqrt((1-p.RhoT)*(1+p.RhoT))*tau
}

// checkKappa checks that κ is attainable: |κ − ρ_sρ_t| ≤ √(1−ρ_s²)√(1−ρ_t²),
// with a slack of 1e-12 for rounding.
func (p Params) checkKappa(kappa float64) error {
	s := math.Sqrt((1-p.RhoS)*(1+p.RhoS)) * math.Sqrt((1-p.RhoT)*(1+p.RhoT))
	if !(math.Abs(kappa-p.RhoS*p.RhoT) <= s+1e-12) {
		return invalid("kappa", kappa, fmt.Sprintf("must be within %g of ρ_sρ_t = %g (|τ| ≤ 1)", s, p.RhoS*p.RhoT))
	}
	return nil
}

// pathCos writes the cosine at each checkpoint for the plane g into out.
// Preconditions: checkpoints passed checkCheckpoints for mode.
func pathCos(g *plane, mode Mode, xs, out []float64) error {
	if mode == Ridge {
		for k, l := range xs {
			out[k] = ridgeCos(g, l)
		}
		return nil
	}
	return flowCos(g, defaultTol, xs, out)
}

// CosPath returns the population cosine c = ⟨w, e₁⟩/‖w‖ at each checkpoint
// for one pair of directions with ⟨u_s, u_t⟩ = kappa: flow mode reads the
// gradient flow at the times in checkpoints (≥ 0, non-decreasing; c(0) = ρ_s
// exactly), ridge mode reads the ridge solution at the λs in checkpoints
// (≥ 0, any order; λ = 0 gives ρ_t exactly).
//
// kappa must be attainable, |κ − ρ_sρ_t| ≤ √(1−ρ_s²)√(1−ρ_t²) (up to
// 1e-12; it is then clamped to [−1, 1]). The flow is accurate to about
// 1e-10 (local error tolerance 1e-12 per step); the ridge cosine is in
// closed form. Errors are *InvalidError for bad arguments, or an
// integration failure.
func CosPath(p Params, mode Mode, kappa float64, checkpoints []float64) ([]float64, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := mode.validate(); err != nil {
		return nil, err
	}
	if err := p.checkKappa(kappa); err != nil {
		return nil, err
	}
	if err := checkCheckpoints(mode, checkpoints); err != nil {
		return nil, err
	}
	g := newPlane(p, kappa, meanDSigmoid(p.Gamma))
	out := make([]float64, len(checkpoints))
	if err := pathCos(&g, mode, checkpoints, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Curve is the population prediction at dimension D for one mode.
type Curve struct {
	Checkpoints []float64 // times (Flow) or λs (Ridge), as given
	MeanCos     []float64 // E_τ[c] at each checkpoint
	PW2S        []float64 // P_τ(c > max(ρ_s, ρ_t)) at each checkpoint
	D           int       // dimension; 0 means d → ∞ (τ = 0)
	Mode        Mode
	Params      Params
}

// checkD checks the dimension: 0 (d → ∞) or d ≥ 2.
func checkD(d int) error {
	if d != 0 && d < 2 {
		return invalid("d", d, "must be 0 (d → ∞) or ≥ 2")
	}
	return nil
}

// Predict returns the population curve at dimension d (d = 0: d → ∞):
// the mean over τ = ⟨ξ_s, ξ_t⟩ of the cosine at each checkpoint and the
// probability over τ that weak-to-strong generalisation holds there,
// c > max(ρ_s, ρ_t).
//
// For d = 0, τ = 0 (κ = ρ_sρ_t) and PW2S is 0 or 1. For d = 2, τ = ±1 with
// probability ½ each. For d ≥ 3 the mean uses the 48-node Gauss–Gegenbauer
// rule of τ's density ∝ (1 − τ²)^{(d−4)/2}, and PW2S is the exact τ-mass
// (regularised incomplete beta function) of the set where c > max(ρ_s, ρ_t),
// whose boundary points are found by Brent's method between the sign
// changes of c − max(ρ_s, ρ_t) over the nodes and τ = ±1 (two boundary
// points between adjacent nodes would be missed). Checkpoints are as for
// CosPath.
func Predict(p Params, mode Mode, d int, checkpoints []float64) (Curve, error) {
	if err := p.Validate(); err != nil {
		return Curve{}, err
	}
	if err := mode.validate(); err != nil {
		return Curve{}, err
	}
	if err := checkD(d); err != nil {
		return Curve{}, err
	}
	if err := checkCheckpoints(mode, checkpoints); err != nil {
		return Curve{}, err
	}
	K := len(checkpoints)
	c := Curve{
		Checkpoints: append([]float64(nil), checkpoints...),
		MeanCos:     make([]float64, K),
		PW2S:        make([]float64, K),
		D:           d, Mode: mode, Params: p,
	}
	mg := meanDSigmoid(p.Gamma)
	thr := p.Threshold()
	indicator := func(x float64) float64 {
		if x > thr {
			return 1
		}
		return 0
	}
	if d == 0 {
		g := newPlane(p, p.Kappa(0), mg)
		if err := pathCos(&g, mode, checkpoints, c.MeanCos); err != nil {
			return Curve{}, err
		}
		for k, x := range c.MeanCos {
			c.PW2S[k] = indicator(x)
		}
		return c, nil
	}

	rule := newTauRule(d, tauNodes)
	// Sample points: the nodes, and for d ≥ 3 also τ = ±1 (the ends of the
	// support, needed to classify the outermost segments).
	taus := rule.x
	if d >= 3 {
		taus = make([]float64, 0, len(rule.x)+2)
		taus = append(append(append(taus, -1), rule.x...), 1)
	}
	cos := make([][]float64, len(taus)) // cos[i][k]: at taus[i], checkpoint k
	for i, tau := range taus {
		g := newPlane(p, p.Kappa(tau), mg)
		cos[i] = make([]float64, K)
		if err := pathCos(&g, mode, checkpoints, cos[i]); err != nil {
			return Curve{}, err
		}
	}
	off := 0
	if d >= 3 {
		off = 1
	}
	for k := range K {
		if mode == Flow && checkpoints[k] == 0 {
			c.MeanCos[k] = p.RhoS // every path starts at ρ_s
		} else {
			s := 0.0
			for j, w := range rule.w {
				s += w * cos[j+off][k]
			}
			c.MeanCos[k] = s
		}
		if d == 2 {
			c.PW2S[k] = 0.5*indicator(cos[0][k]) + 0.5*indicator(cos[1][k])
			continue
		}
		pk, err := pw2s(p, mode, d, mg, checkpoints[k], taus, cos, k)
		if err != nil {
			return Curve{}, err
		}
		c.PW2S[k] = pk
	}
	return c, nil
}

// pw2s returns the τ-mass of {τ : c(τ) > thr} at checkpoint x (index k),
// given the cosines cos[i][k] at the sorted sample points taus, which
// start at −1 and end at 1. Precondition: d ≥ 3.
func pw2s(p Params, mode Mode, d int, mg, x float64, taus []float64, cos [][]float64, k int) (float64, error) {
	thr := p.Threshold()
	f := func(tau float64) (float64, error) {
		g := newPlane(p, p.Kappa(tau), mg)
		var in, out [1]float64
		in[0] = x
		if err := pathCos(&g, mode, in[:], out[:]); err != nil {
			return 0, err
		}
		return out[0] - thr, nil
	}
	mass := 0.0
	start := taus[0]
	prev := cos[0][k] - thr
	for i := 1; i < len(taus); i++ {
		cur := cos[i][k] - thr
		if (prev > 0) != (cur > 0) {
			root, err := brent(f, taus[i-1], taus[i], prev, cur, 1e-13)
			if err != nil {
				return 0, err
			}
			if prev > 0 {
				mass += tauMass(d, start, root)
			}
			start = root
		}
		prev = cur
	}
	if prev > 0 {
		mass += tauMass(d, start, 1)
	}
	return math.Max(0, math.Min(1, mass)), nil
}

// Interval is a closed interval [Lo, Hi] of times or λs.
type Interval struct{ Lo, Hi float64 }

// nScan is the number of scan intervals of Window.
const nScan = 1024

// Window returns the maximal intervals of t (Flow) or λ (Ridge) within
// [lo, hi] on which the cosine exceeds max(ρ_s, ρ_t): the cosine of the
// d → ∞ path for d = 0, the τ-mean cosine (as in Predict) for d ≥ 2.
// Intervals reaching the ends of the scan range are clipped to them.
//
// The range is scanned at 1025 points, uniform in log(1 + t) for flow
// (0 ≤ lo < hi finite) and in log λ for ridge (0 < lo < hi finite); each
// change of sign of c − max(ρ_s, ρ_t) between scan points is located by
// bisection to 1e-10 relative. An end where c − max(ρ_s, ρ_t) is exactly 0
// is returned as is (flow with ρ_s ≥ ρ_t: c(0) = ρ_s, so a window that
// opens at once starts at 0). Intervals narrower than the scan spacing
// can be missed, and where c is within rounding of the threshold (e.g.
// flow as c → ρ_t for large t when ρ_t > ρ_s) the sign is noise.
func Window(p Params, mode Mode, d int, lo, hi float64) ([]Interval, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := mode.validate(); err != nil {
		return nil, err
	}
	if err := checkD(d); err != nil {
		return nil, err
	}
	switch {
	case mode == Flow && !(lo >= 0):
		return nil, invalid("lo", lo, "flow times must be ≥ 0")
	case mode == Ridge && !(lo > 0):
		return nil, invalid("lo", lo, "ridge λ range is scanned in log λ: must be > 0")
	case !(hi > lo) || math.IsInf(hi, 1):
		return nil, invalid("hi", hi, fmt.Sprintf("must be finite and > lo = %g", lo))
	}
	mg := meanDSigmoid(p.Gamma)
	thr := p.Threshold()

	// The τ rule: one node at τ = 0 for d → ∞.
	var rule tauRule
	if d == 0 {
		rule = tauRule{x: []float64{0}, w: []float64{1}}
	} else {
		rule = newTauRule(d, tauNodes)
	}
	planes := make([]plane, len(rule.x))
	for i, tau := range rule.x {
		planes[i] = newPlane(p, p.Kappa(tau), mg)
	}

	xs := make([]float64, nScan+1)
	var u0, u1 float64
	if mode == Flow {
		u0, u1 = math.Log1p(lo), math.Log1p(hi)
	} else {
		u0, u1 = math.Log(lo), math.Log(hi)
	}
	for j := range xs {
		u := u0 + (u1-u0)*float64(j)/nScan
		if mode == Flow {
			xs[j] = math.Expm1(u)
		} else {
			xs[j] = math.Exp(u)
		}
	}
	xs[0], xs[nScan] = lo, hi

	// Flow: the states of every node's path at every scan point, so that
	// bisection restarts from the scan point below.
	var as, bs [][]float64
	if mode == Flow {
		as = make([][]float64, len(planes))
		bs = make([][]float64, len(planes))
		for i := range planes {
			as[i] = make([]float64, len(xs))
			bs[i] = make([]float64, len(xs))
			if err := flowStates(&planes[i], defaultTol, xs, as[i], bs[i]); err != nil {
				return nil, err
			}
		}
	}
	// f(j, x) = mean cosine − threshold at x ∈ [xs[j], xs[j+1]].
	f := func(j int, x float64) (float64, error) {
		if mode == Flow && x == 0 {
			return p.RhoS - thr, nil
		}
		s := 0.0
		for i := range planes {
			g := &planes[i]
			var c float64
			if mode == Ridge {
				c = ridgeCos(g, x)
			} else {
				a, b := as[i][j], bs[i][j]
				if x != xs[j] {
					fl := newFlow(g, defaultTol)
					var err error
					if a, b, err = fl.advance(xs[j], x, a, b); err != nil {
						return 0, err
					}
				}
				c = g.cos(a, b)
			}
			s += rule.w[i] * c
		}
		return s - thr, nil
	}
	// edge locates the sign change in [xs[j], xs[j+1]] by bisection.
	edge := func(j int, fa, fb float64) (float64, error) {
		a, b := xs[j], xs[j+1]
		if fa == 0 {
			return a, nil
		}
		if fb == 0 {
			return b, nil
		}
		for range 200 {
			m := 0.5 * (a + b)
			if b-a <= 1e-10*math.Max(math.Abs(a), math.Abs(b)) || m == a || m == b {
				break
			}
			fm, err := f(j, m)
			if err != nil {
				return 0, err
			}
			if fm == 0 {
				return m, nil
			}
			if (fm > 0) == (fa > 0) {
				a, fa = m, fm
			} else {
				b = m
			}
		}
		return 0.5 * (a + b), nil
	}

	var out []Interval
	fprev, err := f(0, xs[0])
	if err != nil {
		return nil, err
	}
	open := fprev > 0
	start := lo
	for j := 1; j <= nScan; j++ {
		fj, err := f(j, xs[j])
		if err != nil {
			return nil, err
		}
		if (fj > 0) != open {
			x, err := edge(j-1, fprev, fj)
			if err != nil {
				return nil, err
			}
			if open {
				out = append(out, Interval{Lo: start, Hi: x})
			} else {
				start = x
			}
			open = !open
		}
		fprev = fj
	}
	if open {
		out = append(out, Interval{Lo: start, Hi: hi})
	}
	return out, nil
}
