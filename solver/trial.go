package solver

// One trial, from its random stream to its outcome.

import (
	"errors"
	"fmt"
	"math"
)

// Tolerances of ridge mode.
const (
	// RidgeTol is the gradient norm every λ is solved to.
	RidgeTol = 1e-10
	// MaxNewton caps Newton iterations per λ; a λ that reaches it sets
	// Outcome.Unconverged.
	MaxNewton = 50
	// minCurvature keeps the per-sample curvature σ(1−σ) positive where it
	// underflows, so the dual Newton system stays finite.
	minCurvature = 1e-300
)

// Outcome is what one trial records. Slices have one entry per checkpoint.
type Outcome struct {
	CosTeacher float64   // c_t = c(w_t)
	CosInitial float64   // c₀ = c(w₀)
	Cos        []float64 // c_k = c(w at checkpoint k); NaN once diverged
	Norm       []float64 // ‖w_k‖
	GradNorm   []float64 // ‖∇‖ at w_k (of the regularised objective in ridge mode)
	Steps      []int     // flow: gradient steps since the start; ridge: Newton iterations at this λ
	Diverged   bool      // a non-finite value appeared
	// Unconverged: in ridge mode some λ stopped at MaxNewton iterations
	// or on a failed line search before reaching RidgeTol.
	Unconverged bool
}

func (o *Outcome) reset(k int) {
	o.CosTeacher, o.CosInitial = 0, 0
	o.Cos = resize(o.Cos, k)
	o.Norm = resize(o.Norm, k)
	o.GradNorm = resize(o.GradNorm, k)
	if cap(o.Steps) < k {
		o.Steps = make([]int, k)
	}
	o.Steps = o.Steps[:k]
	clear(o.Steps)
	o.Diverged, o.Unconverged = false, false
}

// skip records checkpoint k of a trial that has diverged: NaN values and
// the steps taken so far.
func (o *Outcome) skip(k, steps int) {
	o.Cos[k], o.Norm[k], o.GradNorm[k] = math.NaN(), math.NaN(), math.NaN()
	o.Steps[k] = steps
}

func resize(s []float64, k int) []float64 {
	if cap(s) < k {
		return make([]float64, k)
	}
	s = s[:k]
	clear(s)
	return s
}

// Workspace holds every buffer a trial needs. A worker keeps one and passes
// it to Run for trial after trial; buffers grow to the largest cell seen and
// are never freed. A Workspace is not safe for concurrent use.
type Workspace struct {
	X                      []float64 // n×d data, row-major
	y, z, e, s, u, a, b, r []float64 // per sample
	w, w0, wt, g, p, wp    []float64 // per coordinate
	H, K                   []float64 // Newton system: d×d (primal) or n×n (dual), and XXᵀ
	ut, us                 []float64
	zero                   []float64 // n zeros
	coef                   []float64 // 8×d Hessian coefficients of a block of rows
}

func grow(s []float64, k int) []float64 {
	if cap(s) < k {
		return make([]float64, k)
	}
	return s[:k]
}

func (ws *Workspace) ensure(mode Mode, n, d int) {
	ws.X = grow(ws.X, n*d)
	for _, p := range []*[]float64{&ws.y, &ws.z, &ws.e, &ws.s, &ws.u, &ws.a, &ws.b, &ws.r} {
		*p = grow(*p, n)
	}
	if len(ws.zero) < n {
		ws.zero = make([]float64, n)
	}
	for _, p := range []*[]float64{&ws.w, &ws.w0, &ws.wt, &ws.g, &ws.p, &ws.wp, &ws.ut, &ws.us} {
		*p = grow(*p, d)
	}
	if mode == Ridge {
		m := min(n, d)
		ws.H = grow(ws.H, m*m)
		ws.coef = grow(ws.coef, 8*d)
	}
	if n < d {
		ws.K = grow(ws.K, n*n)
	}
}

// ErrInvalidCell reports a cell that breaks the protocol's input rules.
var ErrInvalidCell = errors.New("invalid cell")

