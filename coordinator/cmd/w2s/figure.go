package main

// w2s export --format png|svg: figures of a store's surfaces and paths.

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/term"
	"gonum.org/v1/plot/vg"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
	"github.com/w2s-lab/w2s/results/figure"
	"github.com/w2s-lab/w2s/solver/theory"
)

// figureFlags are export's flags for figures.
type figureFlags struct {
	kind       string
	event      string
	checkpoint string
	cells      string
	theory     bool
	width      float64
	height     float64
	dpi        int
}

func (f *figureFlags) register(fs interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
	Float64Var(*float64, string, float64, string)
	IntVar(*int, string, int, string)
}) {
	fs.StringVar(&f.kind, "figure", "surface", "figure kind (png and svg): surface (heatmaps of p̂ over n and d, one panel per margin) or path (P(event) and the cosine against the checkpoint, for --cells)")
	fs.StringVar(&f.event, "event", "w2s", "event of the figure: beats_teacher, improves, w2s or w2s_any")
	fs.StringVar(&f.checkpoint, "checkpoint", "", "surface figure: the checkpoint's time or λ as 'w2s status' shows it, or best (w2s_any)")
	fs.StringVar(&f.cells, "cells", "", "path figure: cell ordinals, a comma list (default: every cell, up to 8)")
	fs.BoolVar(&f.theory, "theory", true, "path figure: overlay the population-limit theory where the settings allow (soft labels)")
	fs.Float64Var(&f.width, "width", 0, "figure width in inches (default: sized to the panels)")
	fs.Float64Var(&f.height, "height", 0, "figure height in inches")
	fs.IntVar(&f.dpi, "dpi", 0, "PNG resolution (default 150)")
}

// checkpointIndex resolves --checkpoint against the settings: a time or λ
// of the sweep, or "best" (checkpoint −1, for w2s_any).
func (f *figureFlags) checkpointIndex(s *w2sv1.SweepSettings) (int, error) {
	ckpts := s.Checkpoints()
	names := make([]string, len(ckpts))
	for i, c := range ckpts {
		names[i] = strconv.FormatFloat(c, 'g', -1, 64)
	}
	v := strings.TrimSpace(f.checkpoint)
	switch {
	case f.event == results.EventW2SAny && (v == "" || v == "best"):
		return -1, nil
	case v == "" || v == "best":
		return 0, usagef("invalid --checkpoint = %q: give one of the sweep's checkpoints (%s), or use --event w2s_any for the best one", v, strings.Join(names, ", "))
	}
	x, err := strconv.ParseFloat(strings.TrimPrefix(strings.TrimPrefix(v, "t="), "λ="), 64)
	if err == nil {
		for i, c := range ckpts {
			if c == x || math.Abs(c-x) <= 1e-12*math.Abs(c) {
				return i, nil
			}
		}
	}
	return 0, usagef("invalid --checkpoint = %q: the sweep's checkpoints are %s", v, strings.Join(names, ", "))
}

// cellList resolves --cells.
func (f *figureFlags) cellList(s *w2sv1.SweepSettings) ([]int, error) {
	n := s.NumCells()
	if strings.TrimSpace(f.cells) == "" {
		if n > 8 {
			return nil, usagef("the sweep has %d cells: choose up to 8 with --cells (ordinals from 'w2s status')", n)
		}
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	var out []int
	for _, tok := range strings.Split(f.cells, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(tok))
		if err != nil || k < 0 || k >= n {
			return nil, usagef("invalid --cells entry %q: want a cell ordinal from 0 to %d", tok, n-1)
		}
		out = append(out, k)
	}
	return out, nil
}

func (f *figureFlags) options() figure.Options {
	return figure.Options{Width: inches(f.width), Height: inches(f.height), DPI: f.dpi}
}

