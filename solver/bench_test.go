package solver

import "testing"

func BenchmarkFillNormal(b *testing.B) {
	s := NewStream(1, 2, 3, 4, 5)
	buf := make([]float64, 100_000)
	b.SetBytes(8 * int64(len(buf)))
	for b.Loop() {
		s.FillNormal(buf)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(buf)), "ns/normal")
}

func BenchmarkTrial(b *testing.B) {
	for _, c := range []struct {
		name string
		s    *Settings
	}{
		{"flow-1000x100", flowSettings(1000, 100, 2)},
		{"flow-100x1000", flowSettings(100, 1000, 2)},
		{"ridge-1000x100", ridgeSettings(1000, 100, 2)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var ws Workspace
			var out Outcome
			cell := Cell{N: c.s.N[0], D: c.s.D[0], Margin: c.s.Margin[0]}
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				if err := ws.Run(c.s, cell, i, &out); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkReadBandwidth streams a 32 MB vector (the X of cell 3) through
// the SIMD dot product: the rate at which one core can read X at all,
// beside which the flow loop's GB/s at large n·d should be read.
func BenchmarkReadBandwidth(b *testing.B) {
	x := make([]float64, 4000*1000)
	for i := range x {
		x[i] = float64(i % 7)
	}
	w := make([]float64, 1000)
	out := make([]float64, 4000)
	b.SetBytes(8 * int64(len(x)))
	for b.Loop() {
		matVec(x, 1000, w, out)
	}
}

// BenchmarkGradPass is one flow step of cell 3 (4000×1000): compare its
// MB/s with BenchmarkReadBandwidth's.
func BenchmarkGradPass(b *testing.B) {
	n, d := 4000, 1000
	X := make([]float64, n*d)
	for i := range X {
		X[i] = float64(i%13) / 13
	}
	y := make([]float64, n)
	w := make([]float64, d)
	g := make([]float64, d)
	b.SetBytes(8 * int64(len(X)))
	for b.Loop() {
		gradPass(X, d, w, y, g)
	}
}
