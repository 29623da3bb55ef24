package coordinator

// PROTOCOL.md's sanity values, checked through the whole system (in-process
// node over gRPC, bbolt store, aggregation).
//
// Each claim about a probability becomes a one-sided binomial test at level
// α = 1e-3: "P ≈ 1" is read as p ≥ pHigh and fails only if the observed
// count is so low that P(K ≤ k | p = pHigh) < α; "P ≈ 0" is read as
// p ≤ pLow and fails only if P(K ≥ k | p = pLow) < α. The seeds are fixed,
// so the outcome is deterministic; the thresholds come from the binomial
// law, not from the observed values.

import (
	"math"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
	"github.com/w2s-lab/w2s/solver"
)

const alpha = 1e-3

// atLeast checks the claim p ≥ p0 against k successes in R trials.
func atLeast(t *testing.T, what string, k, R int, p0 float64) {
	t.Helper()
	// P(K ≤ k) under p0.
	if tail := (distuv.Binomial{N: float64(R), P: p0}).CDF(float64(k)); tail < alpha {
		t.Errorf("%s: %d/%d, but p ≥ %v gives P(K ≤ %d) = %.2g < %v", what, k, R, p0, k, tail, alpha)
	}
}

// atMost checks the claim p ≤ p0 against k successes in R trials.
func atMost(t *testing.T, what string, k, R int, p0 float64) {
	t.Helper()
	// P(K ≥ k) = 1 − P(K ≤ k−1) under p0.
	tail := 1.0
	if k > 0 {
		tail = 1 - (distuv.Binomial{N: float64(R), P: p0}).CDF(float64(k-1))
	}
	if tail < alpha {
		t.Errorf("%s: %d/%d, but p ≤ %v gives P(K ≥ %d) = %.2g < %v", what, k, R, p0, k, tail, alpha)
	}
}

func sanitySweep(t *testing.T, s *w2sv1.SweepSettings) (*results.Surface, *results.Store) {
	t.Helper()
	st := runSweep(t, s, Options{})
	surf, err := results.Aggregate(st)
	if err != nil {
		t.Fatal(err)
	}
	return surf, st
}

func row(t *testing.T, surf *results.Surface, cell, k int, event string) results.Row {
	t.Helper()
	r, ok := surf.Lookup(cell, k, event)
	if !ok {
		t.Fatalf("no row for cell %d checkpoint %d event %s", cell, k, event)
	}
	return r
}

// Flow, n = 1000, d = 100, γ = 2, soft labels: w2s in essentially every
// trial at t = 0.25 … 2 and in none at t ≥ 8; the mean cosine rises above
// 0.8 early, then falls toward ρ_t = 0.6.
func TestSanityFlow(t *testing.T) {
	const R = 120
	s := &w2sv1.SweepSettings{ProtocolVersion: 1, Seed: 1, N: []int32{1000}, D: []int32{100}, Margin: []float64{2},
		Trials: R, RhoS: 0.8, RhoT: 0.6, Labels: w2sv1.Labels_LABELS_SOFT, Mode: w2sv1.Mode_MODE_FLOW,
		Times: solver.DefaultTimes, EtaMax: 1}
	surf, st := sanitySweep(t, s)
	for k, tk := range s.Times {
		r := row(t, surf, 0, k, results.EventW2S)
		switch {
		case tk <= 2:
			atLeast(t, "P(w2s) at t="+fmtF(tk), r.Successes, r.Trials, 0.97)
		case tk >= 8:
			atMost(t, "P(w2s) at t="+fmtF(tk), r.Successes, r.Trials, 0.03)
		}
	}
	// Mean cosine: above 0.8 at t = 2 and within 0.01 of 0.6 at t = 64, each
	// by more than 4 standard errors.
	mean, se := cosStats(t, st, 0, 3)
	if mean-4*se <= 0.8 {
		t.Errorf("mean cosine at t=2 is %.4f ± %.4f, want above 0.8", mean, se)
	}
	mean64, se64 := cosStats(t, st, 0, len(s.Times)-1)
	if math.Abs(mean64-0.6)+4*se64 >= 0.01 {
		t.Errorf("mean cosine at t=64 is %.4f ± %.4f, want within 0.01 of 0.6", mean64, se64)
	}
	if mean8, _ := cosStats(t, st, 0, 5); !(mean > mean8 && mean8 > mean64) {
		t.Errorf("mean cosine does not fall after t=2: %.4f, %.4f, %.4f at t=2, 8, 64", mean, mean8, mean64)
	}
}

