package solver

// Elementary functions with bit-for-bit portable results.
//
// The standard library's math.Exp and math.Log use assembly on some
// architectures and pure Go on others, and Go may fuse x*y+z into one FMA
// on some targets (amd64 with GOAMD64=v3, arm64). Either would let a
// trial's outcome depend on the machine that ran it. The functions here use
// only IEEE-exact operations (+, −, ×, ÷, sqrt, math.FMA) in a fixed order,
// so they return the same bits everywhere. Products whose rounding matters
// are written as float64(x*y) or math.FMA(x, y, z), never as bare x*y+z.

import "math"

const (
	log2e = 1.44269504088896338700e+00
	ln2Hi = 6.93147180369123816490e-01 // high 32 bits of ln 2: k·ln2Hi is exact for |k| < 2^20
	ln2Lo = 1.90821492927058770002e-10 // ln 2 − ln2Hi

	// Beyond these, exp overflows to +Inf or underflows to 0.
	expOverflow  = 7.09782712893383973096e+02
	expUnderflow = -7.45133219101941108420e+02

	roundMagic = 6755399441055744.0 // 1.5·2^52: x + roundMagic − roundMagic rounds x to an integer (ties to even)
)

// Taylor coefficients 1/j! for j = 0 … 13. On |r| ≤ ln2/2 the truncation
// error of the degree-13 polynomial is below 5e-18, far under one ulp.
var expCoef = [14]float64{
	1.0,
	1.0,
	1.0 / 2,
	1.0 / 6,
	1.0 / 24,
	1.0 / 120,
	1.0 / 720,
	1.0 / 5040,
	1.0 / 40320,
	1.0 / 362880,
	1.0 / 3628800,
	1.0 / 39916800,
	1.0 / 479001600,
	1.0 / 6227020800,
}

// Exp returns e^x within 2 ulp (tested against math.Exp), with the same bits
// on every platform. Exp(NaN) = NaN, Exp(+Inf) = +Inf, Exp(−Inf) = 0.
func Exp(x float64) float64 {
	switch {
	case x != x:
		return x
	case x > expOverflow:
		return math.Inf(1)
	case x < expUnderflow:
		return 0
	}
	// x = k·ln2 + r with |r| ≤ ln2/2 (slightly more at ties; harmless).
	k := float64(x*log2e) + roundMagic - roundMagic
	r := math.FMA(-k, ln2Hi, x)
	r = math.FMA(-k, ln2Lo, r)
	p := expCoef[13]
	for j := 12; j >= 0; j-- {
		p = math.FMA(p, r, expCoef[j])
	}
	return scale2(p, int(k))
}

// scale2 returns p·2^k for p in [0.5, 2] and −1080 ≤ k ≤ 1025, exactly
// where the result is representable.
func scale2(p float64, k int) float64 {
	switch {
	case k > 1023:
		return p * 2 * math.Float64frombits(uint64(k-1+1023)<<52)
	case k < -1021:
		// Two steps keep the intermediate normal; only the last product rounds.
		return p * math.Float64frombits(uint64(k+1000+1023)<<52) * 0x1p-1000
	default:
		return p * math.Float64frombits(uint64(k+1023)<<52)
	}
}

// Coefficients of the fdlibm logarithm (a Remez fit of
// (log((1+s)/(1−s)) − 2s)/s on |s| ≤ 0.1716).
const (
	lg1 = 6.666666666666735130e-01
	lg2 = 3.999999999940941908e-01
	lg3 = 2.857142874366239149e-01
	lg4 = 2.222219843214978396e-01
	lg5 = 1.818357216161805012e-01
	lg6 = 1.531383769920937332e-01
	lg7 = 1.479819860511658591e-01
)

// Log returns the natural logarithm of x within 1 ulp (tested against
// math.Log), with the same bits on every platform. Log(0) = −Inf,
// Log(x<0) = NaN, Log(+Inf) = +Inf.
func Log(x float64) float64 {
	switch {
	case x != x || x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	case math.IsInf(x, 1):
		return x
	}
	// x = m·2^k with m in [√½, √2).
	k := 0
	if x < 0x1p-1022 { // subnormal: make it normal first
		x *= 0x1p54
		k = -54
	}
	bits := math.Float64bits(x)
	k += int(bits>>52) - 1023
	m := math.Float64frombits(bits&(1<<52-1) | 1023<<52) // in [1, 2)
	if m > math.Sqrt2 {
		m *= 0.5
		k++
	}
	f := m - 1
	s := f / (2 + f)
	z := float64(s * s)
	w := float64(z * z)
	t1 := float64(z * math.FMA(w, math.FMA(w, math.FMA(w, lg7, lg5), lg3), lg1))
	t2 := float64(w * math.FMA(w, math.FMA(w, lg6, lg4), lg2))
	R := t1 + t2
	hfsq := float64(0.5 * float64(f*f))
	kf := float64(k)
	return float64(kf*ln2Hi) - ((hfsq - (float64(s*(hfsq+R)) + float64(kf*ln2Lo))) - f)
}

// Log1p returns log(1+x) for x ≥ 0, accurate to a few ulp also for tiny x
// (Goldberg's correction: log(u)·x/(u−1) with u = 1+x rounded).
func Log1p(x float64) float64 {
	u := 1 + x
	if u == 1 {
		return x
	}
	return float64(Log(u)*x) / (u - 1)
}

// Sigmoid returns σ(z) = 1/(1+e^−z), accurate for both signs of z.
func Sigmoid(z float64) float64 {
	e := Exp(-math.Abs(z))
	s := 1 / (1 + e)
	if z >= 0 {
		return s
	}
	return e * s
}

// Softplus returns log(1+e^z) without overflow.
func Softplus(z float64) float64 {
	return math.Max(z, 0) + Log1p(Exp(-math.Abs(z)))
}
