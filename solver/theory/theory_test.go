package theory

import (
	"errors"
	"math"
	"testing"
)

func TestValidation(t *testing.T) {
	good := Params{0.8, 0.6, 2}
	for _, c := range []struct {
		p            Params
		field, value string
	}{
		{Params{0, 0.6, 2}, "RhoS", "0"},
		{Params{1.5, 0.6, 2}, "RhoS", "1.5"},
		{Params{math.NaN(), 0.6, 2}, "RhoS", "NaN"},
		{Params{0.8, -0.1, 2}, "RhoT", "-0.1"},
		{Params{0.8, 0.6, 0}, "Gamma", "0"},
		{Params{0.8, 0.6, math.Inf(1)}, "Gamma", "+Inf"},
	} {
		err := c.p.Validate()
		var ie *InvalidError
		if !errors.As(err, &ie) || ie.Field != c.field || ie.Value != c.value {
			t.Errorf("%v: error %v, want field %s value %s", c.p, err, c.field, c.value)
		}
		if _, err := Predict(c.p, Flow, 0, []float64{1}); err == nil {
			t.Errorf("Predict accepted %v", c.p)
		}
	}
	if err := good.Validate(); err != nil {
		t.Error(err)
	}
	bad := []func() error{
		func() error { _, err := CosPath(good, Mode(3), 0.48, []float64{1}); return err },
		func() error { _, err := CosPath(good, Flow, 0.99, []float64{1}); return err }, // |τ| > 1
		func() error { _, err := CosPath(good, Flow, 0.48, []float64{2, 1}); return err },
		func() error { _, err := CosPath(good, Ridge, 0.48, []float64{-1}); return err },
		func() error { _, err := CosPath(good, Ridge, 0.48, []float64{math.Inf(1)}); return err },
		func() error { _, err := Predict(good, Flow, 1, []float64{1}); return err },
		func() error { _, err := Predict(good, Flow, -5, []float64{1}); return err },
		func() error { _, err := Window(good, Ridge, 0, 0, 1); return err },
		func() error { _, err := Window(good, Flow, 0, 2, 1); return err },
		func() error { _, err := Window(good, Flow, 0, 0, math.Inf(1)); return err },
	}
	for i, f := range bad {
		var ie *InvalidError
		if err := f(); !errors.As(err, &ie) {
			t.Errorf("case %d: error %v, want *InvalidError", i, err)
		}
	}
	// ρ_s = ρ_t = 1: κ must be 1.
	if _, err := CosPath(Params{1, 1, 2}, Flow, 1, []float64{1}); err != nil {
		t.Error(err)
	}
}

var predictFlow = []float64{0, 0.25, 0.5, 1, 2, 4, 8, 32}
var predictRidge = []float64{10, 3, 1, 0.3, 0.1, 0.03, 0.01, 0}

func TestPredictBasics(t *testing.T) {
	for _, p := range testParams {
		for _, d := range []int{0, 2, 3, 20, 1000} {
			for _, mode := range []Mode{Flow, Ridge} {
				xs := predictFlow
				if mode == Ridge {
					xs = predictRidge
				}
				c, err := Predict(p, mode, d, xs)
				if err != nil {
					t.Fatal(err)
				}
				for k := range xs {
					if !(c.PW2S[k] >= 0 && c.PW2S[k] <= 1) || !(math.Abs(c.MeanCos[k]) <= 1) {
						t.Errorf("%v %v d = %d x = %v: mean %v, P %v", p, mode, d, xs[k], c.MeanCos[k], c.PW2S[k])
					}
					if (d == 0 && c.PW2S[k] != 0 && c.PW2S[k] != 1) || (d == 2 && c.PW2S[k] != 0 && c.PW2S[k] != 0.5 && c.PW2S[k] != 1) {
						t.Errorf("%v %v d = %d: P = %v", p, mode, d, c.PW2S[k])
					}
				}
				// c(t = 0) = ρ_s and c(λ = 0) = ρ_t for every κ.
				if mode == Flow && math.Abs(c.MeanCos[0]-p.RhoS) > 1e-10 {
					t.Errorf("%v d = %d: mean c(0) = %.15g, ρ_s = %v", p, d, c.MeanCos[0], p.RhoS)
				}
				if mode == Flow && c.PW2S[0] != 0 {
					t.Errorf("%v d = %d: P(w2s) at t = 0 is %v", p, d, c.PW2S[0])
				}
				if last := len(xs) - 1; mode == Ridge && math.Abs(c.MeanCos[last]-p.RhoT) > 1e-10 {
					t.Errorf("%v d = %d: mean c(λ=0) = %.15g, ρ_t = %v", p, d, c.MeanCos[last], p.RhoT)
				}
				if c.D != d || c.Mode != mode || c.Params != p || len(c.Checkpoints) != len(xs) {
					t.Errorf("curve metadata %v %v %v", c.D, c.Mode, c.Params)
				}
			}
		}
	}
}

