package solver

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func flowSettings(n, d int, g float64) *Settings {
	return &Settings{Seed: 11, N: []int{n}, D: []int{d}, Margin: []float64{g}, Trials: 1,
		RhoS: DefaultRhoS, RhoT: DefaultRhoT, Labels: Soft, Mode: Flow, Times: DefaultTimes, EtaMax: DefaultEtaMax}
}

func ridgeSettings(n, d int, g float64) *Settings {
	s := flowSettings(n, d, g)
	s.Mode, s.Times, s.Lambdas = Ridge, nil, DefaultLambdas
	return s
}

func run(t *testing.T, s *Settings, i int) Outcome {
	t.Helper()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	var ws Workspace
	var out Outcome
	if err := ws.Run(s, s.Cells()[0], i, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// c_t = ρ_t and c₀ = ρ_s by construction, to rounding.
func TestInitialCosines(t *testing.T) {
	for _, rho := range [][2]float64{{0.8, 0.6}, {0.3, 0.95}, {1, 1}, {1e-3, 0.5}} {
		for _, shape := range [][2]int{{10, 2}, {50, 3}, {100, 1000}} {
			s := flowSettings(shape[0], shape[1], 2)
			s.RhoS, s.RhoT, s.Times = rho[0], rho[1], []float64{0.25}
			for i := range 5 {
				out := run(t, s, i)
				if math.Abs(out.CosTeacher-s.RhoT) > 1e-12 || math.Abs(out.CosInitial-s.RhoS) > 1e-12 {
					t.Errorf("ρ=%v shape %v trial %d: c_t = %.17g, c₀ = %.17g", rho, shape, i, out.CosTeacher, out.CosInitial)
				}
			}
		}
	}
}

// The directions are uniform on the sphere of e₁^⊥: E[u_t·u_s] = ρ_tρ_s and
// the error directions are uncorrelated across trials. Check the mean of
// ⟨ξ_t, ξ_s⟩ over trials is 0 within 4 standard errors (its variance is
// 1/(d−1)).
func TestDirectionsIndependent(t *testing.T) {
	const d, R = 5, 4000
	s := flowSettings(2, d, 1)
	s.RhoS, s.RhoT = 0.5, 0.5
	var ws Workspace
	var out Outcome
	sum := 0.0
	for i := range R {
		if err := ws.Run(s, s.Cells()[0], i, &out); err != nil {
			t.Fatal(err)
		}
		sum += dot(ws.ut[1:d], ws.us[1:d]) / 0.75 // ‖√(1−ρ²)ξ‖² = 0.75
	}
	if m, se := sum/R, math.Sqrt(1.0/(d-1)/R); math.Abs(m) > 4*se {
		t.Errorf("mean ⟨ξ_t, ξ_s⟩ = %v, want 0 ± %v", m, 4*se)
	}
}

// riskRef is L_n(w) computed plainly with the standard library.
func riskRef(X []float64, d int, y, w []float64) float64 {
	n := len(y)
	sum := 0.0
	for i := 0; i < n; i++ {
		z := 0.0
		for j := 0; j < d; j++ {
			z += X[i*d+j] * w[j]
		}
		sp := math.Log1p(math.Exp(-math.Abs(z))) + math.Max(z, 0)
		sum += sp - y[i]*z
	}
	return sum / float64(n)
}

func TestGradientFiniteDifferences(t *testing.T) {
	for _, labels := range []Labels{Soft, Hard, Sampled} {
		s := flowSettings(40, 7, 3)
		s.Labels = labels
		var ws Workspace
		var out Outcome
		if err := ws.Run(s, s.Cells()[0], 3, &out); err != nil {
			t.Fatal(err)
		}
		n, d := 40, 7
		X, y := ws.X[:n*d], ws.y[:n]
		w := append([]float64(nil), ws.us[:d]...)
		for j := range w {
			w[j] = 1.5*w[j] + 0.1*float64(j)
		}
		g := make([]float64, d)
		gradPass(X, d, w, y, g)
		const h = 1e-5
		for j := 0; j < d; j++ {
			wp := append([]float64(nil), w...)
			wm := append([]float64(nil), w...)
			wp[j] += h
			wm[j] -= h
			fd := (riskRef(X, d, y, wp) - riskRef(X, d, y, wm)) / (2 * h)
			if got := g[j] / float64(n); math.Abs(got-fd) > 1e-8 {
				t.Errorf("%v labels: ∂L/∂w_%d = %.12g, finite difference %.12g", labels, j, got, fd)
			}
		}
		// riskPass returns n·L_n(w) and the same gradient.
		g2 := make([]float64, d)
		risk := riskPass(X, d, w, y, g2, make([]float64, n), make([]float64, n), make([]float64, n))
		if ref := riskRef(X, d, y, w); math.Abs(risk/float64(n)-ref) > 1e-13 {
			t.Errorf("riskPass = %v, reference %v", risk/float64(n), ref)
		}
		for j := range g {
			if g[j] != g2[j] {
				t.Errorf("riskPass gradient differs from gradPass at %d", j)
			}
		}
	}
}

func TestStepRule(t *testing.T) {
	if h := StepSize(1, 1000, 100); h != 1 {
		t.Errorf("h(1000, 100) = %v, want 1", h)
	}
	// n = d: L = 1, h = 1; n = 100, d = 1000: L = (1+√10)²/4.
	if h := StepSize(5, 100, 100); h != 1 {
		t.Errorf("h(100, 100) = %v, want 1", h)
	}
	if h, want := StepSize(1, 100, 1000), 4/math.Pow(1+math.Sqrt(10), 2); math.Abs(h-want) > 1e-15 {
		t.Errorf("h(100, 1000) = %v, want %v", h, want)
	}
	out := run(t, flowSettings(1000, 100, 2), 0)
	want := []int{1, 2, 3, 4, 6, 10, 18, 34, 66}
	for k, st := range out.Steps {
		if st != want[k] {
			t.Fatalf("steps = %v, want %v", out.Steps, want)
		}
	}
	// Exact quotients never gain a step from rounding.
	for _, c := range []struct {
		delta, h float64
		m        int
	}{{0.25, 0.01, 25}, {8, 0.01, 800}, {0.3, 0.1, 3}, {0.7, 0.1, 7}, {1, 0.3, 4}, {64, 1, 64}, {0.1, 1, 1}} {
		if m := SegmentSteps(c.delta, c.h); m != c.m {
			t.Errorf("SegmentSteps(%v, %v) = %d, want %d", c.delta, c.h, m, c.m)
		}
	}
}

// With soft labels the teacher is the exact minimiser of the empirical risk
// (σ(Xw_t) = y), so for n > d the flow and the λ → 0 path end at w_t.
func TestSoftLabelsConvergeToTeacher(t *testing.T) {
	s := flowSettings(400, 8, 2)
	s.Times = []float64{1, 10, 100, 1000}
	for i := range 3 {
		out := run(t, s, i)
		last := out.Cos[len(out.Cos)-1]
		if math.Abs(last-out.CosTeacher) > 1e-10 {
			t.Errorf("flow trial %d: c at t=1000 is %.15g, c_t = %.15g", i, last, out.CosTeacher)
		}
		if g := out.GradNorm[len(out.GradNorm)-1]; g > 1e-12 {
			t.Errorf("flow trial %d: gradient norm %g at t=1000", i, g)
		}
	}
	r := ridgeSettings(400, 8, 2)
	r.Lambdas = []float64{1, 0.1, 0.01, 1e-3, 1e-5, 0}
	for i := range 3 {
		out := run(t, r, i)
		// The path need not approach c_t monotonically, but it ends there.
		if g := math.Abs(out.Cos[len(out.Cos)-2] - out.CosTeacher); g > 1e-4 {
			t.Errorf("ridge trial %d: at λ = 1e-5, |c − c_t| = %g", i, g)
		}
		if gap := math.Abs(out.Cos[len(out.Cos)-1] - out.CosTeacher); gap > 1e-10 {
			t.Errorf("ridge trial %d: at λ = 0, c = %.15g, c_t = %.15g", i, out.Cos[len(out.Cos)-1], out.CosTeacher)
		}
	}
}

func TestRidgeMeetsTolerance(t *testing.T) {
	for _, shape := range [][2]int{{200, 20}, {50, 120}, {30, 30}} {
		for _, labels := range []Labels{Soft, Hard, Sampled} {
			s := ridgeSettings(shape[0], shape[1], 2)
			s.Labels = labels
			if labels == Soft {
				s.Lambdas = append(append([]float64(nil), DefaultLambdas...), 0)
			}
			for i := range 3 {
				out := run(t, s, i)
				if out.Unconverged || out.Diverged {
					t.Errorf("%v %v trial %d: unconverged=%v diverged=%v", shape, labels, i, out.Unconverged, out.Diverged)
				}
				for k, g := range out.GradNorm {
					if !(g <= RidgeTol) {
						t.Errorf("%v %v trial %d λ=%v: ‖∇‖ = %g", shape, labels, i, s.Lambdas[k], g)
					}
				}
			}
		}
	}
}

// The ridge solution checked independently: the gradient of the regularised
// objective, computed plainly at the solver's final w, is below tolerance,
// and the solution matches a plain Newton solve built on gonum's Cholesky.
func TestRidgeAgainstReference(t *testing.T) {
	for _, shape := range [][2]int{{120, 15}, {40, 90}} {
		n, d := shape[0], shape[1]
		for _, lambda := range []float64{3, 0.1, 0.01} {
			s := ridgeSettings(n, d, 2)
			s.Labels = Hard
			s.Lambdas = []float64{lambda}
			var ws Workspace
			var out Outcome
			if err := ws.Run(s, s.Cells()[0], 1, &out); err != nil {
				t.Fatal(err)
			}
			X, y, w0 := ws.X[:n*d], ws.y[:n], ws.w0[:d]
			wRef := newtonRef(X, n, d, y, w0, lambda)
			gw := gradRef(X, n, d, y, w0, ws.w[:d], lambda)
			if nrm := math.Sqrt(dotRef(gw, gw)); nrm > 2e-10 {
				t.Errorf("%v λ=%v: reference gradient norm at the solver's w is %g", shape, lambda, nrm)
			}
			for j := range wRef {
				if math.Abs(wRef[j]-ws.w[j]) > 1e-8*(1+math.Abs(wRef[j])) {
					t.Errorf("%v λ=%v: w[%d] = %v, reference %v", shape, lambda, j, ws.w[j], wRef[j])
					break
				}
			}
		}
	}
}

func dotRef(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func gradRef(X []float64, n, d int, y, w0, w []float64, lambda float64) []float64 {
	g := make([]float64, d)
	for i := 0; i < n; i++ {
		x := X[i*d : i*d+d]
		r := 1/(1+math.Exp(-dotRef(x, w))) - y[i]
		for j := range g {
			g[j] += r * x[j] / float64(n)
		}
	}
	for j := range g {
		g[j] += lambda * (w[j] - w0[j])
	}
	return g
}

// newtonRef is plain damped Newton on the primal, solved with gonum.
func newtonRef(X []float64, n, d int, y, w0 []float64, lambda float64) []float64 {
	w := append([]float64(nil), w0...)
	F := func(w []float64) float64 {
		reg := 0.0
		for j := range w {
			reg += (w[j] - w0[j]) * (w[j] - w0[j])
		}
		return riskRef(X, d, y, w) + lambda/2*reg
	}
	for range 100 {
		g := gradRef(X, n, d, y, w0, w, lambda)
		if math.Sqrt(dotRef(g, g)) < 1e-12 {
			break
		}
		H := mat.NewSymDense(d, nil)
		for i := 0; i < n; i++ {
			x := X[i*d : i*d+d]
			p := 1 / (1 + math.Exp(-dotRef(x, w)))
			H.SymRankOne(H, p*(1-p)/float64(n), mat.NewVecDense(d, append([]float64(nil), x...)))
		}
		for j := 0; j < d; j++ {
			H.SetSym(j, j, H.At(j, j)+lambda)
		}
		var ch mat.Cholesky
		if !ch.Factorize(H) {
			panic("reference Hessian not positive definite")
		}
		var step mat.VecDense
		if err := ch.SolveVecTo(&step, mat.NewVecDense(d, g)); err != nil {
			panic(err)
		}
		f0 := F(w)
		for alpha := 1.0; alpha > 1e-12; alpha /= 2 {
			trial := make([]float64, d)
			for j := range trial {
				trial[j] = w[j] - alpha*step.AtVec(j)
			}
			if F(trial) <= f0 {
				w = trial
				break
			}
		}
	}
	return w
}

// The dual Newton system (n < d) and the primal one reach the same path.
func TestDualMatchesPrimal(t *testing.T) {
	n, d := 30, 70
	s := ridgeSettings(n, d, 2)
	s.Labels = Sampled
	var ws Workspace
	var out Outcome
	if err := ws.Run(s, s.Cells()[0], 4, &out); err != nil {
		t.Fatal(err)
	}
	dualCos := append([]float64(nil), out.Cos...)
	for k, it := range out.Steps { // an exact Hessian converges quadratically
		if it > 8 {
			t.Errorf("dual Newton took %d iterations at λ=%v", it, s.Lambdas[k])
		}
	}
	// Re-run the path from w₀ with the primal system.
	copy(ws.w[:d], ws.w0[:d])
	ws.H = make([]float64, d*d)
	for k, lambda := range s.Lambdas {
		_, gnorm, ok := ws.newton(Cell{N: n, D: d, Margin: 2}, lambda, false)
		if !ok || gnorm > RidgeTol {
			t.Fatalf("primal Newton at λ=%v: ok=%v ‖∇‖=%g", lambda, ok, gnorm)
		}
		if c := cosine(ws.w[:d]); math.Abs(c-dualCos[k]) > 1e-10 {
			t.Errorf("λ=%v: dual c = %.15g, primal c = %.15g", lambda, dualCos[k], c)
		}
	}
}

func TestRidgeNewtonIterations(t *testing.T) {
	s := ridgeSettings(1000, 100, 2)
	for i := range 3 {
		out := run(t, s, i)
		for k, it := range out.Steps {
			if it > 8 {
				t.Errorf("trial %d λ=%v: %d Newton iterations, PROTOCOL.md expects about 6", i, s.Lambdas[k], it)
			}
		}
	}
}

func TestLambdaZeroHardRefused(t *testing.T) {
	for _, labels := range []Labels{Hard, Sampled} {
		s := ridgeSettings(50, 10, 2)
		s.Labels = labels
		s.Lambdas = []float64{1, 0}
		err := s.Validate()
		var ie *InvalidError
		if !errors.As(err, &ie) || ie.Field != "lambdas[1]" {
			t.Fatalf("%v labels, λ = 0: Validate() = %v, want an InvalidError on lambdas[1]", labels, err)
		}
		// Run refuses too, without iterating.
		var ws Workspace
		var out Outcome
		if err := ws.Run(s, s.Cells()[0], 0, &out); !errors.As(err, &ie) {
			t.Fatalf("Run with λ = 0 and %v labels: err = %v", labels, err)
		}
	}
}

// A trial's outcome does not depend on what the workspace ran before.
func TestWorkspaceReuseIsInvisible(t *testing.T) {
	a, b := ridgeSettings(60, 80, 2), flowSettings(300, 20, 1)
	b.Labels = Sampled
	var ws Workspace
	var o1, o2, o3 Outcome
	if err := ws.Run(a, a.Cells()[0], 2, &o1); err != nil {
		t.Fatal(err)
	}
	if err := ws.Run(b, b.Cells()[0], 9, &o2); err != nil {
		t.Fatal(err)
	}
	if err := ws.Run(a, a.Cells()[0], 2, &o3); err != nil {
		t.Fatal(err)
	}
	var fresh Workspace
	var o4 Outcome
	if err := fresh.Run(a, a.Cells()[0], 2, &o4); err != nil {
		t.Fatal(err)
	}
	for k := range o1.Cos {
		if math.Float64bits(o1.Cos[k]) != math.Float64bits(o3.Cos[k]) || math.Float64bits(o1.Cos[k]) != math.Float64bits(o4.Cos[k]) {
			t.Fatalf("checkpoint %d: %v, %v after other work, %v fresh", k, o1.Cos[k], o3.Cos[k], o4.Cos[k])
		}
	}
}

// A non-finite value is recorded, never dropped: with γ = 1e300 the weight
// norm overflows, so every checkpoint's cosine is NaN and the trial is
// flagged, in both modes.
func TestDivergenceIsRecorded(t *testing.T) {
	for _, s := range []*Settings{flowSettings(200, 10, 1e300), ridgeSettings(200, 10, 1e300)} {
		out := run(t, s, 0)
		if !out.Diverged {
			t.Fatalf("%v: not flagged as diverged: %+v", s.Mode, out)
		}
		for k, c := range out.Cos {
			if !math.IsNaN(c) {
				t.Errorf("%v checkpoint %d: cosine %v, want NaN", s.Mode, k, c)
			}
		}
	}
}

func TestValidateRules(t *testing.T) {
	good := func() *Settings { return flowSettings(100, 10, 2) }
	cases := []struct {
		field string
		edit  func(*Settings)
	}{
		{"n", func(s *Settings) { s.N = nil }},
		{"n[0]", func(s *Settings) { s.N = []int{0} }},
		{"n[1]", func(s *Settings) { s.N = []int{5, 5} }},
		{"d[0]", func(s *Settings) { s.D = []int{1} }},
		{"margin[0]", func(s *Settings) { s.Margin = []float64{0} }},
		{"margin[0]", func(s *Settings) { s.Margin = []float64{math.Inf(1)} }},
		{"margin[1]", func(s *Settings) { s.Margin = []float64{1, math.NaN()} }},
		{"trials", func(s *Settings) { s.Trials = 0 }},
		{"rho_s", func(s *Settings) { s.RhoS = 0 }},
		{"rho_s", func(s *Settings) { s.RhoS = 1.5 }},
		{"rho_t", func(s *Settings) { s.RhoT = math.NaN() }},
		{"labels", func(s *Settings) { s.Labels = 0 }},
		{"mode", func(s *Settings) { s.Mode = 7 }},
		{"times", func(s *Settings) { s.Times = nil }},
		{"times[0]", func(s *Settings) { s.Times = []float64{0, 1} }},
		{"times[1]", func(s *Settings) { s.Times = []float64{1, 1} }},
		{"times[2]", func(s *Settings) { s.Times = []float64{1, 2, math.Inf(1)} }},
		{"eta_max", func(s *Settings) { s.EtaMax = -1 }},
		{"lambdas[1]", func(s *Settings) { s.Mode, s.Times, s.Lambdas = Ridge, nil, []float64{1, 2} }},
		{"lambdas[0]", func(s *Settings) { s.Mode, s.Times, s.Lambdas = Ridge, nil, []float64{-1} }},
		{"lambdas", func(s *Settings) { s.Mode, s.Times, s.Lambdas = Ridge, nil, nil }},
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("default settings refused: %v", err)
	}
	for _, c := range cases {
		s := good()
		c.edit(s)
		var ie *InvalidError
		if err := s.Validate(); !errors.As(err, &ie) || ie.Field != c.field {
			t.Errorf("want a refusal of %s, got %v", c.field, err)
		}
	}
}

// In steady state a trial allocates nothing: the workspace and the outcome
// are reused.
func TestRunAllocatesNothing(t *testing.T) {
	for _, c := range goldenCases() {
		var ws Workspace
		var out Outcome
		i := 0
		if err := ws.Run(c.s, c.c, i, &out); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(20, func() {
			i++
			if err := ws.Run(c.s, c.c, i, &out); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per trial", c.name, allocs)
		}
	}
}

// Flow in the dual (n < d) follows the primal iterates to rounding: the
// two orders of the same sums agree to 1e-11 in every recorded value.
func TestDualFlowMatchesPrimal(t *testing.T) {
	for _, shape := range [][2]int{{20, 200}, {100, 1000}, {50, 60}} {
		n, d := shape[0], shape[1]
		for _, labels := range []Labels{Soft, Hard, Sampled} {
			s := flowSettings(n, d, 2)
			s.Labels = labels
			h := StepSize(s.EtaMax, n, d)
			if !DualFlow(s.Times, h, n, d) && n < d/2 {
				t.Errorf("n=%d d=%d: the dual is not chosen", n, d)
			}
			c := Cell{N: n, D: d, Margin: 2}
			var ws Workspace
			var dual, primal Outcome
			ws.Sample(s, c, 7)
			dual.reset(len(s.Times))
			primal.reset(len(s.Times))
			prepareStart(&ws, c)
			ws.flowDual(s, c, h, &dual)
			prepareStart(&ws, c)
			ws.flowPrimal(s, c, h, &primal)
			for k := range s.Times {
				if math.Abs(dual.Cos[k]-primal.Cos[k]) > 1e-11 || math.Abs(dual.Norm[k]-primal.Norm[k]) > 1e-11*primal.Norm[k] ||
					math.Abs(dual.GradNorm[k]-primal.GradNorm[k]) > 1e-9*primal.GradNorm[k]+1e-15 || dual.Steps[k] != primal.Steps[k] {
					t.Errorf("n=%d d=%d %v t=%v: dual (c %.15g, ‖w‖ %.15g, ‖∇‖ %.6g, %d) primal (c %.15g, ‖w‖ %.15g, ‖∇‖ %.6g, %d)",
						n, d, labels, s.Times[k], dual.Cos[k], dual.Norm[k], dual.GradNorm[k], dual.Steps[k],
						primal.Cos[k], primal.Norm[k], primal.GradNorm[k], primal.Steps[k])
				}
			}
		}
	}
}

// prepareStart sets w₀ and w_t from the sampled directions, as Run does.
func prepareStart(ws *Workspace, c Cell) {
	for j := 0; j < c.D; j++ {
		ws.wt[j] = c.Margin * ws.ut[j]
		ws.w0[j] = c.Margin * ws.us[j]
	}
}

// flowRef is gradient descent written plainly (math.Exp, naive sums) on
// the workspace's sampled data, with the protocol's step rule.
func flowRef(X []float64, n, d int, y, w0 []float64, times []float64, etaMax float64) []float64 {
	w := append([]float64(nil), w0...)
	L := math.Pow(1+math.Sqrt(float64(d)/float64(n)), 2) / 4
	h := math.Min(etaMax, 1/L)
	var cos []float64
	prev := 0.0
	for _, t := range times {
		m := int(math.Ceil((t - prev) / h * (1 - 1e-12)))
		step := (t - prev) / float64(m)
		for range m {
			g := make([]float64, d)
			for i := 0; i < n; i++ {
				x := X[i*d : i*d+d]
				r := 1/(1+math.Exp(-dotRef(x, w))) - y[i]
				for j := range g {
					g[j] += r * x[j]
				}
			}
			for j := range w {
				w[j] -= step * g[j] / float64(n)
			}
		}
		prev = t
		cos = append(cos, w[0]/math.Sqrt(dotRef(w, w)))
	}
	return cos
}

// The solver's flow, primal and dual, against the plain reference: the
// kernels' fixed summation order, their exp and the dual's algebra change
// only rounding, so the cosines agree to 1e-11.
func TestFlowAgainstPlainReference(t *testing.T) {
	for _, shape := range [][2]int{{300, 20}, {40, 200}, {100, 100}} {
		n, d := shape[0], shape[1]
		for _, labels := range []Labels{Soft, Hard} {
			s := flowSettings(n, d, 2)
			s.Labels = labels
			s.Times = []float64{0.5, 2, 8}
			var ws Workspace
			var out Outcome
			if err := ws.Run(s, Cell{N: n, D: d, Margin: 2}, 5, &out); err != nil {
				t.Fatal(err)
			}
			ref := flowRef(ws.X[:n*d], n, d, ws.y[:n], ws.w0[:d], s.Times, s.EtaMax)
			for k := range ref {
				if math.Abs(out.Cos[k]-ref[k]) > 1e-11 {
					t.Errorf("n=%d d=%d %v t=%v: solver %.15g, plain reference %.15g (dual: %v)",
						n, d, labels, s.Times[k], out.Cos[k], ref[k], DualFlow(s.Times, StepSize(s.EtaMax, n, d), n, d))
				}
			}
		}
	}
}
