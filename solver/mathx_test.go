package solver

import (
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"testing"
)

// ulps returns the distance between a and b in units in the last place.
func ulps(a, b float64) float64 {
	if a == b {
		return 0
	}
	if math.IsNaN(a) || math.IsNaN(b) || math.Signbit(a) != math.Signbit(b) {
		return math.Inf(1)
	}
	ia, ib := int64(math.Float64bits(math.Abs(a))), int64(math.Float64bits(math.Abs(b)))
	return math.Abs(float64(ia - ib))
}

func TestExpAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	worst, at := 0.0, 0.0
	check := func(x float64) {
		if u := ulps(Exp(x), math.Exp(x)); u > worst {
			worst, at = u, x
		}
	}
	for range 1_000_000 {
		check(r.Float64()*1454 - 745.1) // [−745.1, 708.9]
		check(r.NormFloat64() * 5)
	}
	for _, x := range []float64{0, 1, -1, 1e-300, -1e-300, -745.1, -708.4, -708.39, 0.5 * math.Ln2, -0.5 * math.Ln2} {
		check(x)
	}
	// Near the overflow threshold math.Exp (assembly on amd64) already
	// returns +Inf; compare with the exact value instead.
	for _, x := range []float64{709.0, 709.5, 709.78, 709.782712893} {
		want, _ := bigExp(x).Float64()
		if u := ulps(Exp(x), want); u > 1 {
			t.Errorf("Exp(%v) = %v, exact %v (%v ulp)", x, Exp(x), want, u)
		}
	}
	// math.Exp is within 1 ulp of e^x, so 2 ulp from it bounds ours by 3 ulp.
	if worst > 2 {
		t.Errorf("Exp is %v ulp from math.Exp at x = %v; want ≤ 2", worst, at)
	}
	for _, c := range []struct{ x, want float64 }{
		{math.Inf(1), math.Inf(1)}, {math.Inf(-1), 0}, {710, math.Inf(1)}, {-746, 0}, {0, 1},
	} {
		if got := Exp(c.x); got != c.want {
			t.Errorf("Exp(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if !math.IsNaN(Exp(math.NaN())) {
		t.Error("Exp(NaN) is not NaN")
	}
}

// TestExpAgainstExact compares Exp with e^x computed in 200-bit arithmetic
// by its Taylor series, on a sample of arguments.
func TestExpAgainstExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		x := r.Float64()*40 - 20
		exact := bigExp(x)
		want, _ := exact.Float64()
		if u := ulps(Exp(x), want); u > 1 {
			t.Errorf("Exp(%v) = %v is %v ulp from the correctly rounded %v", x, Exp(x), u, want)
		}
	}
}

func bigExp(x float64) *big.Float {
	const prec = 200
	bx := new(big.Float).SetPrec(prec).SetFloat64(x)
	// e^x = (e^(x/2^10))^(2^10), series for the small argument.
	small := new(big.Float).SetPrec(prec).Quo(bx, new(big.Float).SetPrec(prec).SetFloat64(1024))
	sum := new(big.Float).SetPrec(prec).SetFloat64(1)
	term := new(big.Float).SetPrec(prec).SetFloat64(1)
	for k := 1; k < 60; k++ {
		term.Mul(term, small)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64(k)))
		sum.Add(sum, term)
	}
	for range 10 {
		sum.Mul(sum, sum)
	}
	return sum
}

func TestLogAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	worst, at := 0.0, 0.0
	check := func(x float64) {
		if u := ulps(Log(x), math.Log(x)); u > worst {
			worst, at = u, x
		}
	}
	for range 1_000_000 {
		check(math.Exp(r.Float64()*1400 - 700))
		check(r.Float64())
		check(1 + r.NormFloat64()*1e-3)
	}
	for _, x := range []float64{1, 2, 0.5, math.Sqrt2, 0x1p-1022, math.MaxFloat64, 1 - 0x1p-53, 1 + 0x1p-52} {
		check(x)
	}
	// math.Log (assembly on amd64) is wrong for subnormals; use log(2^k) = k·ln2.
	for _, k := range []int{-1074, -1060, -1023} {
		x := math.Ldexp(1, k)
		if got, want := Log(x), float64(k)*math.Ln2; ulps(got, want) > 1 {
			t.Errorf("Log(2^%d) = %v, want %v", k, got, want)
		}
		if got, want := Log(3*x), float64(k)*math.Ln2+math.Log(3); math.Abs(got-want) > 2e-16*math.Abs(want) {
			t.Errorf("Log(3·2^%d) = %v, want %v", k, got, want)
		}
	}
	if worst > 1 {
		t.Errorf("Log is %v ulp from math.Log at x = %v; want ≤ 1", worst, at)
	}
	if Log(0) != math.Inf(-1) || !math.IsNaN(Log(-1)) || Log(math.Inf(1)) != math.Inf(1) || !math.IsNaN(Log(math.NaN())) {
		t.Error("Log special cases wrong")
	}
}