// meanWithNodes is the τ-mean cosine with an n-node rule.
func meanWithNodes(t *testing.T, p Params, mode Mode, d, n int, xs []float64) []float64 {
	r := newTauRule(d, n)
	mean := make([]float64, len(xs))
	for i, tau := range r.x {
		c, err := CosPath(p, mode, p.Kappa(tau), xs)
		if err != nil {
			t.Fatal(err)
		}
		for k := range xs {
			mean[k] += r.w[i] * c[k]
		}
	}
	return mean
}

// The 48-node τ rule has converged: doubling it moves the mean < 1e-10,
// and it agrees with Predict.
func TestPredictTauConvergence(t *testing.T) {
	p := Params{0.8, 0.6, 2}
	for _, d := range []int{3, 5, 20, 1000} {
		for _, mode := range []Mode{Flow, Ridge} {
			xs := predictFlow[1:]
			if mode == Ridge {
				xs = predictRidge
			}
			c, err := Predict(p, mode, d, xs)
			if err != nil {
				t.Fatal(err)
			}
			m48 := meanWithNodes(t, p, mode, d, tauNodes, xs)
			m96 := meanWithNodes(t, p, mode, d, 2*tauNodes, xs)
			for k := range xs {
				if math.Abs(c.MeanCos[k]-m48[k]) > 1e-14 || math.Abs(m48[k]-m96[k]) > 1e-10 {
					t.Errorf("%v d = %d x = %v: Predict %.15g, 48 nodes %.15g, 96 nodes %.15g", mode, d, xs[k], c.MeanCos[k], m48[k], m96[k])
				}
			}
		}
	}
}

// At large d, E_τ[c(κ(τ))] − c(κ(0)) = ½c”(0)E τ² + O(E τ⁴) with
// E τ² = 1/(d − 1), E τ⁴ = 3/((d−1)(d+1)) ≈ 3e-8 at d = 10⁴; c” by central
// differences (step 0.01: error ~1e-5·c”” relative, rounding ~1e-7).
func TestPredictLargeD(t *testing.T) {
	const d = 10000
	for _, p := range testParams[:3] {
		for _, mode := range []Mode{Flow, Ridge} {
			xs := predictFlow[1:]
			if mode == Ridge {
				xs = predictRidge[:len(predictRidge)-1]
			}
			cd, err := Predict(p, mode, d, xs)
			if err != nil {
				t.Fatal(err)
			}
			c0, err := Predict(p, mode, 0, xs)
			if err != nil {
				t.Fatal(err)
			}
			const h = 0.01
			cp, _ := CosPath(p, mode, p.Kappa(h), xs)
			cm, _ := CosPath(p, mode, p.Kappa(-h), xs)
			for k := range xs {
				c2 := (cp[k] - 2*c0.MeanCos[k] + cm[k]) / (h * h)
				pred := 0.5 * c2 / (d - 1)
				diff := cd.MeanCos[k] - c0.MeanCos[k]
				if math.Abs(diff) > 1e-3 || math.Abs(diff-pred) > 1e-8 {
					t.Errorf("%v %v x = %v: mean(d=1e4) − c(d=∞) = %.4g, ½c''/(d−1) = %.4g", p, mode, xs[k], diff, pred)
				}
			}
		}
	}
}

