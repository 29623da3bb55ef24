package figure

import (
	"math"
	"strings"
	"testing"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
)

func TestGeometric(t *testing.T) {
	for _, c := range []struct {
		vals []float64
		want bool
	}{
		{[]float64{10, 100, 1000}, true},          // constant ratio 10
		{[]float64{1000, 10, 100}, true},          // order does not matter
		{[]float64{100, 200, 400, 800}, true},     // constant ratio 2
		{[]float64{100, 200, 410}, true},          // ratios 2 and 2.05: within 10%
		{[]float64{100, 200, 500}, false},         // ratios 2 and 2.5, span 5
		{[]float64{1, 2, 5, 10, 20, 50}, true},    // ratios vary, but 3+ values over ≥ 10×
		{[]float64{10, 20, 30}, false},            // arithmetic: ratios 2 and 1.5
		{[]float64{10, 20, 30, 40, 100}, true},    // 3+ values spanning 10×
		{[]float64{5, 6, 8}, false},               // ratios 1.2 and 1.33
		{[]float64{5, 6, 7}, true},                // ratios 1.2 and 1.17 are within 10%
		{[]float64{10, 20}, true},                 // one ratio
		{[]float64{10, 10, 20}, true},             // repeats count once
		{[]float64{7}, false},                     // a single value
		{[]float64{}, false},                      // no value
		{[]float64{0, 10, 100}, false},            // not all positive
		{[]float64{-100, -10, -1}, false},         // negative
		{[]float64{1, math.Inf(1), 100}, false},   // infinite
		{[]float64{1, math.NaN(), 10, 100}, true}, // NaN left out
	} {
		if got := geometric(c.vals); got != c.want {
			t.Errorf("geometric(%v) = %v, want %v", c.vals, got, c.want)
		}
	}
}

func TestGridAxis(t *testing.T) {
	a := newGridAxis("n", []int32{400, 100, 200, 100})
	if !a.log || !equal(a.values, []float64{100, 200, 400}) {
		t.Fatalf("axis %+v, want log over 100, 200, 400", a)
	}
	if !equal(a.coords(), []float64{2, math.Log10(200), math.Log10(400)}) {
		t.Errorf("coords %v, want log10 of the values", a.coords())
	}
	if a.index(200) != 1 || a.index(300) != -1 {
		t.Errorf("index(200) = %d, index(300) = %d; want 1, -1", a.index(200), a.index(300))
	}

	// Many values: every other one labelled, every one ticked.
	vals := make([]int32, 12)
	for i := range vals {
		vals[i] = int32(i + 1)
	}
	ticks := newGridAxis("d", vals).ticks()
	if len(ticks) != 12 {
		t.Fatalf("%d ticks, want 12", len(ticks))
	}
	labelled := 0
	for _, tk := range ticks {
		if tk.Label != "" {
			labelled++
		}
	}
	if labelled > maxTickLabels || ticks[0].Label != "1" {
		t.Errorf("%d of 12 labelled, first %q; want at most %d, the first labelled", labelled, ticks[0].Label, maxTickLabels)
	}
}

func TestEdges(t *testing.T) {
	for _, c := range []struct{ in, want []float64 }{
		{[]float64{5}, []float64{4.5, 5.5}},
		{[]float64{1, 2, 3}, []float64{0.5, 1.5, 2.5, 3.5}},
		{[]float64{10, 20, 40}, []float64{5, 15, 30, 50}},
		{nil, nil},
	} {
		if got := edges(c.in); !equal(got, c.want) {
			t.Errorf("edges(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestLogTicks(t *testing.T) {
	labels := func(lo, hi float64) string {
		var l []string
		for _, tk := range logTicks(lo, hi) {
			if tk.Label != "" {
				l = append(l, tk.Label)
			}
			if tk.Value < lo*(1-1e-9) || tk.Value > hi*(1+1e-9) {
				t.Errorf("logTicks(%v, %v) has a tick at %v, out of range", lo, hi, tk.Value)
			}
		}
		return strings.Join(l, " ")
	}
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{1, 1000, "1 10 100 1000"},
		{1e5, 1e7, "100000 200000 500000 1e+06 2e+06 5e+06 1e+07"},
		{0.01, 10, "0.01 0.1 1 10"},
		{1, 100, "1 2 5 10 20 50 100"},
		{2, 8, "2 5"},
		{2, 4, "2 3 4"},
		{2.1, 2.9, "2.1 2.9"},
	} {
		if got := labels(c.lo, c.hi); got != c.want {
			t.Errorf("logTicks(%v, %v) labels %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
	if got := logTicks(1e-300, 1e300); len(got) == 0 {
		t.Error("logTicks over 600 decades is empty")
	}
	for _, bad := range [][2]float64{{0, 1}, {-1, 1}, {2, 1}, {1, math.Inf(1)}, {math.NaN(), 1}} {
		if got := logTicks(bad[0], bad[1]); got != nil {
			t.Errorf("logTicks(%v, %v) = %v, want none", bad[0], bad[1], got)
		}
	}
}

func TestCkptAxis(t *testing.T) {
	flow := testSettings()
	a, err := newCkptAxis(flow, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !a.log || a.inverted || a.lo != 1 || a.hi != 100 || a.label != "time t (log scale)" {
		t.Errorf("flow axis %+v, want log over [1, 100]", a)
	}

	// A theory curve stretches the range, but only with drawable points.
	a, err = newCkptAxis(flow, []TheoryCurve{{Checkpoints: []float64{0, -1, 0.5, 300, math.NaN()}, Cos: make([]float64, 5)}})
	if err != nil {
		t.Fatal(err)
	}
	if a.lo != 0.5 || a.hi != 300 {
		t.Errorf("range with theory [%v, %v], want [0.5, 300]", a.lo, a.hi)
	}

	// A checkpoint at t = 0 makes the axis linear.
	flow.Times = []float64{0, 5, 10}
	if a, _ = newCkptAxis(flow, nil); a.log || a.label != "time t" {
		t.Errorf("axis from t = 0: %+v, want linear", a)
	}

	ridge := testSettings()
	ridge.Mode = w2sv1.Mode_MODE_RIDGE
	ridge.Lambdas = []float64{10, 1, 0.1}
	if a, _ = newCkptAxis(ridge, nil); !a.log || !a.inverted || a.lo != 0.1 || a.hi != 10 || !strings.Contains(a.label, "decreasing") {
		t.Errorf("ridge axis %+v, want log, inverted over [0.1, 10]", a)
	}

	// A single checkpoint gets a range around it.
	ridge.Lambdas = []float64{1}
	if a, _ = newCkptAxis(ridge, nil); !(a.lo < 1 && a.hi > 1) {
		t.Errorf("single-checkpoint range [%v, %v] does not surround 1", a.lo, a.hi)
	}

	ridge.Lambdas = nil
	_, err = newCkptAxis(ridge, nil)
	wantError(t, "no checkpoints", err, "no finite checkpoint")
}
