package theory

// Gradient flow in the plane P = span(u_t, u_s), integrated by an adaptive
// Dormand–Prince 5(4) method.

import (
	"errors"
	"math"
)

// plane is the geometry of one (p, κ): w = a·u_t + b·v with v the unit
// vector of P orthogonal to u_t.
type plane struct {
	rhoS, rhoT float64
	gamma      float64
	kappa      float64
	gm         float64 // γ·m(γ): the teacher's pull, ∇L(w) = m(‖w‖)w − γm(γ)u_t
	a0, b0     float64 // w₀ = a0·u_t + b0·v: γκ and γ√(1 − κ²)
	// ev is γ(ρ_s − κρ_t) = b0·⟨v, e₁⟩, so b·⟨v, e₁⟩ = (b/b0)·ev without
	// dividing by √(1 − κ²) (v is undefined at κ = ±1, where b0 = 0).
	ev float64
}

// newPlane returns the geometry at κ, clamped to [−1, 1].
// Preconditions: p is valid and mg = m(p.Gamma).
func newPlane(p Params, kappa, mg float64) plane {
	kappa = math.Max(-1, math.Min(1, kappa))
	return plane{
		rhoS: p.RhoS, rhoT: p.RhoT, gamma: p.Gamma, kappa: kappa,
		gm: p.Gamma * mg,
		a0: p.Gamma * kappa,
		b0: p.Gamma * math.Sqrt((1-kappa)*(1+kappa)),
		ev: p.Gamma * (p.RhoS - kappa*p.RhoT),
	}
}

// cos returns c(w) = ⟨w, e₁⟩/‖w‖ for w = a·u_t + b·v, clamped to [−1, 1]
// against rounding.
func (g *plane) cos(a, b float64) float64 {
	num := a * g.rhoT
	if g.b0 > 0 {
		num += b / g.b0 * g.ev
	}
	return clamp1(num / math.Hypot(a, b))
}

// clamp1 clamps a cosine to [−1, 1] (NaN stays NaN).
func clamp1(c float64) float64 {
	if c > 1 {
		return 1
	}
	if c < -1 {
		return -1
	}
	return c
}

// grad returns the population gradient ∇L(w) = (a·m(r) − γm(γ), b·m(r)) in
// the (u_t, v) basis, r = √(a² + b²) (Stein's lemma; see the package doc).
func (g *plane) grad(a, b float64) (ga, gb float64) {
	m := meanDSigmoid(math.Hypot(a, b))
	return a*m - g.gm, b * m
}

// defaultTol is the relative (and, scaled by γ, absolute) local error
// tolerance of the flow integrator.
const defaultTol = 1e-12

// maxSteps bounds the steps of one integration.
const maxSteps = 10_000_000

// errSteps reports an integration that needed more than maxSteps steps.
var errSteps = errors.New("theory: flow integration exceeded 10⁷ steps")

// Dormand–Prince 5(4) tableau. The flow is autonomous, so the nodes
// c₂ … c₅ (1/5, 3/10, 4/5, 8/9) are not needed.
const (
	dpA21 = 1.0 / 5

	dpA31, dpA32 = 3.0 / 40, 9.0 / 40

	dpA41, dpA42, dpA43 = 44.0 / 45, -56.0 / 15, 32.0 / 9

	dpA51, dpA52, dpA53, dpA54 = 19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729

	dpA61, dpA62, dpA63, dpA64, dpA65 = 9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656

	dpB1, dpB3, dpB4, dpB5, dpB6 = 35.0 / 384, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84

	// dpE = b (5th order) − b̂ (4th order), the error estimate's weights.
	dpE1, dpE3, dpE4, dpE5, dpE6, dpE7 = 71.0 / 57600, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40
)

// flow integrates ẇ = −∇L(w) in the plane of g. The zero value is not
// usable; use newFlow.
type flow struct {
	g          *plane
	rtol, atol float64
	h          float64 // step proposed by the controller, kept across calls
	steps      int     // accepted steps (diagnostic)
	evals      int     // gradient evaluations (diagnostic)
}

// newFlow returns an integrator for the plane g with relative tolerance
// tol and absolute tolerance tol·γ per step.
func newFlow(g *plane, tol float64) flow {
	return flow{g: g, rtol: tol, atol: tol * g.gamma}
}

func (f *flow) rhs(a, b float64) (float64, float64) {
	f.evals++
	ga, gb := f.g.grad(a, b)
	return -ga, -gb
}

