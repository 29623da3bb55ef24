package results

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
)

func TestWilson(t *testing.T) {
	if z := distuv.UnitNormal.Quantile(0.975); math.Abs(z-wilsonZ) > 1e-12 {
		t.Errorf("z = %v, the 0.975 quantile is %v", wilsonZ, z)
	}
	for _, c := range []struct {
		k, n   int
		lo, hi float64
	}{
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{5, 10, 0.2366, 0.7634},
		{81, 263, 0.2553, 0.3662},
		{2, 6, 0.0968, 0.7000},
		{1, 1, 0.2065, 1},
	} {
		lo, hi := Wilson(c.k, c.n)
		if math.Abs(lo-c.lo) > 1e-4 || math.Abs(hi-c.hi) > 1e-4 {
			t.Errorf("Wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", c.k, c.n, lo, hi, c.lo, c.hi)
		}
	}
	if lo, hi := Wilson(0, 10); lo != 0 {
		t.Errorf("Wilson(0, 10) low end %v, want exactly 0 (high %v)", lo, hi)
	}
	if _, hi := Wilson(10, 10); hi != 1 {
		t.Errorf("Wilson(10, 10) high end %v, want exactly 1", hi)
	}
	for n := 1; n <= 60; n++ {
		for k := 0; k <= n; k++ {
			lo, hi := Wilson(k, n)
			lo2, hi2 := Wilson(n-k, n)
			if math.Abs(lo-(1-hi2)) > 1e-12 || math.Abs(hi-(1-lo2)) > 1e-12 {
				t.Errorf("Wilson(%d, %d) = [%v, %v] is not the mirror of Wilson(%d, %d) = [%v, %v]", k, n, lo, hi, n-k, n, lo2, hi2)
			}
			p := float64(k) / float64(n)
			if !(0 <= lo && lo <= p && p <= hi && hi <= 1) {
				t.Errorf("Wilson(%d, %d) = [%v, %v] does not hold %v", k, n, lo, hi, p)
			}
		}
	}
	for _, c := range [][2]int{{0, 0}, {1, 0}, {-1, 5}, {6, 5}} {
		if lo, hi := Wilson(c[0], c[1]); !math.IsNaN(lo) || !math.IsNaN(hi) {
			t.Errorf("Wilson(%d, %d) = [%v, %v], want NaN", c[0], c[1], lo, hi)
		}
	}
}

// aggSettings has two cells, (γ=0.5, n=10, d=5) and (γ=1, n=10, d=5), eight
// trials per cell and checkpoint times 1 and 2.
func aggSettings() *w2sv1.SweepSettings {
	return &w2sv1.SweepSettings{
		ProtocolVersion: 1,
		Seed:            1,
		N:               []int32{10},
		D:               []int32{5},
		Margin:          []float64{0.5, 1},
		Trials:          8,
		RhoS:            0.3,
		RhoT:            0.6,
		Labels:          w2sv1.Labels_LABELS_HARD,
		Mode:            w2sv1.Mode_MODE_FLOW,
		Times:           []float64{1, 2},
	}
}