// writeFigure builds the figure the flags ask for and writes it as format
// (png or svg) to out, or to stdout when out is empty (refusing a
// terminal).
func writeFigure(st *results.Store, surf *results.Surface, f *figureFlags, format, out string, stdout io.Writer) error {
	switch f.event {
	case results.EventBeatsTeacher, results.EventImproves, results.EventW2S, results.EventW2SAny:
	default:
		return usagef("invalid --event = %q: must be beats_teacher, improves, w2s or w2s_any", f.event)
	}
	if f.width < 0 || f.height < 0 || f.dpi < 0 {
		return usagef("invalid figure size: --width %v, --height %v, --dpi %d must not be negative", f.width, f.height, f.dpi)
	}
	var fig *figure.Figure
	var err error
	switch f.kind {
	case "surface":
		k, err2 := f.checkpointIndex(st.Settings())
		if err2 != nil {
			return err2
		}
		fig, err = figure.Surface(surf, f.event, k, f.options())
	case "path":
		cells, err2 := f.cellList(st.Settings())
		if err2 != nil {
			return err2
		}
		paths, err2 := figure.Paths(st, cells)
		if err2 != nil {
			return err2
		}
		var curves []figure.TheoryCurve
		if f.theory {
			curves, err = theoryCurves(st.Settings(), paths)
			if err != nil {
				return err
			}
		}
		fig, err = figure.PathFigure(paths, surf, f.event, curves, f.options())
	default:
		return usagef("invalid --figure = %q: must be surface or path", f.kind)
	}
	if err != nil {
		return usageError{err}
	}
	write := fig.WritePNG
	if format == "svg" {
		write = fig.WriteSVG
	}
	if out == "" {
		if file, ok := stdout.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
			return usagef("not writing a %s image to a terminal: give --out FILE or redirect", format)
		}
		return write(stdout)
	}
	return writeFileAtomic(out, write)
}

// inches converts a flag in inches to a figure length (0 stays 0: default).
func inches(x float64) vg.Length { return vg.Length(x) * vg.Inch }

// theoryCurves returns the population-limit mean cosine for each distinct
// (margin, d) among the paths, when the settings allow it: soft labels
// (the theory's assumption). The theory does not depend on n. In flow mode
// it is the gradient flow, which gradient descent follows to O(η_max).
func theoryCurves(s *w2sv1.SweepSettings, paths []figure.Path) ([]figure.TheoryCurve, error) {
	if s.GetLabels() != w2sv1.Labels_LABELS_SOFT {
		return nil, nil
	}
	mode := theory.Flow
	what := "gradient flow"
	if s.GetMode() == w2sv1.Mode_MODE_RIDGE {
		mode, what = theory.Ridge, "ridge path"
	}
	type key struct {
		margin float64
		d      int32
	}
	seen := map[key]bool{}
	var curves []figure.TheoryCurve
	for _, p := range paths {
		k := key{p.Margin, p.D}
		if seen[k] {
			continue
		}
		seen[k] = true
		c, err := theory.Predict(theory.Params{RhoS: s.GetRhoS(), RhoT: s.GetRhoT(), Gamma: p.Margin}, mode, int(p.D), denseGrid(s.Checkpoints()))
		if err != nil {
			return nil, fmt.Errorf("theory for margin %g, d %d: %w", p.Margin, p.D, err)
		}
		curves = append(curves, figure.TheoryCurve{
			Label:       fmt.Sprintf("theory (n → ∞ %s), γ=%g d=%d", what, p.Margin, p.D),
			Checkpoints: c.Checkpoints, Cos: c.MeanCos,
		})
	}
	return curves, nil
}

// denseGrid returns the checkpoints with 64 log-spaced points between the
// first and the last, in the checkpoints' order, so that theory curves are
// smooth between them.
func denseGrid(ckpts []float64) []float64 {
	lo, hi := ckpts[0], ckpts[len(ckpts)-1]
	if !(lo > 0 && hi > 0) || len(ckpts) < 2 {
		return ckpts
	}
	const k = 64
	out := make([]float64, 0, k+len(ckpts))
	out = append(out, ckpts...)
	r := math.Log(hi / lo)
	for i := 1; i < k; i++ {
		out = append(out, lo*math.Exp(r*float64(i)/k))
	}
	increasing := hi > lo
	slices.SortFunc(out, func(a, b float64) int {
		if increasing {
			return cmp.Compare(a, b)
		}
		return cmp.Compare(b, a)
	})
	return slices.Compact(out)
}