// Ridge, same cell: P(w2s) about 1 for λ ≥ 1 and about 0 for λ ≤ 0.03;
// warm-started Newton needs no more than about 6 iterations per λ.
func TestSanityRidge(t *testing.T) {
	const R = 60
	s := &w2sv1.SweepSettings{ProtocolVersion: 1, Seed: 2, N: []int32{1000}, D: []int32{100}, Margin: []float64{2},
		Trials: R, RhoS: 0.8, RhoT: 0.6, Labels: w2sv1.Labels_LABELS_SOFT, Mode: w2sv1.Mode_MODE_RIDGE,
		Lambdas: solver.DefaultLambdas}
	surf, st := sanitySweep(t, s)
	for k, l := range s.Lambdas {
		r := row(t, surf, 0, k, results.EventW2S)
		switch {
		case l >= 1:
			atLeast(t, "P(w2s) at λ="+fmtF(l), r.Successes, r.Trials, 0.95)
		case l <= 0.03:
			atMost(t, "P(w2s) at λ="+fmtF(l), r.Successes, r.Trials, 0.05)
		}
	}
	worst := 0
	if err := st.ForEach(0, func(o *w2sv1.TrialOutcome) error {
		for k, it := range o.Steps {
			worst = max(worst, int(it))
			if o.GradNorm[k] > solver.RidgeTol {
				t.Errorf("trial %d λ=%v: ‖∇‖ = %g", o.Trial, s.Lambdas[k], o.GradNorm[k])
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if worst > 8 {
		t.Errorf("warm-started Newton took up to %d iterations per λ; PROTOCOL.md expects about 6", worst)
	}
}

// Soft labels, ρ_t = 0.3, d = 1000: early-time P(w2s) falls from about 1
// at n = 1000 to under 0.1 at n = 100.
func TestSanityFewerSamples(t *testing.T) {
	const R = 40
	s := &w2sv1.SweepSettings{ProtocolVersion: 1, Seed: 3, N: []int32{100, 1000}, D: []int32{1000}, Margin: []float64{2},
		Trials: R, RhoS: 0.8, RhoT: 0.3, Labels: w2sv1.Labels_LABELS_SOFT, Mode: w2sv1.Mode_MODE_FLOW,
		Times: []float64{0.25, 0.5, 1}, EtaMax: 1}
	surf, _ := sanitySweep(t, s)
	small := row(t, surf, 0, 0, results.EventW2S) // n = 100
	large := row(t, surf, 1, 0, results.EventW2S) // n = 1000
	atLeast(t, "P(w2s) at t=0.25, n=1000", large.Successes, large.Trials, 0.9)
	atMost(t, "P(w2s) at t=0.25, n=100", small.Successes, small.Trials, 0.1)
}

// cosStats returns the mean cosine at checkpoint k over a cell's trials,
// and its standard error.
func cosStats(t *testing.T, st *results.Store, cell uint32, k int) (mean, se float64) {
	t.Helper()
	var sum, sum2 float64
	n := 0
	if err := st.ForEach(cell, func(o *w2sv1.TrialOutcome) error {
		c := o.Cos[k]
		sum += c
		sum2 += c * c
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	mean = sum / float64(n)
	v := (sum2/float64(n) - mean*mean) * float64(n) / float64(n-1)
	return mean, math.Sqrt(math.Max(v, 0) / float64(n))
}

func fmtF(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