// checkTrial repeats, without allocating, the rules whose breach would make
// a trial misbehave rather than merely mean nonsense: a known mode and label
// kind, checkpoints present, and no λ = 0 without soft labels (whose Newton
// iteration could not converge).
func (s *Settings) checkTrial() error {
	if s.Labels < Soft || s.Labels > Sampled {
		return invalid("labels", s.Labels, "must be soft, hard or sampled")
	}
	switch s.Mode {
	case Flow:
		if len(s.Times) == 0 {
			return checkTimes(s.Times)
		}
		if !(s.EtaMax > 0) || !finite(s.EtaMax) {
			return invalid("eta_max", s.EtaMax, "must be > 0 and finite")
		}
	case Ridge:
		if len(s.Lambdas) == 0 {
			return checkLambdas(s.Lambdas, s.Labels)
		}
		for _, l := range s.Lambdas {
			if l == 0 && s.Labels != Soft || !(l >= 0) {
				return checkLambdas(s.Lambdas, s.Labels)
			}
		}
	default:
		return invalid("mode", s.Mode, "must be flow or ridge")
	}
	return nil
}

// Run computes trial i of cell c under settings s into out, reusing ws.
// Preconditions: s passed Validate and c is one of s.Cells() (Run checks
// the cell's own rules and returns an error rather than misbehave).
// The result depends only on (s, c, i).
func (ws *Workspace) Run(s *Settings, c Cell, i int, out *Outcome) error {
	if c.N < 1 || c.D < 2 || !(c.Margin > 0) || !finite(c.Margin) || i < 0 {
		return fmt.Errorf("%w: %v trial %d", ErrInvalidCell, c, i)
	}
	if err := s.checkTrial(); err != nil {
		return err
	}
	out.reset(len(s.Checkpoints()))
	ws.Sample(s, c, i)
	d, gamma := c.D, c.Margin
	ut, us := ws.ut[:d], ws.us[:d]
	wt, w0 := ws.wt[:d], ws.w0[:d]
	for j := range wt {
		wt[j] = gamma * ut[j]
		w0[j] = gamma * us[j]
	}
	out.CosTeacher = cosine(wt)
	out.CosInitial = cosine(w0)

	if s.Mode == Ridge {
		ws.ridge(s, c, out)
	} else {
		ws.flow(s, c, out)
	}
	return nil
}

// Sample draws trial i's random data into the workspace: the teacher's
// and the student's directions, X and the teacher's labels. Run calls it;
// it is exported for benchmarks that time the sampling alone.
// Preconditions as for Run.
func (ws *Workspace) Sample(s *Settings, c Cell, i int) {
	n, d, gamma := c.N, c.D, c.Margin
	ws.ensure(s.Mode, n, d)

	// Draw order: teacher direction, student direction, X row by row,
	// then (sampled labels only) one uniform per sample.
	rng := NewStream(s.Seed, n, d, gamma, i)
	ut, us := ws.ut[:d], ws.us[:d]
	direction(&rng, s.RhoT, ut)
	direction(&rng, s.RhoS, us)
	X := ws.X[:n*d]
	rng.FillNormal(X)

	// Teacher feedback: t_k = ⟨u_t, x_k⟩.
	y, t := ws.y[:n], ws.z[:n]
	matVec(X, d, ut, t)
	switch s.Labels {
	case Soft:
		sigmoidResid(t, gamma, ws.zero[:n], y)
	case Hard:
		for k, tk := range t {
			y[k] = 0
			if tk >= 0 {
				y[k] = 1
			}
		}
	case Sampled:
		// p_k = σ(γ t_k), then one uniform per sample, after all of X.
		sigmoidResid(t, gamma, ws.zero[:n], y)
		for k := range y {
			if rng.Float64() < y[k] {
				y[k] = 1
			} else {
				y[k] = 0
			}
		}
	}
}

// direction sets u = ρ·e₁ + √(1−ρ²)·ξ with ξ uniform on the unit sphere of
// e₁^⊥, drawing len(u)−1 normals from rng.
func direction(rng *Stream, rho float64, u []float64) {
	xi := u[1:]
	rng.FillNormal(xi)
	scale := math.Sqrt(1-float64(rho*rho)) / math.Sqrt(dot(xi, xi))
	u[0] = rho
	for j := range xi {
		xi[j] *= scale
	}
}

// cosine returns c(w) = ⟨w, e₁⟩/‖w‖.
func cosine(w []float64) float64 { return w[0] / math.Sqrt(dot(w, w)) }

// StepSize returns the flow mode's step h = min(η_max, 1/L) with
// L = (1 + √(d/n))²/4.
func StepSize(etaMax float64, n, d int) float64 {
	r := 1 + math.Sqrt(float64(d)/float64(n))
	L := float64(r*r) / 4
	return math.Min(etaMax, 1/L)
}

