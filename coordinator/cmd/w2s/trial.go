package main

import (
	"context"
	"fmt"
	"io"
	"math"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/w2s-lab/w2s/node"
	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
	"github.com/w2s-lab/w2s/solver"
)

func trialCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("trial", "--store PATH (--cell K | --n N --d D --margin G) --index I [--compute]", stderr)
	path := fs.String("store", "", "path of the store `file` whose settings to use (required)")
	cellOrd := fs.Int("cell", -1, "cell ordinal, as 'w2s status' lists them")
	n := fs.Int("n", 0, "the cell's n (with --d and --margin, instead of --cell)")
	d := fs.Int("d", 0, "the cell's d")
	margin := fs.Float64("margin", 0, "the cell's margin γ")
	index := fs.Int("index", -1, "trial index within the cell (required)")
	compute := fs.Bool("compute", false, "compute the trial now even if the store has it, and say whether the two agree")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		return usagef("--store is required")
	}
	if *index < 0 || *index > math.MaxInt32 {
		return usagef("invalid --index = %d: must be a trial index ≥ 0", *index)
	}
	st, err := openStore(*path, true)
	if err != nil {
		return err
	}
	defer st.Close()
	settings := st.Settings()
	cells := settings.Cells()
	var cell *w2sv1.Cell
	ord := -1
	switch {
	case *cellOrd >= 0:
		if *cellOrd >= len(cells) {
			return usagef("invalid --cell = %d: the sweep has cells 0 to %d", *cellOrd, len(cells)-1)
		}
		ord, cell = *cellOrd, cells[*cellOrd]
	case *n > 0 || *d > 0 || *margin != 0:
		cell = &w2sv1.Cell{N: int32(*n), D: int32(*d), Margin: *margin}
		for k, c := range cells {
			if c.GetN() == cell.N && c.GetD() == cell.D && c.GetMargin() == cell.Margin {
				ord = k
			}
		}
	default:
		return usagef("give the cell: --cell K, or --n, --d and --margin")
	}
	var stored *w2sv1.TrialOutcome
	if ord >= 0 && *index < int(settings.GetTrials()) {
		o, ok, err := st.Get(uint32(ord), int32(*index))
		if err != nil {
			return err
		}
		if ok {
			stored = o
		}
	}
	out := stored
	if stored == nil || *compute {
		computed, err := computeTrial(settings, cell, *index)
		if err != nil {
			return err
		}
		switch {
		case stored == nil:
			fmt.Fprintln(stderr, "w2s trial: not in the store; computed from its settings")
		case equalRecords(stored, computed):
			fmt.Fprintln(stderr, "w2s trial: computed now; identical, byte for byte, to the stored record")
		default:
			return fmt.Errorf("the stored record differs from the trial computed now:\nstored:   %v\ncomputed: %v", stored, computed)
		}
		out = computed
	}
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  ", UseProtoNames: true, EmitUnpopulated: true}.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return err
}

// computeTrial runs one trial in this process, exactly as a node would.
func computeTrial(p *w2sv1.SweepSettings, cell *w2sv1.Cell, index int) (*w2sv1.TrialOutcome, error) {
	s, err := node.Validate(p)
	if err != nil {
		return nil, err
	}
	c := solver.Cell{N: int(cell.GetN()), D: int(cell.GetD()), Margin: cell.GetMargin()}
	if c.N < 1 || c.D < 2 || !(c.Margin > 0) || math.IsInf(c.Margin, 0) {
		return nil, usagef("invalid cell %v: need n ≥ 1, d ≥ 2 and a finite margin > 0", c)
	}
	var ws solver.Workspace
	var o solver.Outcome
	if err := ws.Run(&s, c, index, &o); err != nil {
		return nil, err
	}
	return node.OutcomeProto(cell, int32(index), &o), nil
}

func equalRecords(a, b *w2sv1.TrialOutcome) bool {
	x, err1 := results.EncodeOutcome(a)
	y, err2 := results.EncodeOutcome(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
