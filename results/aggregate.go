package results

// Aggregation: a store reduced to success rates per cell, checkpoint and
// event, with Wilson intervals and mean cosines. The events are defined in
// doc.go.

import (
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
)

// Event names.
const (
	EventBeatsTeacher = "beats_teacher"
	EventImproves     = "improves"
	EventW2S          = "w2s"
	EventW2SAny       = "w2s_any"
)

// Events are the event names, in the order of a cell's rows: the three
// per-checkpoint events, then w2s_any.
var Events = []string{EventBeatsTeacher, EventImproves, EventW2S, EventW2SAny}

// perCheckpoint is the number of events read at each checkpoint.
const perCheckpoint = 3

// checkpointEvents are the events read at each checkpoint, in row order.
var checkpointEvents = [perCheckpoint]string{EventBeatsTeacher, EventImproves, EventW2S}

// wilsonZ is the standard normal quantile of 0.975.
const wilsonZ = 1.959963984540054

// Row is the statistics of one event in one cell, at one checkpoint.
type Row struct {
	Margin float64
	N, D   int32

	// CheckpointIndex is k, the checkpoint's position in the settings, and
	// Checkpoint its time or λ; −1 and NaN for w2s_any.
	CheckpointIndex int
	Checkpoint      float64
	// CheckpointKind is "time" (flow mode), "lambda" (ridge mode) or
	// "best" (w2s_any).
	CheckpointKind string
	Event          string

	// Trials is the number of trials recorded in the cell and Successes the
	// number in which the event happened. PHat is their ratio and
	// [WilsonLow, WilsonHigh] its 95% Wilson score interval; all NaN when
	// Trials is 0.
	Trials, Successes     int
	PHat                  float64
	WilsonLow, WilsonHigh float64

	// MeanGain is the mean of c_k − max(c_t, c₀) and MeanCos the mean of
	// c_k (for w2s_any, of max_k c_k), over the trials where they are not
	// NaN; NaN if there are none.
	MeanGain, MeanCos float64

	// Diverged is the number of the cell's trials that diverged.
	Diverged int
}

// Surface is the statistics of a whole sweep. Rows are ordered by cell
// ordinal; within a cell by checkpoint index and then event (beats_teacher,
// improves, w2s), followed by the cell's w2s_any row.
type Surface struct {
	Settings *w2sv1.SweepSettings
	Rows     []Row
}

// Wilson returns the 95% Wilson score interval of the proportion
// successes/trials. It returns NaN, NaN if trials is 0 or the counts are
// inconsistent.
func Wilson(successes, trials int) (lo, hi float64) {
	if trials <= 0 || successes < 0 || successes > trials {
		return math.NaN(), math.NaN()
	}
	n := float64(trials)
	p := float64(successes) / n
	z2 := wilsonZ * wilsonZ
	denom := 1 + z2/n
	center := (p + z2/(2*n)) / denom
	half := wilsonZ * math.Sqrt(p*(1-p)/n+z2/(4*n*n)) / denom
	lo, hi = max(center-half, 0), min(center+half, 1)
	if successes == 0 {
		lo = 0
	}
	if successes == trials {
		hi = 1
	}
	return lo, hi
}

// mean accumulates the mean of the non-NaN values it is given.
type mean struct {
	sum float64
	n   int
}

func (m *mean) add(x float64) {
	if !math.IsNaN(x) {
		m.sum += x
		m.n++
	}
}

func (m *mean) value() float64 {
	if m.n == 0 {
		return math.NaN()
	}
	return m.sum / float64(m.n)
}

// tally accumulates one event's statistics at one checkpoint.
type tally struct {
	successes int
	gain, cos mean
}

// cellTally accumulates the statistics of one cell.
type cellTally struct {
	trials, diverged int
	ckpt             [][perCheckpoint]tally // per checkpoint, per event
	best             tally                  // w2s_any
}

