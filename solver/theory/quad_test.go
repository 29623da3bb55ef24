package theory

import (
	"math"
	"testing"
)

var mTestRadii = []float64{0, 1e-6, 1e-3, 0.1, 0.5, 0.999, 1, 1.001, 1.5, 2, 3.7, 4.44, 4.45, 10, 39.9, 50, 200, 999, 1e3, 1e4}

// m(r) against an independent composite-Simpson reference (ref_test.go),
// whose own error is ~1e-15.
func TestMReference(t *testing.T) {
	for _, r := range mTestRadii {
		got, want := meanDSigmoid(r), mRef(r)
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("m(%g) = %.17g, reference %.17g (diff %.3g)", r, got, want, got-want)
		}
		if meanDSigmoid(-r) != got {
			t.Errorf("m(%g) ≠ m(−%g)", r, r)
		}
	}
}

func TestMSpecialValues(t *testing.T) {
	if m := meanDSigmoid(0); m != 0.25 {
		t.Errorf("m(0) = %v, want 1/4", m)
	}
	// m(r) = 1/4 − r²/16 + O(r⁴) (σ'(x) = 1/4 − x²/16 + …, E Z² = 1).
	if r := 1e-4; math.Abs(meanDSigmoid(r)-(0.25-r*r/16)) > 1e-16 {
		t.Errorf("m(1e-4) = %.17g, want 1/4 − r²/16 = %.17g", meanDSigmoid(r), 0.25-r*r/16)
	}
	if m := meanDSigmoid(math.Inf(1)); m != 0 {
		t.Errorf("m(∞) = %v", m)
	}
	if m := meanDSigmoid(math.NaN()); !math.IsNaN(m) {
		t.Errorf("m(NaN) = %v", m)
	}
}

// m decreases on [0, ∞) and r·m(r) increases (which makes the ridge
// equation's root unique), across the switch of variables at r = 1 and the
// change of the cut-off at r = 40/9.
func TestMMonotone(t *testing.T) {
	prevM, prevRM := meanDSigmoid(0), 0.0
	for i := 1; i <= 4000; i++ {
		r := 1e-3 * math.Pow(1e6, float64(i)/4000) // 1e-3 … 1e3
		m := meanDSigmoid(r)
		if !(m < prevM) {
			t.Fatalf("m not decreasing at r = %g: %v ≥ %v", r, m, prevM)
		}
		if !(r*m > prevRM) {
			t.Fatalf("r·m(r) not increasing at r = %g", r)
		}
		prevM, prevRM = m, r*m
	}
	if prevRM >= invSqrt2Pi {
		t.Errorf("r·m(r) = %v exceeds its limit 1/√(2π)", prevRM)
	}
}

// m(r) = (1/r)∫φ(s/r)σ'(s)ds = (1/(r√(2π)))(1 − π²/(6r²) + 7π⁴/(120r⁴) − …)
// using ∫σ' = 1, ∫s²σ' = π²/3, ∫s⁴σ' = 7π⁴/15.
func TestMAsymptote(t *testing.T) {
	for _, r := range []float64{200, 1e3, 1e4, 1e6} {
		lead := meanDSigmoid(r) * r * math.Sqrt(2*math.Pi)
		if math.Abs(lead-1) > 1e-3 {
			t.Errorf("r = %g: r√(2π)·m(r) = %v, want 1 to 1e-3", r, lead)
		}
		two := 1 - math.Pi*math.Pi/(6*r*r)
		if math.Abs(lead-two) > 1e-8 {
			t.Errorf("r = %g: r√(2π)·m(r) = %.15g, two-term asymptote %.15g", r, lead, two)
		}
	}
}

func TestMNoAllocs(t *testing.T) {
	if a := testing.AllocsPerRun(100, func() { meanDSigmoid(2.5) }); a != 0 {
		t.Errorf("meanDSigmoid allocates %v times", a)
	}
}

var tauDims = []int{3, 4, 5, 20, 100, 1000, 10000}

