package theory

import (
	"math"
	"testing"
)

var ridgeLambdas = []float64{0, 1e-8, 1e-3, 0.01, 0.1, 0.5, 1, 10, 1e3, 1e8}

// The solution satisfies (m(r) + λ)w = γm(γ)u_t + λw₀ and ∇L(w) + λ(w − w₀) = 0
// to 1e-10, r = ‖w‖, and its cosine is the closed form's.
func TestRidgeStationarity(t *testing.T) {
	for _, p := range testParams {
		for _, k := range testKappas(p) {
			g := newPlane(p, k, meanDSigmoid(p.Gamma))
			for _, l := range ridgeLambdas {
				a, b, r, err := ridgeSolve(&g, l)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(r-math.Hypot(a, b)) > 1e-14*p.Gamma {
					t.Errorf("%v κ = %v λ = %v: r = %v, ‖w‖ = %v", p, k, l, r, math.Hypot(a, b))
				}
				ga, gb := g.grad(a, b)
				ra, rb := ga+l*(a-g.a0), gb+l*(b-g.b0)
				// Scale: the residual's terms are of size γ(1/4 + λ).
				if tol := 1e-10 * math.Max(1, l); math.Abs(ra) > tol || math.Abs(rb) > tol {
					t.Errorf("%v κ = %v λ = %v: stationarity residual (%.3g, %.3g)", p, k, l, ra, rb)
				}
				m := meanDSigmoid(r)
				if math.Abs(a*(m+l)-(g.gm+l*g.a0)) > 1e-10*math.Max(1, l) || math.Abs(b*(m+l)-l*g.b0) > 1e-10*math.Max(1, l) {
					t.Errorf("%v κ = %v λ = %v: fixed-point equations fail", p, k, l)
				}
				if c, cc := g.cos(a, b), ridgeCos(&g, l); math.Abs(c-cc) > 1e-12 {
					t.Errorf("%v κ = %v λ = %v: cos of solution %.15g, closed form %.15g", p, k, l, c, cc)
				}
			}
		}
	}
}

// H(r) = r(m(r) + λ) − ‖γm(γ)u_t + λw₀‖ changes sign exactly once on a fine grid
// of [0, 2γ]: the root is unique.
func TestRidgeUniqueRoot(t *testing.T) {
	for _, p := range testParams {
		g := newPlane(p, p.Kappa(-0.4), meanDSigmoid(p.Gamma))
		for _, l := range []float64{1e-3, 0.1, 1, 10} {
			N := math.Hypot(g.gm+l*g.a0, l*g.b0)
			changes := 0
			prev := -N
			for i := 1; i <= 20000; i++ {
				r := 2 * p.Gamma * float64(i) / 20000
				h := r*(meanDSigmoid(r)+l) - N
				if !(h > prev) {
					t.Fatalf("%v λ = %v: H not increasing at r = %v", p, l, r)
				}
				if (h > 0) != (prev > 0) {
					changes++
				}
				prev = h
			}
			if changes != 1 {
				t.Errorf("%v λ = %v: %d sign changes", p, l, changes)
			}
		}
	}
}

// c(λ) → ρ_s as λ → ∞, → ρ_t as λ → 0, and c(0) = ρ_t.
func TestRidgeLimits(t *testing.T) {
	for _, p := range testParams {
		for _, k := range testKappas(p) {
			cs, err := CosPath(p, Ridge, k, []float64{1e8, 1e-8, 0})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(cs[0]-p.RhoS) > 1e-7 {
				t.Errorf("%v κ = %v: c(1e8) = %.15g, ρ_s = %v", p, k, cs[0], p.RhoS)
			}
			if math.Abs(cs[1]-p.RhoT) > 1e-6 {
				t.Errorf("%v κ = %v: c(1e-8) = %.15g, ρ_t = %v", p, k, cs[1], p.RhoT)
			}
			if math.Abs(cs[2]-p.RhoT) > 1e-10 {
				t.Errorf("%v κ = %v: c(0) = %.15g, ρ_t = %v", p, k, cs[2], p.RhoT)
			}
			// The solver's w_λ, not just the closed form.
			g := newPlane(p, k, meanDSigmoid(p.Gamma))
			a, b, _, _ := ridgeSolve(&g, 1e8)
			if math.Abs(a-g.a0) > 1e-8 || math.Abs(b-g.b0) > 1e-8 {
				t.Errorf("%v κ = %v: w(1e8) = (%v, %v), w₀ = (%v, %v)", p, k, a, b, g.a0, g.b0)
			}
			// The norm moves by λ·O(γ)/(r·m)'(γ) (r·m flattens for large γ:
			// ~1e-5 at γ = 5), the direction by O(λ/m(γ)).
			a, b, _, _ = ridgeSolve(&g, 1e-8)
			if math.Abs(a-p.Gamma) > 1e-4 || math.Abs(b) > 1e-6 {
				t.Errorf("%v κ = %v: w(1e-8) = (%v, %v), w_t = (γ, 0)", p, k, a, b)
			}
		}
	}
}

// Any order of λ is accepted and gives the same values.
func TestRidgeOrder(t *testing.T) {
	p := Params{0.8, 0.6, 2}
	up, err := CosPath(p, Ridge, 0.48, []float64{0.01, 0.1, 1, 10})
	if err != nil {
		t.Fatal(err)
	}
	down, err := CosPath(p, Ridge, 0.48, []float64{10, 1, 0.1, 0.01})
	if err != nil {
		t.Fatal(err)
	}
	for i := range up {
		if up[i] != down[3-i] {
			t.Errorf("order matters: %v vs %v", up, down)
		}
	}
}