// PW2S against a brute-force τ grid: the τ-mass of {c > max(ρ_s, ρ_t)} by
// the midpoint rule in θ ∈ [−θmax, θmax] (τ = sin θ, density ∝ cos^(d−3)θ,
// negligible beyond θmax = 0.3 for d = 1000). On an indicator the rule
// errs by up to a step times the θ-density (peak √((d−3)/2π)) per boundary
// point: the tolerances are ~2× that.
func TestPredictPW2SBruteForce(t *testing.T) {
	p := Params{0.8, 0.6, 2}
	thr := p.Threshold()
	check := func(mode Mode, d int, xs []float64, thmax float64, n int) {
		c, err := Predict(p, mode, d, xs)
		if err != nil {
			t.Fatal(err)
		}
		step := 2 * thmax / float64(n)
		tol := 2 * step * math.Max(0.5, math.Sqrt(float64(d-3)/(2*math.Pi)))
		got := make([]float64, len(xs))
		z := 0.0
		for i := range n {
			th := -thmax + step*(float64(i)+0.5)
			w := math.Pow(math.Cos(th), float64(d-3))
			z += w
			cs, err := CosPath(p, mode, p.Kappa(math.Sin(th)), xs)
			if err != nil {
				t.Fatal(err)
			}
			for k := range xs {
				if cs[k] > thr {
					got[k] += w
				}
			}
		}
		for k := range xs {
			if g := got[k] / z; math.Abs(g-c.PW2S[k]) > tol {
				t.Errorf("%v d = %d x = %v: PW2S %.6g, brute force %.6g (tolerance %.2g)", mode, d, xs[k], c.PW2S[k], g, tol)
			}
		}
	}
	check(Ridge, 3, predictRidge, math.Pi/2, 50000)
	check(Ridge, 20, predictRidge, math.Pi/2, 50000)
	check(Ridge, 1000, predictRidge, 0.3, 50000)
	check(Flow, 20, []float64{1, 4, 8}, math.Pi/2, 1000)
}

// The τ-mean at d = 2 is the average of the paths at τ = ±1.
func TestPredictD2(t *testing.T) {
	p := Params{0.8, 0.6, 2}
	c, err := Predict(p, Flow, 2, []float64{1, 4})
	if err != nil {
		t.Fatal(err)
	}
	cp, _ := CosPath(p, Flow, p.Kappa(1), []float64{1, 4})
	cm, _ := CosPath(p, Flow, p.Kappa(-1), []float64{1, 4})
	for k := range cp {
		if math.Abs(c.MeanCos[k]-0.5*(cp[k]+cm[k])) > 1e-15 {
			t.Errorf("d = 2: mean %v, want %v", c.MeanCos[k], 0.5*(cp[k]+cm[k]))
		}
	}
}