// The rule reproduces the moments of τ: (τ + 1)/2 ~ Beta(α, α), α = (d−2)/2,
// so E τ² = 1/(d−1), E τ⁴ = 3/((d−1)(d+1)), odd moments 0.
func TestTauRuleMoments(t *testing.T) {
	for _, d := range tauDims {
		r := newTauRule(d, tauNodes)
		var m0, m1, m2, m3, m4 float64
		for i, x := range r.x {
			w := r.w[i]
			m0 += w
			m1 += w * x
			m2 += w * x * x
			m3 += w * x * x * x
			m4 += w * x * x * x * x
			if i > 0 && !(x > r.x[i-1]) {
				t.Errorf("d = %d: nodes not increasing at %d", d, i)
			}
			if !(w >= 0) || x < -1 || x > 1 {
				t.Errorf("d = %d: node %d = %v weight %v", d, i, x, w)
			}
		}
		dd := float64(d)
		want2, want4 := 1/(dd-1), 3/((dd-1)*(dd+1))
		if math.Abs(m0-1) > 1e-14 || math.Abs(m1) > 1e-15 || math.Abs(m3) > 1e-15 ||
			math.Abs(m2-want2) > 1e-14*want2 || math.Abs(m4-want4) > 1e-13*want4 {
			t.Errorf("d = %d: moments %v %v %v %v %v, want 1 0 %v 0 %v", d, m0, m1, m2, m3, m4, want2, want4)
		}
	}
	r := newTauRule(2, tauNodes)
	if len(r.x) != 2 || r.x[0] != -1 || r.x[1] != 1 || r.w[0] != 0.5 || r.w[1] != 0.5 {
		t.Errorf("d = 2 rule %v %v, want ±1 with ½ each", r.x, r.w)
	}
}

// tauRef is E_τ[f(τ)] at dimension d ≥ 3 by composite Simpson in θ,
// τ = sin θ, where the density ∝ (1 − τ²)^((d−4)/2) dτ becomes
// ∝ cos^(d−3)θ dθ on [−π/2, π/2] (smooth: no endpoint singularity),
// normalised by the same rule.
func tauRef(d int, f func(float64) float64) float64 {
	dens := func(th float64) float64 { return math.Pow(math.Cos(th), float64(d-3)) }
	lo, hi := -math.Pi/2, math.Pi/2
	if d > 100 { // cos^(d−3)θ < e^{−(d−3)θ²/2} < 1e-39 for |θ| > 0.3 (d > 2000: 1e-78)
		lo, hi = -0.3, 0.3
	}
	n := 200000
	z := simpson(dens, lo, hi, n)
	return simpson(func(th float64) float64 { return f(math.Sin(th)) * dens(th) }, lo, hi, n) / z
}

// The rule integrates a function with a pole near the support accurately:
// f(τ) = 1/(1.2 − τ).
func TestTauRuleNonPolynomial(t *testing.T) {
	f := func(x float64) float64 { return 1 / (1.2 - x) }
	for _, d := range tauDims {
		r := newTauRule(d, tauNodes)
		got := 0.0
		for i, x := range r.x {
			got += r.w[i] * f(x)
		}
		if want := tauRef(d, f); math.Abs(got-want) > 1e-11 {
			t.Errorf("d = %d: E[1/(1.2−τ)] = %.15g, reference %.15g", d, got, want)
		}
	}
}

func TestTauMass(t *testing.T) {
	for _, d := range tauDims {
		if m := tauMass(d, -1, 1); math.Abs(m-1) > 1e-14 {
			t.Errorf("d = %d: total mass %v", d, m)
		}
		// RegIncBeta's continued fraction loses a little for large α:
		// ~3e-12 at d = 10⁴.
		if m := tauMass(d, -1, 0); math.Abs(m-0.5) > 1e-11 {
			t.Errorf("d = %d: P(τ < 0) = %v", d, m)
		}
	}
	for _, x := range []float64{-0.99, -0.5, 0.1, 0.7} {
		// d = 3: arcsine law; d = 4: uniform.
		if got, want := tauCDF(3, x), 0.5+math.Asin(x)/math.Pi; math.Abs(got-want) > 1e-14 {
			t.Errorf("d = 3: P(τ ≤ %v) = %v, want %v", x, got, want)
		}
		if got, want := tauCDF(4, x), (x+1)/2; math.Abs(got-want) > 1e-14 {
			t.Errorf("d = 4: P(τ ≤ %v) = %v, want %v", x, got, want)
		}
	}
	for _, d := range []int{5, 20, 1000} {
		for _, iv := range [][2]float64{{-0.3, 0.05}, {0.02, 0.5}, {-0.9, -0.01}} {
			lo, hi := iv[0], iv[1]
			ind := func(x float64) float64 {
				if x > lo && x < hi {
					return 1
				}
				return 0
			}
			// Simpson on an indicator is first order; the θ-step 1.6e-5 (or
			// 3e-6 for d > 100) bounds its error by ~1e-4·density.
			want := tauRef(d, ind)
			if got := tauMass(d, lo, hi); math.Abs(got-want) > 2e-4 {
				t.Errorf("d = %d: P(%v < τ < %v) = %v, Simpson %v", d, lo, hi, got, want)
			}
		}
	}
}