// SegmentSteps returns m = ⌈Δ/h⌉, the number of equal steps that cover a
// segment of length Δ with steps no longer than h. A quotient within 1e-12
// (relative) above an integer counts as that integer, so that rounding in
// Δ/h never adds a step the exact rule would not take.
func SegmentSteps(delta, h float64) int {
	m := math.Ceil(float64(delta/h) * (1 - 1e-12))
	return max(int(m), 1)
}

// flow runs gradient descent w ← w − h_k·∇L_n(w) through the checkpoint
// times, each segment covered by SegmentSteps equal steps.
func (ws *Workspace) flow(s *Settings, c Cell, out *Outcome) {
	n, d := c.N, c.D
	h := StepSize(s.EtaMax, n, d)
	if DualFlow(s.Times, h, n, d) {
		ws.flowDual(s, c, h, out)
	} else {
		ws.flowPrimal(s, c, h, out)
	}
}

// flowPrimal runs gradient descent on w, one fused pass over X per step.
func (ws *Workspace) flowPrimal(s *Settings, c Cell, h float64, out *Outcome) {
	n, d := c.N, c.D
	X, y, w, g := ws.X[:n*d], ws.y[:n], ws.w[:d], ws.g[:d]
	copy(w, ws.w0[:d])
	invN := 1 / float64(n)

	gradPass(X, d, w, y, g)
	segments(s.Times, h, invN, out, func(m int, a float64) {
		for range m {
			axpy(a, g, w)
			gradPass(X, d, w, y, g)
		}
	}, func(k, steps int) {
		ws.record(out, k, w, float64(math.Sqrt(dot(g, g))*invN), steps)
	})
}

// segments walks the flow's schedule: for each checkpoint time t_k it takes
// the SegmentSteps(t_k − t_{k−1}, h) equal steps of the segment through
// step(m, a), where a = −((t_k − t_{k−1})/m)/n scales the unnormalised
// gradient, and then reads the checkpoint through read(k, steps so far).
// Checkpoints after a divergence are skipped.
func segments(times []float64, h, invN float64, out *Outcome, step func(m int, a float64), read func(k, steps int)) {
	prev, steps := 0.0, 0
	for k, t := range times {
		if out.Diverged {
			out.skip(k, steps)
			continue
		}
		m := SegmentSteps(t-prev, h)
		step(m, -((t-prev)/float64(m))*invN)
		steps += m
		prev = t
		read(k, steps)
	}
}

// FlowSteps returns the gradient steps of a flow run through times with
// step bound h.
func FlowSteps(times []float64, h float64) int {
	steps, prev := 0, 0.0
	for _, t := range times {
		steps += SegmentSteps(t-prev, h)
		prev = t
	}
	return steps
}

// DualFlow reports whether flow mode runs in the n-dimensional dual: when
// forming K = XXᵀ once (n²d/2 multiply-adds), n² per step and 2nd per
// checkpoint cost less than 2nd per step in the primal. The choice depends
// on the shape and the settings alone, never on the machine.
func DualFlow(times []float64, h float64, n, d int) bool {
	if n >= d {
		return false
	}
	S, C := float64(FlowSteps(times, h)), float64(len(times))
	nf, df := float64(n), float64(d)
	dual := nf*nf*df/2 + S*nf*nf + C*2*nf*df
	primal := (S + 1) * 2 * nf * df
	return dual < primal
}

// flowDual runs the same gradient descent in the dual. With w = w₀ + Xᵀa,
// a step w ← w − (h/n)Xᵀr(w) is a ← a − (h/n)r, and z = Xw = Xw₀ + Ka with
// K = XXᵀ, so each step costs n² instead of 2nd. z is recomputed from a at
// every step (no drift); w is formed only at checkpoints. The iterates are
// those of the primal up to rounding: a different order of the same sums.
func (ws *Workspace) flowDual(s *Settings, c Cell, h float64, out *Outcome) {
	n, d := c.N, c.D
	X, y, w, w0 := ws.X[:n*d], ws.y[:n], ws.w[:d], ws.w0[:d]
	K, z0, z, a, r := ws.K[:n*n], ws.u[:n], ws.z[:n], ws.a[:n], ws.b[:n]
	gram(X, n, d, K)
	matVec(X, d, w0, z0)
	copy(z, z0)
	clear(a)
	invN := 1 / float64(n)
	segments(s.Times, h, invN, out, func(m int, c float64) {
		for range m {
			sigmoidResid(z, 1, y, r)
			axpy(c, r, a)
			matVec(K, n, a, z)
			for i := range z {
				z[i] += z0[i]
			}
		}
	}, func(k, steps int) {
		// w = w₀ + Xᵀa; ‖∇L_n(w)‖ = ‖Xᵀr‖/n = √(rᵀKr)/n.
		copy(w, w0)
		addRows(X, d, a, w)
		sigmoidResid(z, 1, y, r)
		matVec(K, n, r, ws.e[:n])
		ws.record(out, k, w, float64(math.Sqrt(math.Max(dot(r, ws.e[:n]), 0))*invN), steps)
	})
}

