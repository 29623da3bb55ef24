// Package theory computes the population limit (n → ∞, soft labels) of the
// weak-to-strong trial of package solver, in both finetuning modes.
//
// With L(w) = E[softplus(⟨w, x⟩) − σ(γ⟨u_t, x⟩)⟨w, x⟩], x ~ N(0, I_d), Stein's
// lemma gives ∇L(w) = m(‖w‖)w − γm(γ)u_t with m(r) = E[σ'(rZ)], Z ~ N(0, 1).
// So the flow and the ridge path stay in P = span(u_t, u_s). With
// κ = ⟨u_s, u_t⟩, v = (u_s − κu_t)/√(1 − κ²) and w = a·u_t + b·v, r = ‖w‖:
//
//	flow:  ȧ = γm(γ) − a·m(r),  ḃ = −b·m(r),  a(0) = γκ, b(0) = γ√(1 − κ²)
//	ridge: (m(r) + λ)w = γm(γ)u_t + λw₀, r the unique root of r(m(r) + λ) = ‖γm(γ)u_t + λw₀‖
//
// and the cosine is c = (a·ρ_t + b·⟨v, e₁⟩)/r, ⟨v, e₁⟩ = (ρ_s − κρ_t)/√(1 − κ²).
// Two consequences are used and tested: the ridge cosine is that of
// m(γ)u_t + λu_s, in closed form; and the flow is w(t) = α(t)u_s + β(t)u_t
// with α, β ≥ 0, so it traces the same directions as the ridge path, at
// λ_eff(t) = 1/∫₀ᵗ exp(∫₀ˢ m(r)) ds.
//
// At dimension d, κ = ρ_sρ_t + √(1−ρ_s²)√(1−ρ_t²)·τ with τ = ⟨ξ_s, ξ_t⟩ of two
// independent uniform unit vectors of ℝ^{d−1}: density ∝ (1 − τ²)^{(d−4)/2}
// for d ≥ 3, τ = ±1 for d = 2, τ = 0 for d → ∞ (passed as d = 0).
//
// CosPath gives the cosine path at one κ, Predict the τ-mean cosine and the
// probability that c > max(ρ_s, ρ_t) at dimension d, and Window the
// intervals of t or λ where the (mean) cosine exceeds max(ρ_s, ρ_t). The
// package does not depend on package solver; its Mode values equal solver's.
package theory