// aggStore returns a store of aggSettings in which cell 0 holds six trials
// with the cosines below and cell 1 holds none.
func aggStore(t *testing.T) *Store {
	t.Helper()
	settings := aggSettings()
	s := mustCreate(t, tempPath(t), settings)
	nan := math.NaN()
	trials := []struct {
		ct, c0   float64
		cos      [2]float64
		diverged bool
	}{
		{0.5, 0.3, [2]float64{0.4, 0.6}, false},   // 0: k0 improves; k1 all; any
		{0.2, 0.6, [2]float64{0.5, 0.7}, false},   // 1: k0 beats; k1 all; any
		{0.5, 0.4, [2]float64{0.45, nan}, true},   // 2: k0 improves; k1 none; not any
		{0.5, 0.4, [2]float64{0.9, 0.3}, false},   // 3: k0 all; k1 none; any
		{0.5, 0.4, [2]float64{nan, nan}, true},    // 4: nothing
		{0.7, 0.1, [2]float64{0.7, 0.65}, false},  // 5: k0, k1 improve only (ties fail); not any
		{0.5, nan, [2]float64{0.6, 0.55}, false},  // 6: k0, k1 beat only; not any (NaN c₀)
		{0.5, 0.4, [2]float64{0.42, 0.41}, false}, // 7: k0, k1 improve only; not any
	}
	var recs []Record
	for i, tr := range trials {
		recs = append(recs, Record{Cell: 0, Outcome: &w2sv1.TrialOutcome{
			Cell:       settings.Cells()[0],
			Trial:      int32(i),
			CosTeacher: tr.ct,
			CosInitial: tr.c0,
			Cos:        tr.cos[:],
			Diverged:   tr.diverged,
		}})
	}
	if err := s.Put(recs); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAggregate(t *testing.T) {
	s := aggStore(t)
	surf, err := Aggregate(s)
	if err != nil {
		t.Fatal(err)
	}
	if surf.Settings != s.Settings() {
		t.Error("surface settings are not the store's")
	}
	if len(surf.Rows) != 2*(3*2+1) {
		t.Fatalf("%d rows, want 14", len(surf.Rows))
	}

	// Order: cell, checkpoint, event; w2s_any last in each cell.
	i := 0
	for _, margin := range []float64{0.5, 1} {
		for k := range 2 {
			for _, ev := range []string{"beats_teacher", "improves", "w2s"} {
				r := surf.Rows[i]
				if r.Margin != margin || r.N != 10 || r.D != 5 || r.CheckpointIndex != k || r.Checkpoint != float64(k+1) || r.CheckpointKind != "time" || r.Event != ev {
					t.Errorf("row %d = %+v, want margin %v, checkpoint %d, event %s", i, r, margin, k, ev)
				}
				i++
			}
		}
		r := surf.Rows[i]
		if r.Margin != margin || r.CheckpointIndex != -1 || !math.IsNaN(r.Checkpoint) || r.CheckpointKind != "best" || r.Event != "w2s_any" {
			t.Errorf("row %d = %+v, want the w2s_any row of margin %v", i, r, margin)
		}
		i++
	}

	// Cell 0, by hand. Gains are c − max(c_t, c₀), NaN (left out) for
	// trial 6, whose c₀ is NaN; cosines are NaN for trial 4 and, at k = 1,
	// trial 2.
	want := []struct {
		k         int
		event     string
		successes int
		gain, cos float64
	}{
		{0, "beats_teacher", 3, (-0.1 - 0.1 - 0.05 + 0.4 + 0 - 0.08) / 6, (0.4 + 0.5 + 0.45 + 0.9 + 0.7 + 0.6 + 0.42) / 7},
		{0, "improves", 5, (-0.1 - 0.1 - 0.05 + 0.4 + 0 - 0.08) / 6, (0.4 + 0.5 + 0.45 + 0.9 + 0.7 + 0.6 + 0.42) / 7},
		{0, "w2s", 1, (-0.1 - 0.1 - 0.05 + 0.4 + 0 - 0.08) / 6, (0.4 + 0.5 + 0.45 + 0.9 + 0.7 + 0.6 + 0.42) / 7},
		{1, "beats_teacher", 3, (0.1 + 0.1 - 0.2 - 0.05 - 0.09) / 5, (0.6 + 0.7 + 0.3 + 0.65 + 0.55 + 0.41) / 6},
		{1, "improves", 4, (0.1 + 0.1 - 0.2 - 0.05 - 0.09) / 5, (0.6 + 0.7 + 0.3 + 0.65 + 0.55 + 0.41) / 6},
		{1, "w2s", 2, (0.1 + 0.1 - 0.2 - 0.05 - 0.09) / 5, (0.6 + 0.7 + 0.3 + 0.65 + 0.55 + 0.41) / 6},
		// max_k c_k: 0.6, 0.7, 0.45, 0.9, NaN, 0.7, 0.6, 0.42.
		{-1, "w2s_any", 3, (0.1 + 0.1 - 0.05 + 0.4 + 0 - 0.08) / 6, (0.6 + 0.7 + 0.45 + 0.9 + 0.7 + 0.6 + 0.42) / 7},
	}
	for j, w := range want {
		r := surf.Rows[j]
		if r.CheckpointIndex != w.k || r.Event != w.event {
			t.Fatalf("row %d is (%d, %s), want (%d, %s)", j, r.CheckpointIndex, r.Event, w.k, w.event)
		}
		if r.Trials != 8 || r.Successes != w.successes || r.Diverged != 2 {
			t.Errorf("(%d, %s): trials %d, successes %d, diverged %d; want 8, %d, 2", w.k, w.event, r.Trials, r.Successes, r.Diverged, w.successes)
		}
		if p := float64(w.successes) / 8; r.PHat != p {
			t.Errorf("(%d, %s): p̂ = %v, want %v", w.k, w.event, r.PHat, p)
		}
		if lo, hi := Wilson(w.successes, 8); r.WilsonLow != lo || r.WilsonHigh != hi {
			t.Errorf("(%d, %s): interval [%v, %v], want [%v, %v]", w.k, w.event, r.WilsonLow, r.WilsonHigh, lo, hi)
		}
		if math.Abs(r.MeanGain-w.gain) > 1e-12 {
			t.Errorf("(%d, %s): mean gain %v, want %v", w.k, w.event, r.MeanGain, w.gain)
		}
		if math.Abs(r.MeanCos-w.cos) > 1e-12 {
			t.Errorf("(%d, %s): mean cos %v, want %v", w.k, w.event, r.MeanCos, w.cos)
		}
	}

	// Cell 1 has no records.
	for _, r := range surf.Rows[7:] {
		if r.Trials != 0 || r.Successes != 0 || r.Diverged != 0 {
			t.Errorf("empty cell: %+v", r)
		}
		for _, x := range []float64{r.PHat, r.WilsonLow, r.WilsonHigh, r.MeanGain, r.MeanCos} {
			if !math.IsNaN(x) {
				t.Errorf("empty cell: %+v, want NaN statistics", r)
				break
			}
		}
	}
}

func TestAggregateRidge(t *testing.T) {
	settings := aggSettings()
	settings.Mode = w2sv1.Mode_MODE_RIDGE
	settings.Times = nil
	settings.Lambdas = []float64{10, 1, 0.1}
	s := mustCreate(t, tempPath(t), settings)
	err := s.Put([]Record{{Cell: 1, Outcome: &w2sv1.TrialOutcome{
		Cell: settings.Cells()[1], Trial: 3, CosTeacher: 0.5, CosInitial: 0.2, Cos: []float64{0.3, 0.6, 0.55},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	surf, err := Aggregate(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(surf.Rows) != 2*(3*3+1) {
		t.Fatalf("%d rows, want 20", len(surf.Rows))
	}
	for _, r := range surf.Rows {
		want := "lambda"
		if r.Event == "w2s_any" {
			want = "best"
		} else if r.Checkpoint != settings.Lambdas[r.CheckpointIndex] {
			t.Errorf("row %+v: checkpoint is not λ_%d", r, r.CheckpointIndex)
		}
		if r.CheckpointKind != want {
			t.Errorf("row %+v: kind %q, want %q", r, r.CheckpointKind, want)
		}
	}
	r, ok := surf.Lookup(1, 1, "w2s")
	if !ok || r.Margin != 1 || r.Checkpoint != 1 || r.Successes != 1 || r.Trials != 1 || math.Abs(r.MeanGain-0.1) > 1e-15 {
		t.Errorf("Lookup(1, 1, w2s) = %+v, %v", r, ok)
	}
	r, ok = surf.Lookup(1, 0, "w2s")
	if !ok || r.Successes != 0 || r.PHat != 0 {
		t.Errorf("Lookup(1, 0, w2s) = %+v, %v", r, ok)
	}
	r, ok = surf.Lookup(1, -1, "w2s_any")
	if !ok || r.Successes != 1 || r.MeanCos != 0.6 {
		t.Errorf("Lookup(1, -1, w2s_any) = %+v, %v", r, ok)
	}
}

func TestLookup(t *testing.T) {
	surf, err := Aggregate(aggStore(t))
	if err != nil {
		t.Fatal(err)
	}
	for cell := range 2 {
		for k := -1; k < 2; k++ {
			for _, ev := range Events {
				r, ok := surf.Lookup(cell, k, ev)
				if wantOK := (k == -1) == (ev == "w2s_any"); ok != wantOK {
					t.Errorf("Lookup(%d, %d, %s): ok = %v", cell, k, ev, ok)
					continue
				}
				if ok && (r.Margin != []float64{0.5, 1}[cell] || r.CheckpointIndex != k || r.Event != ev) {
					t.Errorf("Lookup(%d, %d, %s) = %+v", cell, k, ev, r)
				}
			}
		}
	}
	for _, c := range []struct {
		cell, k int
		ev      string
	}{{2, 0, "w2s"}, {-1, 0, "w2s"}, {0, 2, "w2s"}, {0, 0, "nope"}, {0, 0, "w2s_any"}} {
		if _, ok := surf.Lookup(c.cell, c.k, c.ev); ok {
			t.Errorf("Lookup(%d, %d, %s) found a row", c.cell, c.k, c.ev)
		}
	}
	// Rows filtered by the caller: still found.
	want, _ := surf.Lookup(0, 1, "improves")
	surf.Rows = surf.Rows[3:]
	if r, ok := surf.Lookup(0, 1, "improves"); !ok || r != want {
		t.Errorf("Lookup after filtering = %+v, %v", r, ok)
	}
	if _, ok := surf.Lookup(0, 0, "w2s"); ok {
		t.Error("Lookup found a filtered-out row")
	}
}