// gram sets K = XXᵀ (n×n, both triangles), each entry the canonical dot
// product of two rows.
func gram(X []float64, n, d int, K []float64) {
	for i := 0; i < n; i++ {
		matVec(X[:(i+1)*d], d, X[i*d:i*d+d], K[i*n:i*n+i+1])
		for l := 0; l < i; l++ {
			K[l*n+i] = K[i*n+l]
		}
	}
}

// record stores checkpoint k and flags non-finite values.
func (ws *Workspace) record(out *Outcome, k int, w []float64, gradNorm float64, steps int) {
	norm := math.Sqrt(dot(w, w))
	cos := w[0] / norm
	out.Cos[k], out.Norm[k], out.GradNorm[k], out.Steps[k] = cos, norm, gradNorm, steps
	if !finite(cos) || !finite(norm) || !finite(gradNorm) {
		out.Diverged = true
		out.Cos[k] = math.NaN()
	}
}

// ridge follows the regularisation path w_λ = argmin L_n(w) + (λ/2)‖w − w₀‖²
// through the checkpoint λs, each solved by Newton's method with a
// backtracking line search, warm-started from the previous λ (the first
// from w₀). When n < d the Newton system is solved in the n-dimensional
// dual: the iterates stay in w₀ + row space of X, w = w₀ + Xᵀa.
func (ws *Workspace) ridge(s *Settings, c Cell, out *Outcome) {
	n, d := c.N, c.D
	X, w, w0 := ws.X[:n*d], ws.w[:d], ws.w0[:d]
	copy(w, w0)
	dual := n < d
	if dual {
		clear(ws.a[:n])
		gram(X, n, d, ws.K[:n*n])
	}
	for k, lambda := range s.Lambdas {
		if out.Diverged {
			out.skip(k, 0)
			continue
		}
		iters, gnorm, ok := ws.newton(c, lambda, dual)
		if !ok {
			out.Unconverged = true
		}
		ws.record(out, k, w, gnorm, iters)
	}
}

// objective returns F(w) = (1/n)Σ[log(1+e^z_i) − y_i z_i] + (λ/2)‖w−w₀‖²
// and ‖∇F(w)‖, leaving z, e (e^−|z|) and the gradient g in the workspace.
func (ws *Workspace) objective(n, d int, lambda float64) (F, gnorm float64) {
	X, y, w, w0, g, wp := ws.X[:n*d], ws.y[:n], ws.w[:d], ws.w0[:d], ws.g[:d], ws.wp[:d]
	invN := 1 / float64(n)
	risk := riskPass(X, d, w, y, g, ws.z[:n], ws.e[:n], ws.r[:n])
	for j := range wp {
		wp[j] = w[j] - w0[j]
	}
	for j := range g { // g = G/n + λ(w − w₀)
		g[j] = math.FMA(lambda, wp[j], float64(g[j]*invN))
	}
	F = float64(risk*invN) + float64(float64(0.5*lambda)*dot(wp, wp))
	return F, math.Sqrt(dot(g, g))
}