func (t *cellTally) add(o *w2sv1.TrialOutcome) {
	t.trials++
	if o.GetDiverged() {
		t.diverged++
	}
	ct, c0 := o.GetCosTeacher(), o.GetCosInitial()
	base := math.Max(ct, c0) // NaN if either is
	best := math.NaN()
	for k, c := range o.GetCos() {
		// Comparisons with NaN are false: a NaN cosine is a failure.
		hit := [perCheckpoint]bool{c > ct, c > c0, c > ct && c > c0}
		for e := range hit {
			tk := &t.ckpt[k][e]
			if hit[e] {
				tk.successes++
			}
			tk.gain.add(c - base)
			tk.cos.add(c)
		}
		if !math.IsNaN(c) && (math.IsNaN(best) || c > best) {
			best = c
		}
	}
	if best > base { // false if either is NaN
		t.best.successes++
	}
	t.best.gain.add(best - base)
	t.best.cos.add(best)
}

// Aggregate computes the statistics of every cell of s. It reads the store
// in one transaction, one cell and one record at a time.
func Aggregate(s *Store) (*Surface, error) {
	settings := s.Settings()
	ckpts := settings.Checkpoints()
	kind := "time"
	if settings.GetMode() == w2sv1.Mode_MODE_RIDGE {
		kind = "lambda"
	}
	surf := &Surface{
		Settings: settings,
		Rows:     make([]Row, 0, len(s.cells)*(perCheckpoint*len(ckpts)+1)),
	}
	err := view(s.db, s.path, func(tx *bolt.Tx) error {
		for i, cell := range s.cells {
			t := cellTally{ckpt: make([][perCheckpoint]tally, len(ckpts))}
			err := forEachTx(tx, uint32(i), func(o *w2sv1.TrialOutcome) error {
				if len(o.GetCos()) != len(ckpts) {
					return fmt.Errorf("(cell %d, trial %d): %d cosines, the settings have %d checkpoints", i, o.GetTrial(), len(o.GetCos()), len(ckpts))
				}
				t.add(o)
				return nil
			})
			if err != nil {
				return err
			}
			row := func(k int, ckpt float64, kind, event string, tl *tally) Row {
				r := Row{
					Margin:          cell.GetMargin(),
					N:               cell.GetN(),
					D:               cell.GetD(),
					CheckpointIndex: k,
					Checkpoint:      ckpt,
					CheckpointKind:  kind,
					Event:           event,
					Trials:          t.trials,
					Successes:       tl.successes,
					PHat:            math.NaN(),
					MeanGain:        tl.gain.value(),
					MeanCos:         tl.cos.value(),
					Diverged:        t.diverged,
				}
				if t.trials > 0 {
					r.PHat = float64(tl.successes) / float64(t.trials)
				}
				r.WilsonLow, r.WilsonHigh = Wilson(tl.successes, t.trials)
				return r
			}
			for k, ckpt := range ckpts {
				for e := range perCheckpoint {
					surf.Rows = append(surf.Rows, row(k, ckpt, kind, checkpointEvents[e], &t.ckpt[k][e]))
				}
			}
			surf.Rows = append(surf.Rows, row(-1, math.NaN(), "best", EventW2SAny, &t.best))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("results: aggregate %s: %w", s.path, err)
	}
	return surf, nil
}

// Lookup returns the row of the cell with the given ordinal, checkpoint
// index and event; the checkpoint index of w2s_any is −1.
func (s *Surface) Lookup(cell int, checkpoint int, event string) (Row, bool) {
	c := s.Settings.Cell(cell)
	if c == nil {
		return Row{}, false
	}
	match := func(r *Row) bool {
		return r.N == c.GetN() && r.D == c.GetD() && r.Margin == c.GetMargin() &&
			r.CheckpointIndex == checkpoint && r.Event == event
	}
	// Rows as Aggregate orders them: compute the index.
	nk := len(s.Settings.Checkpoints())
	if i := s.index(cell, nk, checkpoint, event); i >= 0 && i < len(s.Rows) && match(&s.Rows[i]) {
		return s.Rows[i], true
	}
	// Rows filtered or reordered: search.
	for i := range s.Rows {
		if match(&s.Rows[i]) {
			return s.Rows[i], true
		}
	}
	return Row{}, false
}

// index returns the position Aggregate gives a row, or −1.
func (s *Surface) index(cell, nk, checkpoint int, event string) int {
	perCell := perCheckpoint*nk + 1
	if event == EventW2SAny {
		if checkpoint != -1 {
			return -1
		}
		return cell*perCell + perCheckpoint*nk
	}
	for e := range perCheckpoint {
		if checkpointEvents[e] == event && checkpoint >= 0 && checkpoint < nk {
			return cell*perCell + perCheckpoint*checkpoint + e
		}
	}
	return -1
}
