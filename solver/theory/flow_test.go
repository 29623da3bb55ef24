package theory

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
)

// testParams are parameter sets covering ρ_s ≷ ρ_t, small and large γ.
var testParams = []Params{{0.8, 0.6, 2}, {0.3, 0.95, 1}, {0.6, 0.8, 0.5}, {0.9, 0.2, 5}, {0.5, 0.5, 3}}

// testKappas returns κ at τ ∈ {−1, −0.4, 0, 0.3, 1}, the whole range.
func testKappas(p Params) []float64 {
	var ks []float64
	for _, tau := range []float64{-1, -0.4, 0, 0.3, 1} {
		ks = append(ks, p.Kappa(tau))
	}
	return ks
}

func sigma(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// Stein's lemma: E[(σ(aξ₁ + bξ₂) − σ(γξ₁))(ξ₁, ξ₂)] = (a·m(r) − γm(γ), b·m(r)),
// r = √(a² + b²), against a direct 200×200 Gauss–Hermite evaluation (ξ = √2x
// for the weight e^{−x²}; σ is analytic in a strip of half-width
// π/(√2·max(r, γ)) ≥ 0.7 here, so the error is ~e^{−2·0.7·√400} < 1e-12).
func TestSteinGradient(t *testing.T) {
	const n = 200
	x := make([]float64, n)
	w := make([]float64, n)
	quad.Hermite{}.FixedLocations(x, w, math.Inf(-1), math.Inf(1))
	for i := range x {
		x[i] *= math.Sqrt2
		w[i] /= math.Sqrt(math.Pi)
	}
	for _, c := range [][3]float64{{1, 0.5, 2}, {-0.7, 1.2, 1.5}, {2, -1, 0.5}, {0.3, 0.2, 3}, {0, 0, 1}} {
		a, b, gamma := c[0], c[1], c[2]
		var e1, e2 float64
		for i, x1 := range x {
			for j, x2 := range x {
				res := sigma(a*x1+b*x2) - sigma(gamma*x1)
				e1 += w[i] * w[j] * res * x1
				e2 += w[i] * w[j] * res * x2
			}
		}
		// The plane's gradient is ∇L = E[(σ(⟨w,x⟩) − y)x] in the (u_t, v)
		// basis: ξ₁ = ⟨u_t, x⟩, ξ₂ = ⟨v, x⟩.
		g := plane{gamma: gamma, gm: gamma * meanDSigmoid(gamma)}
		ga, gb := g.grad(a, b)
		if math.Abs(ga-e1) > 1e-9 || math.Abs(gb-e2) > 1e-9 {
			t.Errorf("(a, b, γ) = %v: Stein (%.15g, %.15g), Gauss–Hermite (%.15g, %.15g)", c, ga, gb, e1, e2)
		}
	}
}

// The cosine at w₀ (computed, not the special case t = 0) is ρ_s.
func TestFlowStartsAtRhoS(t *testing.T) {
	for _, p := range testParams {
		for _, k := range testKappas(p) {
			g := newPlane(p, k, meanDSigmoid(p.Gamma))
			if c := g.cos(g.a0, g.b0); math.Abs(c-p.RhoS) > 1e-12 {
				t.Errorf("%v κ = %v: c(w₀) = %.17g, ρ_s = %v", p, k, c, p.RhoS)
			}
			cs, err := CosPath(p, Flow, k, []float64{0, 1e-9})
			if err != nil {
				t.Fatal(err)
			}
			if cs[0] != p.RhoS || math.Abs(cs[1]-p.RhoS) > 1e-8 {
				t.Errorf("%v κ = %v: c(0) = %.17g, c(1e-9) = %.17g, ρ_s = %v", p, k, cs[0], cs[1], p.RhoS)
			}
			if c := g.cos(g.gamma, 0); math.Abs(c-p.RhoT) > 1e-15 {
				t.Errorf("%v κ = %v: c(w_t) = %v, ρ_t = %v", p, k, c, p.RhoT)
			}
		}
	}
}

// The flow converges to w_t: |c(200) − ρ_t| < 1e-8 for γ = 2. The direction
// converges at the rate m(γ) ≈ 0.15 of ḃ = −b·m(r) (e^{−30} ≈ 1e-13), but the
// norm only at the rate (r·m)'(γ) ≈ 0.06 of the linearised ȧ = γm(γ) − a·m(a):
// check b(200) ≈ 0 and that a − γ decays at that rate.
func TestFlowConvergesToTeacher(t *testing.T) {
	for _, p := range []Params{{0.8, 0.6, 2}, {0.3, 0.95, 2}, {0.6, 0.8, 2}} {
		const h = 1e-5
		rate := ((p.Gamma+h)*meanDSigmoid(p.Gamma+h) - (p.Gamma-h)*meanDSigmoid(p.Gamma-h)) / (2 * h)
		for _, k := range testKappas(p) {
			cs, err := CosPath(p, Flow, k, []float64{1, 10, 200})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(cs[2]-p.RhoT) > 1e-8 {
				t.Errorf("%v κ = %v: c(200) = %.15g, ρ_t = %v", p, k, cs[2], p.RhoT)
			}
			g := newPlane(p, k, meanDSigmoid(p.Gamma))
			a, b := []float64{0, 0}, []float64{0, 0}
			if err := flowStates(&g, defaultTol, []float64{200, 300}, a, b); err != nil {
				t.Fatal(err)
			}
			if math.Abs(b[0]) > 1e-10 {
				t.Errorf("%v κ = %v: b(200) = %v, want 0", p, k, b[0])
			}
			if g.b0 == 0 {
				continue
			}
			// The linearisation holds to ~1e-3 relative at a − γ ~ 1e-6; the
			// integration error is ~1e-12 absolute.
			got, want := a[1]-p.Gamma, (a[0]-p.Gamma)*math.Exp(-100*rate)
			if math.Abs(got-want) > 1e-3*math.Abs(want)+1e-11 {
				t.Errorf("%v κ = %v: a(300) − γ = %v, (a(200) − γ)e^{−100(rm)'(γ)} = %v", p, k, got, want)
			}
		}
	}
}

var flowTimes = []float64{0.25, 0.5, 1, 2, 4, 8, 16, 64}

// Halving the tolerance changes the cosines by < 1e-10.
func TestFlowTolerance(t *testing.T) {
	out1 := make([]float64, len(flowTimes))
	out2 := make([]float64, len(flowTimes))
	for _, p := range testParams {
		for _, k := range testKappas(p) {
			g := newPlane(p, k, meanDSigmoid(p.Gamma))
			if err := flowCos(&g, defaultTol, flowTimes, out1); err != nil {
				t.Fatal(err)
			}
			if err := flowCos(&g, defaultTol/2, flowTimes, out2); err != nil {
				t.Fatal(err)
			}
			for i := range out1 {
				if d := math.Abs(out1[i] - out2[i]); d > 1e-10 {
					t.Errorf("%v κ = %v t = %v: tol and tol/2 differ by %.3g", p, k, flowTimes[i], d)
				}
			}
		}
	}
}

// rk4 integrates the augmented system (a, b, M, J) with Ṁ = m(r),
// J̇ = e^M by classical RK4 with a fixed step h, from t = 0 to each time in
// ts, independently of the Dormand–Prince code.
func rk4(g *plane, ts []float64, h float64) (a, b, M, J []float64) {
	f := func(y [4]float64) [4]float64 {
		m := meanDSigmoid(math.Hypot(y[0], y[1]))
		return [4]float64{g.gm - y[0]*m, -y[1] * m, m, math.Exp(y[2])}
	}
	y := [4]float64{g.a0, g.b0, 0, 0}
	t := 0.0
	add := func(y, k [4]float64, s float64) [4]float64 {
		for i := range y {
			y[i] += s * k[i]
		}
		return y
	}
	for _, tk := range ts {
		n := int(math.Ceil((tk - t) / h))
		hh := (tk - t) / float64(n)
		for range n {
			k1 := f(y)
			k2 := f(add(y, k1, hh/2))
			k3 := f(add(y, k2, hh/2))
			k4 := f(add(y, k3, hh))
			for i := range y {
				y[i] += hh / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
			}
		}
		t = tk
		a, b, M, J = append(a, y[0]), append(b, y[1]), append(M, y[2]), append(J, y[3])
	}
	return
}

// The adaptive flow against a fixed-step RK4 (h = 2e-3, error ~h⁴ ≈ 1e-11),
// and two consequences of the linear form ẇ = γm(γ)u_t − m(r)w:
// b(t) = b₀e^{−M(t)}, and c_flow(t) = c_ridge(λ = 1/J(t)), J = ∫₀ᵗe^{M(s)}ds.
func TestFlowAgainstRK4AndRidge(t *testing.T) {
	ts := []float64{0.25, 1, 4, 8}
	for _, p := range testParams[:3] {
		for _, k := range testKappas(p)[1:4] {
			g := newPlane(p, k, meanDSigmoid(p.Gamma))
			as, bs := make([]float64, len(ts)), make([]float64, len(ts))
			if err := flowStates(&g, defaultTol, ts, as, bs); err != nil {
				t.Fatal(err)
			}
			ra, rb, M, J := rk4(&g, ts, 2e-3)
			for i, tk := range ts {
				if math.Abs(as[i]-ra[i]) > 1e-10 || math.Abs(bs[i]-rb[i]) > 1e-10 {
					t.Errorf("%v κ = %v t = %v: DP (%.15g, %.15g), RK4 (%.15g, %.15g)", p, k, tk, as[i], bs[i], ra[i], rb[i])
				}
				if want := g.b0 * math.Exp(-M[i]); math.Abs(bs[i]-want) > 1e-10 {
					t.Errorf("%v κ = %v t = %v: b = %.15g, b₀e^{−M} = %.15g", p, k, tk, bs[i], want)
				}
				if c, cr := g.cos(as[i], bs[i]), ridgeCos(&g, 1/J[i]); math.Abs(c-cr) > 1e-10 {
					t.Errorf("%v κ = %v t = %v: c_flow = %.15g, c_ridge(1/J) = %.15g", p, k, tk, c, cr)
				}
			}
		}
	}
}

// κ = 1 (u_s = u_t, only with ρ_s = ρ_t): b₀ = 0 and v is undefined; the
// student starts at the fixed point and nothing is NaN.
func TestFlowKappaOne(t *testing.T) {
	for _, p := range []Params{{0.5, 0.5, 3}, {1, 1, 2}, {0.7, 0.7, 0.1}} {
		k := p.Kappa(1)
		for _, mode := range []Mode{Flow, Ridge} {
			cs, err := CosPath(p, mode, k, []float64{0, 0.5, 3, 100})
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range cs {
				if math.Abs(c-p.RhoS) > 1e-12 {
					t.Errorf("%v %v κ = %v: c[%d] = %v, want ρ = %v", p, mode, k, i, c, p.RhoS)
				}
			}
		}
		g := newPlane(p, 1, meanDSigmoid(p.Gamma))
		if c := g.cos(g.gamma, 0); math.Abs(c-p.RhoT) > 1e-15 {
			t.Errorf("%v κ = 1: c = %v", p, c)
		}
	}
}

func TestFlowNoAllocs(t *testing.T) {
	p := Params{0.8, 0.6, 2}
	g := newPlane(p, 0.48, meanDSigmoid(2))
	f := newFlow(&g, defaultTol)
	if a := testing.AllocsPerRun(10, func() { f.advance(0, 4, g.a0, g.b0) }); a != 0 {
		t.Errorf("advance allocates %v times", a)
	}
}