// advance integrates from (a, b) at t0 to t1 ≥ t0 and returns the state at
// t1, landing on t1 exactly. It does not allocate.
func (f *flow) advance(t0, t1, a, b float64) (float64, float64, error) {
	if !(t1 > t0) {
		return a, b, nil
	}
	if f.h <= 0 {
		f.h = math.Min(0.05, t1-t0)
	}
	k1a, k1b := f.rhs(a, b)
	t := t0
	for n := 0; ; n++ {
		if n > maxSteps {
			return a, b, errSteps
		}
		h := f.h
		last := false
		if t+1.01*h >= t1 { // land on t1, avoiding a sliver of a last step
			h = t1 - t
			last = true
		}
		k2a, k2b := f.rhs(a+h*dpA21*k1a, b+h*dpA21*k1b)
		k3a, k3b := f.rhs(a+h*(dpA31*k1a+dpA32*k2a), b+h*(dpA31*k1b+dpA32*k2b))
		k4a, k4b := f.rhs(a+h*(dpA41*k1a+dpA42*k2a+dpA43*k3a), b+h*(dpA41*k1b+dpA42*k2b+dpA43*k3b))
		k5a, k5b := f.rhs(a+h*(dpA51*k1a+dpA52*k2a+dpA53*k3a+dpA54*k4a),
			b+h*(dpA51*k1b+dpA52*k2b+dpA53*k3b+dpA54*k4b))
		k6a, k6b := f.rhs(a+h*(dpA61*k1a+dpA62*k2a+dpA63*k3a+dpA64*k4a+dpA65*k5a),
			b+h*(dpA61*k1b+dpA62*k2b+dpA63*k3b+dpA64*k4b+dpA65*k5b))
		na := a + h*(dpB1*k1a+dpB3*k3a+dpB4*k4a+dpB5*k5a+dpB6*k6a)
		nb := b + h*(dpB1*k1b+dpB3*k3b+dpB4*k4b+dpB5*k5b+dpB6*k6b)
		k7a, k7b := f.rhs(na, nb) // FSAL: the next step's k1
		ea := h * (dpE1*k1a + dpE3*k3a + dpE4*k4a + dpE5*k5a + dpE6*k6a + dpE7*k7a)
		eb := h * (dpE1*k1b + dpE3*k3b + dpE4*k4b + dpE5*k5b + dpE6*k6b + dpE7*k7b)
		sa := f.atol + f.rtol*math.Max(math.Abs(a), math.Abs(na))
		sb := f.atol + f.rtol*math.Max(math.Abs(b), math.Abs(nb))
		err := math.Sqrt(0.5 * ((ea/sa)*(ea/sa) + (eb/sb)*(eb/sb)))
		if math.IsNaN(err) || math.IsInf(na, 0) || math.IsInf(nb, 0) {
			return a, b, errors.New("theory: flow integration produced a non-finite value")
		}
		if err <= 1 {
			t += h
			a, b = na, nb
			k1a, k1b = k7a, k7b
			f.steps++
			// Propose the next step; a step shortened to land on t1 does not
			// shrink the proposal.
			fac := 5.0
			if err > 0 {
				fac = math.Min(5, 0.9*math.Pow(err, -0.2))
			}
			if last {
				f.h = math.Max(f.h, h*fac)
			} else {
				f.h = h * fac
			}
			if last {
				return a, b, nil
			}
			continue
		}
		f.h = h * math.Max(0.2, 0.9*math.Pow(err, -0.2))
		if t+f.h == t {
			return a, b, errors.New("theory: flow step size underflow")
		}
	}
}

// flowStates integrates the flow of g from w₀ at t = 0 through the
// non-decreasing times ts ≥ 0 and stores the states (a, b) at them in
// as and bs (each of len(ts)). Precondition: ts sorted, ts[0] ≥ 0.
func flowStates(g *plane, tol float64, ts, as, bs []float64) error {
	f := newFlow(g, tol)
	t, a, b := 0.0, g.a0, g.b0
	for k, tk := range ts {
		var err error
		if a, b, err = f.advance(t, tk, a, b); err != nil {
			return err
		}
		t = tk
		as[k], bs[k] = a, b
	}
	return nil
}

// flowCos writes the cosine of the flow of g at the non-decreasing times
// ts ≥ 0 into out (len(ts)); c(0) = ρ_s is returned exactly.
func flowCos(g *plane, tol float64, ts, out []float64) error {
	f := newFlow(g, tol)
	t, a, b := 0.0, g.a0, g.b0
	for k, tk := range ts {
		var err error
		if a, b, err = f.advance(t, tk, a, b); err != nil {
			return err
		}
		t = tk
		if tk == 0 {
			out[k] = g.rhoS
		} else {
			out[k] = g.cos(a, b)
		}
	}
	return nil
}
