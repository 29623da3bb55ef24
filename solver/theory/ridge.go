package theory

// The population ridge path w_λ = argmin L(w) + (λ/2)‖w − w₀‖².

import "math"

// ridgeSolve returns the ridge solution w_λ = a·u_t + b·v and r = ‖w_λ‖.
// Precondition: λ ≥ 0 finite.
//
// Stationarity (m(r) + λ)w = γm(γ)u_t + λw₀ makes w a positive multiple
// of q = γm(γ)u_t + λw₀, so r solves H(r) = r(m(r) + λ) = ‖q‖ =: N. H is
// strictly increasing (r·m(r) increases, see meanDSigmoid), H(0) = 0 and
// H(γ) = γm(γ) + λγ ≥ N, so the root is unique and lies in
// [N/(1/4 + λ), γ]; it is found by Brent's method to full precision.
// At λ = 0 the root is r = γ (w = w_t) exactly.
func ridgeSolve(g *plane, lambda float64) (a, b, r float64, err error) {
	if lambda == 0 {
		return g.gamma, 0, g.gamma, nil
	}
	qa, qb := g.gm+lambda*g.a0, lambda*g.b0
	N := math.Hypot(qa, qb)
	H := func(r float64) (float64, error) { return r*(meanDSigmoid(r)+lambda) - N, nil }
	lo, hi := N/(0.25+lambda), g.gamma
	if lo > hi { // rounding only: N ≤ γm(γ) + λγ < γ(1/4 + λ)
		lo = hi
	}
	hlo, _ := H(lo)
	hhi, _ := H(hi)
	if hlo > 0 || hhi < 0 {
		// Rounding at the ends of a bracket of width ~ulp: take the closer end.
		if math.Abs(hlo) < math.Abs(hhi) {
			r = lo
		} else {
			r = hi
		}
	} else if r, err = brent(H, lo, hi, hlo, hhi, 0); err != nil {
		return 0, 0, 0, err
	}
	s := 1 / (meanDSigmoid(r) + lambda)
	return qa * s, qb * s, r, nil
}

// ridgeCos returns the cosine of w_λ: since w_λ is a positive multiple of
// m(γ)u_t + λu_s,
//
//	c(λ) = (m(γ)ρ_t + λρ_s)/√(m(γ)² + 2κλm(γ) + λ²),
//
// evaluated in a scaled form that cannot overflow and clamped to [−1, 1]. c(0) = ρ_t exactly and
// c(λ) → ρ_s as λ → ∞. Precondition: λ ≥ 0.
func ridgeCos(g *plane, lambda float64) float64 {
	mg := g.gm / g.gamma
	if lambda <= mg {
		s := lambda / mg
		return clamp1((g.rhoT + s*g.rhoS) / math.Sqrt(1+s*(2*g.kappa+s)))
	}
	s := mg / lambda
	return clamp1((s*g.rhoT + g.rhoS) / math.Sqrt(1+s*(2*g.kappa+s)))
}
