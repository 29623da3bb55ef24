package theory

// Quadrature: m(r) = E[σ'(rZ)], Z ~ N(0, 1), and the τ-average at
// dimension d.

import (
	"math"

	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
)

// glN is the number of Gauss–Legendre nodes per panel of the composite
// rule for m(r).
const glN = 20

// glX and glW are the glN-point Gauss–Legendre nodes and weights on [−1, 1].
var glX, glW [glN]float64

func init() {
	quad.Legendre{}.FixedLocations(glX[:], glW[:], -1, 1)
}

const (
	invSqrt2Pi = 0.398942280401432677939946059934381868 // 1/√(2π) = φ(0)

	// zCut truncates the N(0, 1) density: 2∫_9^∞ φ < 2.3e-19.
	zCut = 9.0
	// sCut truncates σ': σ'(s) < e^{−|s|}, so 2∫_40^∞ σ' < 8.5e-18.
	sCut = 40.0
	// sPanel is the widest panel in the s = rz variable. σ' has its
	// nearest poles at ±iπ, so a 20-point Gauss–Legendre panel of half-width
	// 2 converges like (π/2 + √(π²/4 + 1))^(−40) ≈ 1e-21.
	sPanel = 4.0
	// zPanels is the number of panels on [0, zCut] when r ≤ 1 (half-width
	// 1.5 against poles at distance π/r ≥ π).
	zPanels = 3
)

// dsigmoid returns σ'(x) = σ(x)(1 − σ(x)) = e^{−|x|}/(1 + e^{−|x|})².
func dsigmoid(x float64) float64 {
	e := math.Exp(-math.Abs(x))
	d := 1 + e
	return e / (d * d)
}

// meanDSigmoid returns m(r) = E[σ'(rZ)] for Z ~ N(0, 1), to about 1e-16
// absolute for every r (the error budget is the truncation of the tails,
// below 1e-17, and rounding). m is even, m(0) = 1/4, m decreases on
// [0, ∞) and r·m(r) increases to 1/√(2π).
//
// For |r| ≤ 1 it integrates 2∫₀^9 φ(z)σ'(rz)dz by composite Gauss–Legendre
// (3 panels × 20 nodes); for |r| > 1, where σ'(rz) is narrow, it substitutes
// s = rz: m(r) = (2/r)∫₀^S φ(s/r)σ'(s)ds with S = min(40, 9r), in panels
// of width at most 4 (at most 200 nodes). It does not allocate.
func meanDSigmoid(r float64) float64 {
	r = math.Abs(r)
	switch {
	case math.IsNaN(r):
		return math.NaN()
	case r == 0:
		return 0.25
	case math.IsInf(r, 1):
		return 0
	}
	if r <= 1 {
		const h = zCut / zPanels
		sum := 0.0
		for p := range zPanels {
			c := (float64(p) + 0.5) * h
			for i := range glX {
				z := c + 0.5*h*glX[i]
				sum += glW[i] * math.Exp(-0.5*z*z) * dsigmoid(r*z)
			}
		}
		return invSqrt2Pi * h * sum // 2 · φ-normalisation · h/2
	}
	S := math.Min(sCut, zCut*r)
	panels := int(math.Ceil(S / sPanel))
	h := S / float64(panels)
	ir := 1 / r
	sum := 0.0
	for p := range panels {
		c := (float64(p) + 0.5) * h
		for i := range glX {
			s := c + 0.5*h*glX[i]
			z := s * ir
			sum += glW[i] * math.Exp(-0.5*z*z) * dsigmoid(s)
		}
	}
	return invSqrt2Pi * h * sum * ir
}

// tauNodes is the number of nodes of the τ rule used by Predict and Window.
const tauNodes = 48

// tauRule is a quadrature rule for E_τ[f(τ)] at dimension d: Σ w[i]f(x[i]),
// nodes increasing, weights summing to 1.
type tauRule struct {
	d    int
	x, w []float64
}

// newTauRule returns the n-node rule for τ = ⟨ξ_s, ξ_t⟩ at dimension d.
// Precondition: d ≥ 2 and n ≥ 1 (n is ignored for d = 2).
//
// For d = 2, τ = ±1 with probability ½ each. For d ≥ 3 the density of τ is
// ∝ (1 − τ²)^a on [−1, 1], a = (d − 4)/2, and the rule is Gauss–Gegenbauer
// (Gauss–Jacobi with α = β = a), computed by Golub–Welsch from the monic
// three-term recurrence p_{k+1} = τp_k − β_k p_{k−1},
//
//	β_1 = 1/(2a + 3),   β_k = k(k + 2a)/((2k + 2a + 1)(2k + 2a − 1)),
//
// so it integrates polynomials of degree < 2n exactly and its nodes follow
// the weight as it concentrates (width ~1/√d) for large d. The weights are
// the squared first components of the normalised eigenvectors, i.e. they
// are normalised numerically to total mass 1; nodes and weights are then
// symmetrised about 0.
func newTauRule(d, n int) tauRule {
	if d == 2 {
		return tauRule{d: 2, x: []float64{-1, 1}, w: []float64{0.5, 0.5}}
	}
	a := float64(d-4) / 2
	J := mat.NewSymDense(n, nil)
	for k := 1; k < n; k++ {
		var beta float64
		if k == 1 {
			beta = 1 / (2*a + 3)
		} else {
			fk := float64(k)
			beta = fk * (fk + 2*a) / ((2*fk + 2*a + 1) * (2*fk + 2*a - 1))
		}
		J.SetSym(k-1, k, math.Sqrt(beta))
	}
	var eig mat.EigenSym
	if !eig.Factorize(J, true) {
		panic("theory: Golub–Welsch eigendecomposition failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	x := make([]float64, n)
	w := make([]float64, n)
	for j := range n {
		x[j] = vals[j]
		v := vecs.At(0, j)
		w[j] = v * v
	}
	// EigenSym returns ascending eigenvalues. Symmetrise and normalise.
	sum := 0.0
	for j := range n / 2 {
		k := n - 1 - j
		xs := 0.5 * (x[k] - x[j])
		ws := 0.5 * (w[k] + w[j])
		x[j], x[k] = -xs, xs
		w[j], w[k] = ws, ws
	}
	if n%2 == 1 {
		x[n/2] = 0
	}
	for _, v := range w {
		sum += v
	}
	for j := range w {
		w[j] /= sum
	}
	return tauRule{d: d, x: x, w: w}
}

// tauCDF returns P(τ ≤ t) at dimension d ≥ 3: (τ + 1)/2 ~ Beta(α, α) with
// α = (d − 2)/2.
func tauCDF(d int, t float64) float64 {
	switch {
	case t <= -1:
		return 0
	case t >= 1:
		return 1
	}
	al := float64(d-2) / 2
	return mathext.RegIncBeta(al, al, (t+1)/2)
}

// tauMass returns P(lo < τ < hi) at dimension d ≥ 3 for −1 ≤ lo ≤ hi ≤ 1,
// using the symmetry of τ so that both tails keep their absolute accuracy.
func tauMass(d int, lo, hi float64) float64 {
	if !(hi > lo) {
		return 0
	}
	switch {
	case hi <= 0:
		return tauCDF(d, hi) - tauCDF(d, lo)
	case lo >= 0:
		return tauCDF(d, -lo) - tauCDF(d, -hi)
	}
	return 1 - tauCDF(d, lo) - tauCDF(d, -hi)
}
