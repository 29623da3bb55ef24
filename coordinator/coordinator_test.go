package coordinator

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/protobuf/proto"

	"github.com/w2s-lab/w2s/node"
	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
	"github.com/w2s-lab/w2s/solver"
)

// testSettings is a small sweep with several cells, shapes on both sides
// of n = d, and the given mode and labels.
func testSettings(mode w2sv1.Mode, labels w2sv1.Labels, trials int32) *w2sv1.SweepSettings {
	s := &w2sv1.SweepSettings{
		ProtocolVersion: 1, Seed: 20261204,
		N: []int32{40, 120}, D: []int32{8, 60}, Margin: []float64{1, 3},
		Trials: trials, RhoS: 0.8, RhoT: 0.6, Labels: labels, Mode: mode,
	}
	if mode == w2sv1.Mode_MODE_RIDGE {
		s.Lambdas = solver.DefaultLambdas
	} else {
		s.Times, s.EtaMax = []float64{0.5, 2, 8}, 1
	}
	return s
}

// runSweep creates a store for s in a temporary directory and runs it.
func runSweep(t *testing.T, s *w2sv1.SweepSettings, opts Options) *results.Store {
	t.Helper()
	st, err := results.Create(filepath.Join(t.TempDir(), "sweep.w2s"), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sum, err := Run(context.Background(), st, opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	want := int64(len(s.Cells())) * int64(s.Trials)
	if sum.Trials != want {
		t.Fatalf("run computed %d trials, want %d", sum.Trials, want)
	}
	return st
}

func digest(t *testing.T, st *results.Store) ([32]byte, int) {
	t.Helper()
	d, n, err := st.RecordsDigest()
	if err != nil {
		t.Fatal(err)
	}
	return d, n
}

// The same sweep with 1 worker and shards of 7 trials, and with 4 workers
// and shards of 64, stores byte-identical records; and every record equals
// the trial computed directly by the solver.
func TestDeterminismAcrossWorkersAndShards(t *testing.T) {
	for _, c := range []struct {
		mode   w2sv1.Mode
		labels w2sv1.Labels
	}{
		{w2sv1.Mode_MODE_FLOW, w2sv1.Labels_LABELS_SOFT},
		{w2sv1.Mode_MODE_FLOW, w2sv1.Labels_LABELS_SAMPLED},
		{w2sv1.Mode_MODE_RIDGE, w2sv1.Labels_LABELS_HARD},
	} {
		s := testSettings(c.mode, c.labels, 70)
		a := runSweep(t, s, Options{Workers: 1, ShardSize: 7})
		b := runSweep(t, s, Options{Workers: 4, ShardSize: 64})
		da, na := digest(t, a)
		db, nb := digest(t, b)
		if want := len(s.Cells()) * int(s.Trials); na != want || nb != want {
			t.Fatalf("%v/%v: %d and %d records, want %d", c.mode, c.labels, na, nb, want)
		}
		if da != db {
			t.Errorf("%v/%v: records differ between 1 worker × shards of 7 and 4 workers × shards of 64", c.mode, c.labels)
		}
		// Spot-check records against the solver run directly.
		settings, err := node.Validate(s)
		if err != nil {
			t.Fatal(err)
		}
		for ord, pc := range s.Cells() {
			for _, i := range []int32{0, 33, s.Trials - 1} {
				got, ok, err := a.Get(uint32(ord), i)
				if err != nil || !ok {
					t.Fatalf("record (%d, %d): ok=%v err=%v", ord, i, ok, err)
				}
				var ws solver.Workspace
				var o solver.Outcome
				if err := ws.Run(&settings, solver.Cell{N: int(pc.N), D: int(pc.D), Margin: pc.Margin}, int(i), &o); err != nil {
					t.Fatal(err)
				}
				if want := node.OutcomeProto(pc, i, &o); !proto.Equal(got, want) {
					t.Errorf("record (%d, %d) differs from a direct solver run:\n got %v\nwant %v", ord, i, got, want)
				}
			}
		}
	}
}

// Running a complete store again computes nothing; running a store with
// holes computes exactly the holes and ends identical to a full run.
func TestRunFillsOnlyMissing(t *testing.T) {
	s := testSettings(w2sv1.Mode_MODE_FLOW, w2sv1.Labels_LABELS_SOFT, 30)
	full := runSweep(t, s, Options{Workers: 2})
	want, _ := digest(t, full)

	sum, err := Run(context.Background(), full, Options{Workers: 2})
	if err != nil || sum.Trials != 0 {
		t.Fatalf("second run over a complete store: %d trials, err %v", sum.Trials, err)
	}

	// A store holding every third record of the full one.
	part, err := results.Create(filepath.Join(t.TempDir(), "part.w2s"), s)
	if err != nil {
		t.Fatal(err)
	}
	defer part.Close()
	var recs []results.Record
	for ord := range s.Cells() {
		if err := full.ForEach(uint32(ord), func(o *w2sv1.TrialOutcome) error {
			if o.Trial%3 == 0 {
				recs = append(recs, results.Record{Cell: uint32(ord), Outcome: o})
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := part.Put(recs); err != nil {
		t.Fatal(err)
	}
	sum, err = Run(context.Background(), part, Options{Workers: 3, ShardSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	if wantRun := int64(len(s.Cells())*int(s.Trials) - len(recs)); sum.Trials != wantRun {
		t.Errorf("resumed run computed %d trials, want %d", sum.Trials, wantRun)
	}
	if got, _ := digest(t, part); got != want {
		t.Error("a store completed from holes differs from an uninterrupted run")
	}
}

func TestPlanShards(t *testing.T) {
	ranges := []*w2sv1.TrialRange{{Start: 0, End: 5}, {Start: 8, End: 20}}
	shards := split(3, ranges, 7, 1)
	var got []string
	total := 0
	for _, sh := range shards {
		got = append(got, rangesString(sh.ranges))
		total += sh.count
		if sh.count > 7 || sh.cell != 3 {
			t.Errorf("shard %v has %d trials", sh, sh.count)
		}
	}
	if total != 17 || len(shards) != 3 {
		t.Errorf("shards %v: %d trials in %d shards, want 17 in 3", got, total, len(shards))
	}
	if got[0] != "0-4,8-9" || got[2] != "17-19" {
		t.Errorf("shards %v", got)
	}
	rest := remainder(shards[0], map[int32]bool{0: true, 2: true, 9: true})
	if rest == nil || rangesString(rest.ranges) != "1,3-4,8" || rest.count != 4 {
		t.Errorf("remainder = %v", rest)
	}
	if remainder(shards[2], map[int32]bool{17: true, 18: true, 19: true}) != nil {
		t.Error("a complete shard has a remainder")
	}
}

func TestRunMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	s := testSettings(w2sv1.Mode_MODE_FLOW, w2sv1.Labels_LABELS_SOFT, 20)
	runSweep(t, s, Options{Workers: 2, ShardSize: 5, Metrics: m})
	total := float64(len(s.Cells()) * int(s.Trials))
	if got := testutil.ToFloat64(m.stored); got != total {
		t.Errorf("w2s_coordinator_trials_stored_total = %v, want %v", got, total)
	}
	if got := testutil.ToFloat64(m.remaining); got != 0 {
		t.Errorf("w2s_coordinator_trials_remaining = %v, want 0", got)
	}
	if got := testutil.ToFloat64(m.nodes.WithLabelValues("ready")); got != 1 {
		t.Errorf("w2s_coordinator_nodes{state=ready} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.inFlight.WithLabelValues("in-process")); got != 0 {
		t.Errorf("shards in flight after the run = %v", got)
	}
	if n := testutil.CollectAndCount(reg, "w2s_coordinator_store_commit_seconds"); n != 1 {
		t.Errorf("commit latency histogram: %d series", n)
	}
	if r := m.rate.Rate(); !(r > 0) {
		t.Errorf("trials per second = %v right after the run", r)
	}
}
