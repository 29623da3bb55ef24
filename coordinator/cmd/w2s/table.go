package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
)

// printTable prints p̂ of one event for every cell (rows) at every
// checkpoint (columns), and at the best checkpoint for w2s.
func printTable(w io.Writer, surf *results.Surface, event string) error {
	s := surf.Settings
	kind := "t"
	if s.GetMode() == w2sv1.Mode_MODE_RIDGE {
		kind = "λ"
	}
	fmt.Fprintf(w, "P(%s) per cell at each checkpoint %s (%s labels, %s mode, ρ_s=%g, ρ_t=%g, %d trials per cell)\n",
		event, kind, shortLabels(s.GetLabels()), shortMode(s.GetMode()), s.GetRhoS(), s.GetRhoT(), s.GetTrials())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"margin", "n", "d"}
	for k, c := range s.Checkpoints() {
		label := strconv.FormatFloat(c, 'g', -1, 64)
		if k == 0 {
			label = kind + "=" + label
		}
		head = append(head, label)
	}
	if event == results.EventW2S {
		head = append(head, "best*")
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	cells := s.Cells()
	for ord, c := range cells {
		row := []string{strconv.FormatFloat(c.GetMargin(), 'g', -1, 64), fmt.Sprint(c.GetN()), fmt.Sprint(c.GetD())}
		for k := range s.Checkpoints() {
			r, _ := surf.Lookup(ord, k, event)
			row = append(row, prob(r))
		}
		if event == results.EventW2S {
			r, _ := surf.Lookup(ord, -1, results.EventW2SAny)
			row = append(row, prob(r))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if event == results.EventW2S {
		fmt.Fprintln(w, "* best: w2s at some checkpoint (needs an oracle to stop there). Intervals: w2s export --format csv.")
	}
	return nil
}

func prob(r results.Row) string {
	if r.Trials == 0 || math.IsNaN(r.PHat) {
		return "-"
	}
	return strconv.FormatFloat(r.PHat, 'f', 2, 64)
}

func shortLabels(l w2sv1.Labels) string {
	return strings.ToLower(strings.TrimPrefix(l.String(), "LABELS_"))
}

func shortMode(m w2sv1.Mode) string {
	return strings.ToLower(strings.TrimPrefix(m.String(), "MODE_"))
}