func TestWindowFlow(t *testing.T) {
	p := Params{0.8, 0.6, 2}
	thr := p.Threshold()
	for _, d := range []int{0, 20} {
		w, err := Window(p, Flow, d, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(w) != 1 || w[0].Lo != 0 || !(w[0].Hi > 2 && w[0].Hi < 8) {
			t.Fatalf("d = %d: window %v, want one interval [0, t*] with 2 < t* < 8", d, w)
		}
		// c − thr changes sign at Hi (within 1e-8 relative).
		hi := w[0].Hi
		c, err := Predict(p, Flow, d, []float64{hi * (1 - 1e-8), hi * (1 + 1e-8)})
		if err != nil {
			t.Fatal(err)
		}
		if !(c.MeanCos[0] > thr && c.MeanCos[1] <= thr) {
			t.Errorf("d = %d: mean cos %v around t* = %v, threshold %v", d, c.MeanCos, hi, thr)
		}
		t.Logf("d = %d: flow window %v", d, w)
	}
	// A scan range inside the window returns the range itself.
	if w, err := Window(p, Flow, 0, 1, 2); err != nil || len(w) != 1 || w[0] != (Interval{1, 2}) {
		t.Errorf("window on [1, 2]: %v, %v", w, err)
	}
	// ρ_t > ρ_s: no window at the start (c(0) = ρ_s < ρ_t).
	if w, err := Window(Params{0.3, 0.95, 2}, Flow, 0, 0, 50); err != nil || len(w) != 0 && w[0].Lo == 0 {
		t.Errorf("ρ_s < ρ_t: window %v, %v", w, err)
	}
}

// The ridge window at d → ∞ is [λ*, λMax] with λ* in closed form: the
// cosine of m(γ)u_t + λu_s equals ρ_s at
// λ* = m(γ)(ρ_s² − ρ_t²)/(2ρ_s(ρ_t − κρ_s)), κ = ρ_sρ_t.
func TestWindowRidge(t *testing.T) {
	p := Params{0.8, 0.6, 2}
	for _, d := range []int{0, 20} {
		w, err := Window(p, Ridge, d, 1e-4, 1e4)
		if err != nil {
			t.Fatal(err)
		}
		if len(w) != 1 || !(w[0].Lo > 0.03 && w[0].Lo <= 1) || w[0].Hi != 1e4 {
			t.Fatalf("d = %d: ridge window %v, want [λ*, 1e4] with 0.03 < λ* ≤ 1", d, w)
		}
		if d == 0 {
			k := p.RhoS * p.RhoT
			want := meanDSigmoid(p.Gamma) * (p.RhoS*p.RhoS - p.RhoT*p.RhoT) / (2 * p.RhoS * (p.RhoT - k*p.RhoS))
			if math.Abs(w[0].Lo/want-1) > 1e-8 {
				t.Errorf("λ* = %.15g, closed form %.15g", w[0].Lo, want)
			}
		}
		t.Logf("d = %d: ridge window %v", d, w)
	}
}

// The flow window ends where λ_eff(t) = 1/J(t) crosses the ridge λ*: the
// flow traces the ridge path's directions (TestFlowAgainstRK4AndRidge).
func TestWindowFlowMatchesRidge(t *testing.T) {
	p := Params{0.8, 0.6, 2}
	wf, err := Window(p, Flow, 0, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	wr, err := Window(p, Ridge, 0, 1e-4, 1e4)
	if err != nil {
		t.Fatal(err)
	}
	g := newPlane(p, p.Kappa(0), meanDSigmoid(p.Gamma))
	_, _, _, J := rk4(&g, []float64{wf[0].Hi}, 1e-3)
	if lam := 1 / J[0]; math.Abs(lam/wr[0].Lo-1) > 1e-7 {
		t.Errorf("λ_eff(t*) = %.12g, ridge λ* = %.12g", lam, wr[0].Lo)
	}
}

// ρ = 1 on either side (κ constant in τ; b₀ = 0 when both are 1): finite
// values, and with ρ_s = ρ_t = 1 the cosine is 1 = threshold, so P(w2s) = 0.
func TestEdgeParams(t *testing.T) {
	for _, p := range []Params{{1, 0.6, 2}, {0.6, 1, 2}, {1, 1, 1}, {1e-9, 0.5, 1e-3}, {0.8, 0.6, 500}} {
		for _, d := range []int{0, 2, 3, 20} {
			for _, mode := range []Mode{Flow, Ridge} {
				xs := predictFlow
				if mode == Ridge {
					xs = predictRidge
				}
				c, err := Predict(p, mode, d, xs)
				if err != nil {
					t.Fatal(err)
				}
				for k := range xs {
					if math.IsNaN(c.MeanCos[k]) || math.IsNaN(c.PW2S[k]) || math.Abs(c.MeanCos[k]) > 1 {
						t.Errorf("%v %v d = %d x = %v: mean %v P %v", p, mode, d, xs[k], c.MeanCos[k], c.PW2S[k])
					}
					if p.RhoS == 1 && p.RhoT == 1 && (math.Abs(c.MeanCos[k]-1) > 1e-15 || c.PW2S[k] != 0) {
						t.Errorf("ρ = 1: %v d = %d x = %v: mean %v P %v", mode, d, xs[k], c.MeanCos[k], c.PW2S[k])
					}
				}
			}
		}
	}
}