// newton solves one λ from the current w. It returns the iterations spent,
// the final gradient norm, and whether it reached RidgeTol.
func (ws *Workspace) newton(c Cell, lambda float64, dual bool) (iters int, gnorm float64, ok bool) {
	n, d := c.N, c.D
	X, w, g, p := ws.X[:n*d], ws.w[:d], ws.g[:d], ws.p[:d]
	z, e, u := ws.z[:n], ws.e[:n], ws.u[:n]
	invN := 1 / float64(n)
	F, gnorm := ws.objective(n, d, lambda)
	for iters = 0; ; iters++ {
		if !finite(gnorm) || !finite(F) {
			return iters, gnorm, false
		}
		if gnorm <= RidgeTol {
			return iters, gnorm, true
		}
		if iters == MaxNewton {
			return iters, gnorm, false
		}
		// Curvature D_i = σ(z_i)(1−σ(z_i)) = e_i/(1+e_i)², kept in s.
		D := ws.s[:n]
		for i, ei := range e {
			q := 1 / (1 + ei)
			D[i] = math.Max(float64(ei*q)*q, minCurvature)
		}
		var solved bool
		if dual {
			solved = ws.dualDirection(n, d, lambda, D)
		} else {
			solved = ws.primalDirection(n, d, lambda, D)
		}
		if !solved {
			return iters, gnorm, false
		}
		// Backtracking along −p on F, with z(α) = z − α·Xp.
		matVec(X, d, p, u)
		slope := dot(g, p)
		wp := ws.wp[:d]
		wpp := dot(wp, wp)
		wpP := dot(wp, p)
		pp := dot(p, p)
		slack := 1e-13 * (1 + math.Abs(F))
		alpha := 1.0
		for ls := 0; ; ls++ {
			Fa := float64(0.5*lambda) * (wpp - float64(2*alpha*wpP) + float64(float64(alpha*alpha)*pp))
			risk := 0.0
			for i, yi := range ws.y[:n] {
				zi := math.FMA(-alpha, u[i], z[i])
				risk += Softplus(zi) - float64(yi*zi)
			}
			Fa += float64(risk * invN)
			if Fa <= F-float64(float64(1e-4*alpha)*slope)+slack {
				break
			}
			if ls == 60 {
				return iters, gnorm, false
			}
			alpha *= 0.5
		}
		axpy(-alpha, p, w)
		if dual {
			axpy(-alpha, ws.b[:n], ws.a[:n])
		}
		F, gnorm = ws.objective(n, d, lambda)
	}
}

// primalDirection solves (XᵀDX/n + λI)p = g for p.
func (ws *Workspace) primalDirection(n, d int, lambda float64, D []float64) bool {
	X, H, p := ws.X[:n*d], ws.H[:d*d], ws.p[:d]
	clear(H)
	invN := 1 / float64(n)
	// H_jk += (D_i/n · x_ij)·x_ik for i in order; blocks of 8 rows at once
	// where the CPU allows, in the same order.
	i := 0
	if useAVX512 {
		coef := ws.coef[:8*d]
		for ; i+8 <= n; i += 8 {
			for k := range 8 {
				x := X[(i+k)*d : (i+k)*d+d]
				t := D[i+k] * invN
				for j, v := range x {
					coef[8*j+k] = float64(t * v)
				}
			}
			syrkRowsAVX512(&X[i*d], d, &coef[0], &H[0])
		}
	}
	for ; i < n; i++ {
		x := X[i*d : i*d+d]
		t := D[i] * invN
		for j := 0; j < d; j++ {
			axpy(float64(t*x[j]), x[:j+1], H[j*d:j*d+j+1])
		}
	}
	for j := 0; j < d; j++ {
		H[j*d+j] += lambda
	}
	if !cholesky(H, d) {
		return false
	}
	copy(p, ws.g[:d])
	cholSolve(H, d, p)
	return true
}

// dualDirection solves the Newton system in the dual when n < d: with
// w − w₀ = Xᵀa and ∇F = Xᵀq, q = r/n + λa, the step is p = Xᵀb where
// (K/n + λD⁻¹) b = D⁻¹q and K = XXᵀ.
func (ws *Workspace) dualDirection(n, d int, lambda float64, D []float64) bool {
	X, K, M, b, a := ws.X[:n*d], ws.K[:n*n], ws.H[:n*n], ws.b[:n], ws.a[:n]
	y, e := ws.y[:n], ws.e[:n]
	invN := 1 / float64(n)
	for i := 0; i < n; i++ {
		for l := 0; l <= i; l++ {
			M[i*n+l] = K[i*n+l] * invN
		}
		M[i*n+i] += lambda / D[i]
		// r_i = σ(z_i) − y_i from e_i and the sign of z_i.
		q := 1 / (1 + e[i])
		sig := q
		if ws.z[i] < 0 {
			sig = e[i] * q
		}
		b[i] = math.FMA(lambda, a[i], float64((sig-y[i])*invN)) / D[i]
	}
	if !cholesky(M, n) {
		return false
	}
	cholSolve(M, n, b)
	matTVec(X, d, b, ws.p[:d])
	return true
}
