package theory

import "math"

// simpson returns the composite Simpson rule for ∫_a^b f with n (even)
// intervals.
func simpson(f func(float64) float64, a, b float64, n int) float64 {
	h := (b - a) / float64(n)
	s := f(a) + f(b)
	for i := 1; i < n; i++ {
		x := a + float64(i)*h
		if i%2 == 1 {
			s += 4 * f(x)
		} else {
			s += 2 * f(x)
		}
	}
	return s * h / 3
}

// mRef is an independent reference for m(r): composite Simpson with step
// 1e-3 over z ∈ [−12, 12] for r ≤ 5, and over s = rz ∈ [−60, 60] (then
// divided by r) for r > 5, using the plain logistic σ(1 − σ).
func mRef(r float64) float64 {
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	ds := func(x float64) float64 { s := sig(x); return s * (1 - s) }
	phi := func(z float64) float64 { return math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) }
	if r <= 5 {
		return simpson(func(z float64) float64 { return phi(z) * ds(r*z) }, -12, 12, 24000)
	}
	return simpson(func(s float64) float64 { return phi(s/r) * ds(s) }, -60, 60, 120000) / r
}
