package figure

import (
	"math"
	"slices"
	"strconv"
	"testing"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
)

// pathSettings is one margin, n and d each with two values (four cells),
// eleven trials per cell and three checkpoint times.
func pathSettings() *w2sv1.SweepSettings {
	s := testSettings()
	s.Margin = []float64{1}
	s.N = []int32{100, 200}
	s.D = []int32{10, 20}
	s.Trials = 11
	return s
}

func TestPaths(t *testing.T) {
	settings := pathSettings()
	s := createStore(t, settings)
	cell := settings.Cells()[2] // (γ = 1, n = 200, d = 10)
	nan := math.NaN()
	// Checkpoint 0: 0, 0.1, …, 1 in scrambled trial order.
	// Checkpoint 1: 1…5 and six NaNs.
	// Checkpoint 2: NaN throughout.
	order := []int{3, 9, 0, 10, 5, 1, 7, 2, 8, 4, 6}
	var recs []results.Record
	for trial, v := range order {
		c1 := nan
		if trial < 5 {
			c1 = float64(5 - trial)
		}
		ct, c0 := 0.5+0.01*float64(trial), 0.1
		if trial == 0 {
			c0 = nan
		}
		recs = append(recs, results.Record{Cell: 2, Outcome: &w2sv1.TrialOutcome{
			Cell: cell, Trial: int32(trial), CosTeacher: ct, CosInitial: c0,
			Cos: []float64{float64(v) / 10, c1, nan},
		}})
	}
	if err := s.Put(recs); err != nil {
		t.Fatal(err)
	}

	paths, err := Paths(s, []int{2, 0, 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 || paths[0].Cell != 2 || paths[1].Cell != 0 || paths[2].Cell != 2 {
		t.Fatalf("paths for cells %v, want 2, 0, 2 in that order", []int{paths[0].Cell, paths[1].Cell, paths[2].Cell})
	}
	p := paths[0]
	if p.N != 200 || p.D != 10 || p.Margin != 1 || p.Trials != 11 || !slices.Equal(p.Checkpoints, []float64{1, 10, 100}) {
		t.Errorf("path %+v: want n 200, d 10, γ 1, 11 trials, checkpoints 1, 10, 100", p)
	}
	close := func(what string, got, want float64) {
		t.Helper()
		if math.IsNaN(want) != math.IsNaN(got) || (!math.IsNaN(want) && math.Abs(got-want) > 1e-12) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	// Type 7: h = (m−1)q. Checkpoint 0: m = 11, h = 1 and 9, exact order
	// statistics. Checkpoint 1: m = 5, h = 0.4 and 3.6.
	close("mean at 0", p.Mean[0], 0.5)
	close("Q10 at 0", p.Q10[0], 0.1)
	close("Q90 at 0", p.Q90[0], 0.9)
	close("mean at 1", p.Mean[1], 3)
	close("Q10 at 1", p.Q10[1], 1.4)
	close("Q90 at 1", p.Q90[1], 4.6)
	close("mean at 2", p.Mean[2], nan)
	close("Q10 at 2", p.Q10[2], nan)
	close("Q90 at 2", p.Q90[2], nan)
	close("mean c_t", p.CosTeacher, 0.55)
	close("mean c₀", p.CosInitial, 0.1)

	// Cell 0 has no records.
	e := paths[1]
	if e.Trials != 0 || !math.IsNaN(e.Mean[0]) || !math.IsNaN(e.Q90[2]) || !math.IsNaN(e.CosTeacher) {
		t.Errorf("empty cell path %+v, want 0 trials and NaNs", e)
	}
}

func TestQuantile(t *testing.T) {
	for _, c := range []struct {
		sorted  []float64
		q, want float64
	}{
		{[]float64{7}, 0.1, 7},
		{[]float64{7}, 0.9, 7},
		{[]float64{1, 2}, 0.1, 1.1},
		{[]float64{1, 2}, 0.9, 1.9},
		{[]float64{1, 2, 3, 4, 5}, 0, 1},
		{[]float64{1, 2, 3, 4, 5}, 1, 5},
		{[]float64{1, 2, 3, 4, 5}, 0.5, 3},
		{[]float64{-1, 0, 0, 1}, 0.9, 0.7},
		{[]float64{0, 1, math.Inf(1)}, 0.5, 1},
	} {
		if got := quantile(c.sorted, c.q); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("quantile(%v, %v) = %v, want %v", c.sorted, c.q, got, c.want)
		}
	}
	if got := quantile(nil, 0.5); !math.IsNaN(got) {
		t.Errorf("quantile of nothing = %v, want NaN", got)
	}
}

func TestPathsErrors(t *testing.T) {
	s := createStore(t, pathSettings())
	for _, bad := range []int{-1, 4, 99} {
		_, err := Paths(s, []int{0, bad})
		wantError(t, "bad cell", err, "cell ordinal "+strconv.Itoa(bad), "[0, 4)")
	}
	_, err := Paths(nil, []int{0})
	wantError(t, "nil store", err, "no store")
	if paths, err := Paths(s, nil); err != nil || len(paths) != 0 {
		t.Errorf("Paths of no cells = %v, %v; want none", paths, err)
	}
}
