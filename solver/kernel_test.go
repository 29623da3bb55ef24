package solver

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// withKernels runs f with each SIMD kernel level this CPU has (AVX-512,
// AVX2) and with the pure-Go kernels, and checks every result against the
// pure-Go one bit for bit. It skips where no SIMD kernel exists (the
// pure-Go path is then the only one and is tested everywhere else).
func withKernels(t *testing.T, what string, f func() []float64) {
	t.Helper()
	if !hasAVX2 {
		t.Skip("no AVX2+FMA on this CPU (or built with -tags purego): only the pure-Go kernels exist here")
	}
	defer func(a, b bool) { useAVX2, useAVX512 = a, b }(useAVX2, useAVX512)
	useAVX2, useAVX512 = false, false
	plain := f()
	useAVX2 = true
	sameBits(t, what+" (AVX2)", f(), plain)
	if hasAVX512 {
		useAVX512 = true
		sameBits(t, what+" (AVX-512)", f(), plain)
	}
}

func sameBits(t *testing.T, what string, simd, plain []float64) {
	t.Helper()
	if len(simd) != len(plain) {
		t.Fatalf("%s: %d values, pure Go %d", what, len(simd), len(plain))
	}
	for i := range simd {
		if math.Float64bits(simd[i]) != math.Float64bits(plain[i]) {
			t.Fatalf("%s: element %d: SIMD %v, pure Go %v", what, i, simd[i], plain[i])
		}
	}
}

// The AVX2 gradient pass equals the pure-Go one bit for bit, for every
// tail length of d and n, with some rows pushed into the exp's special
// ranges (the plain-path fallback) and a NaN.
func TestGradPassAVX2MatchesPureGo(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	dims := []int{1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 23, 31, 33, 100, 129, 1000}
	for _, d := range dims {
		for _, n := range []int{1, 3, 4, 5, 8, 9, 13, 17, 64, 101} {
			X := make([]float64, n*d)
			for i := range X {
				X[i] = r.NormFloat64()
			}
			y := make([]float64, n)
			for i := range y {
				y[i] = r.Float64()
			}
			w := make([]float64, d)
			for j := range w {
				w[j] = r.NormFloat64() * 3
			}
			if n > 8 && d > 3 { // rows whose z lands where exp leaves its plain path
				for j := 0; j < d; j++ {
					X[5*d+j] = 300 * math.Copysign(1, w[j])
				}
			}
			for _, scale := range []float64{1, 1e-3, 40} {
				ws := make([]float64, d)
				for j := range ws {
					ws[j] = w[j] * scale
				}
				withKernels(t, fmt.Sprintf("gradPass n=%d d=%d scale=%g", n, d, scale), func() []float64 {
					g := make([]float64, d)
					gradPass(X, d, ws, y, g)
					return g
				})
			}
		}
	}
	// A NaN in w: both paths give the same NaN-filled gradient.
	X := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	w := []float64{math.NaN(), 1}
	withKernels(t, "gradPass with NaN", func() []float64 {
		g := make([]float64, 2)
		gradPass(X, 2, w, []float64{0.5, 0.5, 0.5, 0.5}, g)
		if !math.IsNaN(g[0]) {
			t.Errorf("NaN not propagated: %v", g)
		}
		return g
	})
}

// Whole trials: every outcome bit is the same with and without AVX2.
func TestTrialsAVX2MatchPureGo(t *testing.T) {
	for _, c := range goldenCases() {
		withKernels(t, c.name, func() []float64 {
			var ws Workspace
			var o Outcome
			if err := ws.Run(c.s, c.c, 3, &o); err != nil {
				t.Fatal(err)
			}
			return append(append(append([]float64{o.CosTeacher, o.CosInitial}, o.Cos...), o.Norm...), o.GradNorm...)
		})
	}
}

// The SIMD normal sampler draws exactly the pure-Go stream, from any
// starting lane and for any length.
func TestFillNormalSIMDMatchesPureGo(t *testing.T) {
	for _, c := range []struct{ skip, n int }{{0, 100_000}, {0, 8}, {3, 61}, {7, 1000}, {5, 3}, {0, 7}} {
		withKernels(t, fmt.Sprintf("FillNormal skip=%d n=%d", c.skip, c.n), func() []float64 {
			s := NewStream(11, 12, 13, 14, 15)
			for range c.skip {
				s.Uint64()
			}
			out := make([]float64, c.n+1)
			s.FillNormal(out[:c.n])
			out[c.n] = s.Float64() // the stream continues in step
			return out
		})
	}
}

func TestMatVecSIMDMatchesPureGo(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, d := range []int{1, 2, 3, 5, 8, 11, 16, 100, 1000} {
		for _, n := range []int{1, 4, 7, 8, 9, 12, 13, 100} {
			X := make([]float64, n*d)
			for i := range X {
				X[i] = r.NormFloat64()
			}
			v := make([]float64, d)
			for j := range v {
				v[j] = r.NormFloat64()
			}
			withKernels(t, fmt.Sprintf("matVec n=%d d=%d", n, d), func() []float64 {
				out := make([]float64, n)
				matVec(X, d, v, out)
				return out
			})
		}
	}
}

func TestSigmoidAndAddRowsSIMDMatchPureGo(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, n := range []int{1, 7, 8, 9, 16, 23, 100, 1000} {
		z := make([]float64, n)
		y := make([]float64, n)
		for i := range z {
			z[i] = r.NormFloat64() * 30
			y[i] = r.Float64()
		}
		if n > 20 {
			z[10], z[17] = 900, math.NaN() // the Go path for their blocks
		}
		for _, scale := range []float64{1, 2.5, -1} {
			withKernels(t, fmt.Sprintf("sigmoidResid n=%d scale=%g", n, scale), func() []float64 {
				out := make([]float64, n)
				sigmoidResid(z, scale, y, out)
				return out
			})
		}
		for _, d := range []int{1, 5, 8, 13, 100} {
			X := make([]float64, n*d)
			for i := range X {
				X[i] = r.NormFloat64()
			}
			withKernels(t, fmt.Sprintf("matTVec n=%d d=%d", n, d), func() []float64 {
				out := make([]float64, d)
				matTVec(X, d, y, out)
				return out
			})
		}
	}
}

func TestDotAndHessianSIMDMatchPureGo(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, n := range []int{1, 15, 16, 17, 24, 100, 1001} {
		x := make([]float64, n)
		y := make([]float64, n)
		for i := range x {
			x[i], y[i] = r.NormFloat64(), r.NormFloat64()
		}
		withKernels(t, fmt.Sprintf("dot n=%d", n), func() []float64 { return []float64{dot(x, y)} })
	}
	// The primal Newton system of a ridge step, for shapes around the block
	// sizes: every bit of H, its Cholesky factor and the direction.
	for _, shape := range [][2]int{{8, 3}, {17, 9}, {40, 16}, {100, 33}} {
		n, d := shape[0], shape[1]
		s := ridgeSettings(n, d, 2)
		var ws Workspace
		ws.Sample(s, Cell{N: n, D: d, Margin: 2}, 1)
		copy(ws.w[:d], ws.us[:d])
		D := make([]float64, n)
		for i := range D {
			D[i] = r.Float64() / 4
		}
		withKernels(t, fmt.Sprintf("primalDirection n=%d d=%d", n, d), func() []float64 {
			ws.objective(n, d, 0.3)
			if !ws.primalDirection(n, d, 0.3, D) {
				t.Fatal("not positive definite")
			}
			return append(append([]float64(nil), ws.H[:d*d]...), ws.p[:d]...)
		})
	}
}