func TestLog1pSoftplusSigmoid(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 100_000 {
		x := math.Exp(r.Float64()*80 - 79) // 1e-35 … e
		if u := ulps(Log1p(x), math.Log1p(x)); u > 3 {
			t.Fatalf("Log1p(%v) = %v, math.Log1p = %v (%v ulp)", x, Log1p(x), math.Log1p(x), u)
		}
		z := r.NormFloat64() * 30
		want := 1 / (1 + math.Exp(-z))
		if math.Abs(Sigmoid(z)-want) > 1e-15*want { // both within a few ulp
			t.Fatalf("Sigmoid(%v) = %v, want %v", z, Sigmoid(z), want)
		}
		sp := math.Log1p(math.Exp(z))
		if z > 30 {
			sp = z + math.Log1p(math.Exp(-z))
		}
		if math.Abs(Softplus(z)-sp) > 1e-15*math.Max(sp, 1e-300)+1e-300 {
			t.Fatalf("Softplus(%v) = %v, want %v", z, Softplus(z), sp)
		}
	}
	// σ(−z) = 1 − σ(z) and σ is accurate far in the left tail.
	if got, want := Sigmoid(-700), math.Exp(-700); ulps(got, want) > 3 {
		t.Errorf("Sigmoid(-700) = %v, want %v", got, want)
	}
	if Sigmoid(800) != 1 || Sigmoid(-800) != 0 || Sigmoid(0) != 0.5 {
		t.Error("Sigmoid limits wrong")
	}
}

// normalCDF is Φ(x).
func normalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// TestNormalDistribution checks the ziggurat against Φ with a one-sample
// Kolmogorov–Smirnov test at level 1e-4, and the tail beyond the ziggurat's
// base (|x| > 3.654) against its probability with a binomial 5σ bound.
func TestNormalDistribution(t *testing.T) {
	const N = 2_000_000
	rng := NewStream(42, 1, 2, 1, 0)
	xs := make([]float64, N)
	tail := 0
	var sum, sum2 float64
	for i := range xs {
		x := rng.Normal()
		xs[i] = x
		sum += x
		sum2 += x * x
		if math.Abs(x) > zigR {
			tail++
		}
	}
	sort.Float64s(xs)
	D := 0.0
	for i, x := range xs {
		F := normalCDF(x)
		D = math.Max(D, math.Max(F-float64(i)/N, float64(i+1)/N-F))
	}
	// Asymptotic KS critical value: P(√N·D > c) ≈ 2e^{−2c²}; α = 1e-4.
	crit := math.Sqrt(-math.Log(1e-4/2)/2) / math.Sqrt(N)
	if D > crit {
		t.Errorf("KS distance %.3g exceeds the critical value %.3g at α = 1e-4", D, crit)
	}
	// Mean and variance within 5 standard errors.
	if m := sum / N; math.Abs(m) > 5/math.Sqrt(N) {
		t.Errorf("mean %v, want 0 ± %v", m, 5/math.Sqrt(N))
	}
	if v := sum2 / N; math.Abs(v-1) > 5*math.Sqrt(2.0/N) {
		t.Errorf("variance %v, want 1 ± %v", v, 5*math.Sqrt(2.0/N))
	}
	p := 2 * normalCDF(-zigR)
	if want, sd := p*N, math.Sqrt(N*p*(1-p)); math.Abs(float64(tail)-want) > 5*sd {
		t.Errorf("%d draws beyond ±%v, want %.0f ± %.0f", tail, zigR, want, 5*sd)
	}
}

func TestStreamDerivation(t *testing.T) {
	base := NewStream(7, 100, 20, 2, 5)
	first := base.Uint64()
	others := []Stream{
		NewStream(8, 100, 20, 2, 5), NewStream(7, 101, 20, 2, 5), NewStream(7, 100, 21, 2, 5),
		NewStream(7, 100, 20, math.Nextafter(2, 3), 5), NewStream(7, 100, 20, 2, 6),
		NewStream(7, 20, 100, 2, 5), // n and d swapped
	}
	for i, o := range others {
		if o.Uint64() == first {
			t.Errorf("stream %d starts like the base stream", i)
		}
	}
	again := NewStream(7, 100, 20, 2, 5)
	if again.Uint64() != first {
		t.Error("the same inputs gave a different stream")
	}
}

// FillNormal draws exactly the numbers of repeated Normal calls.
func TestFillNormalMatchesNormal(t *testing.T) {
	a, b := NewStream(3, 4, 5, 6, 7), NewStream(3, 4, 5, 6, 7)
	buf := make([]float64, 300_000)
	a.FillNormal(buf)
	for i, x := range buf {
		if y := b.Normal(); math.Float64bits(x) != math.Float64bits(y) {
			t.Fatalf("draw %d: FillNormal %v, Normal %v", i, x, y)
		}
	}
	if a.Uint64() != b.Uint64() {
		t.Error("streams out of step after the fill")
	}
}
