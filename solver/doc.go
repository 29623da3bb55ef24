// Package solver runs one Monte Carlo trial of the weak-to-strong protocol
// (version 1) as a pure function of the sweep settings, the cell (n, d, γ)
// and the trial index, with a reusable Workspace. It does no I/O, starts no
// goroutines and has no mutable globals.
//
// # The trial
//
//  1. Ground truth w* = e₁; labels y = 1[⟨w*, x⟩ ≥ 0] (used only through
//     the cosine: for N(0, I) data the 0-1 risk is arccos(c)/π).
//  2. Teacher and student directions u = ρ·e₁ + √(1−ρ²)·ξ, ξ uniform on the
//     unit sphere of e₁^⊥ (d−1 normals, normalised), drawn independently
//     for the teacher (ρ_t) and the student (ρ_s). w_t = γ·u_t, w₀ = γ·u_s.
//  3. X: n×d standard normals, row-major.
//  4. Teacher feedback: soft σ(γ⟨u_t, x⟩), hard 1[⟨u_t, x⟩ ≥ 0], or sampled
//     Bernoulli(σ(γ⟨u_t, x⟩)) (one uniform per sample, u < p ⇒ 1).
//  5. Finetuning on L_n(w) = (1/n)Σ[log(1+e^z_i) − y_i z_i], z = Xw, from w₀:
//     flow: gradient descent with h = min(η_max, 1/L), L = (1+√(d/n))²/4,
//     each segment (t_{k−1}, t_k] covered by m = ⌈Δ/h⌉ equal steps of Δ/m
//     (see SegmentSteps for the rounding rule); ridge: w_λ = argmin
//     L_n(w) + (λ/2)‖w − w₀‖² for each λ in decreasing order, by damped
//     Newton (Armijo backtracking) warm-started from the previous λ, to
//     ‖∇‖ ≤ 1e-10, at most MaxNewton iterations per λ. For n < d the Newton
//     system is solved in the n-dimensional dual (w − w₀ = Xᵀa, so the
//     iterates stay in w₀ + row space of X, which is also what λ → 0
//     selects among the ERM's minimisers). λ = 0 needs soft labels.
//     When n < d and DualFlow says it is cheaper, gradient descent too runs
//     in the dual (a ← a − (h/n)r, z = Xw₀ + Ka with K = XXᵀ): the same
//     iterates in a different order of sums, equal to the primal's to
//     rounding (tested to 1e-11).
//  6. Outcome: c_t, c₀ and, per checkpoint, c_k = ⟨w_k, e₁⟩/‖w_k‖, ‖w_k‖,
//     the gradient norm at w_k, and the steps (flow, cumulative) or Newton
//     iterations (ridge, per λ); Diverged if any value turned non-finite
//     (later checkpoints are then NaN), Unconverged if a λ stopped short of
//     the tolerance.
//
// # Random stream
//
// All randomness of a trial comes from one Stream keyed by a hash of
// (seed, n, d, γ's bits, index): eight xoshiro256++ lanes used round-robin,
// drawn in this order: the d−1 normals of ξ_t, the d−1 normals of ξ_s, the
// n·d normals of X row by row, then (sampled labels) n uniforms. Normals
// come from a 1024-layer ziggurat. See rng.go.
//
// # Kernels
//
// The hot loops are kernels with a fixed order of operations (kernel.go):
// dot products in 8 lanes with a fixed reduction tree, updates by FMA in
// row order, σ through this package's Exp. On amd64 they run as AVX2+FMA
// or AVX-512 assembly (kernel_amd64.s) that reproduces the pure-Go kernels
// bit for bit; kernel_test.go checks every SIMD level against them. Build
// with -tags purego for the pure-Go kernels alone. The flow step is one
// fused pass over X: each block of rows' dot products, residuals and
// gradient update together, while the rows are in cache.

// # Bit-for-bit results
//
// Outcomes are identical on every machine, build and worker count: the
// elementary functions (Exp, Log) are this package's own, made of IEEE
// operations only; every multiply-add that could be fused is either an
// explicit math.FMA or a product rounded by float64(…), so the compiler's
// FMA fusion (amd64 with GOAMD64=v3, arm64) cannot change a bit; and every
// reduction has a fixed order (see kernel.go). testdata/golden.txt pins the
// bits of a set of trials; CI runs it under GOAMD64=v1 and v3.
package solver
