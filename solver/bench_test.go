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
