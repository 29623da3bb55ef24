package figure

// PathFigure: an event's success rate and the cosine paths of chosen
// cells against the checkpoint.

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
)

// TheoryCurve is a predicted cosine path, drawn as a dashed black line in
// the lower panel of a path figure. Points with a NaN or infinite
// coordinate, or a checkpoint ≤ 0 on a logarithmic axis, are left out.
type TheoryCurve struct {
	Label            string
	Checkpoints, Cos []float64
}

// Layout of a path figure.
const (
	legendGap   = 0.15 * vg.Inch // between the panels and the legend
	legendRight = 0.1 * vg.Inch  // right of the legend
	legendMax   = 0.45           // most of the width the legend may take
	pathPadY    = 0.12 * vg.Inch // between the two panels
)

// Line styles of a path figure.
var (
	teacherDashes = []vg.Length{vg.Points(1), vg.Points(2.5)}
	initialDashes = []vg.Length{vg.Points(7), vg.Points(2.5), vg.Points(1.5), vg.Points(2.5)}
	theoryDashes  = [][]vg.Length{
		{vg.Points(6), vg.Points(3)},
		{vg.Points(12), vg.Points(4)},
		{vg.Points(3), vg.Points(3)},
		{vg.Points(12), vg.Points(3), vg.Points(3), vg.Points(3)},
	}
	legendGrey = color.Gray{Y: 0x60}
)

// PathFigure draws, for the given cells, two stacked panels sharing the
// checkpoint axis (logarithmic when every checkpoint is positive; in ridge
// mode λ decreases from left to right):
//
//   - top: P(event) at each checkpoint from surf, with its 95% Wilson band
//     shaded, one colour per cell; for w2s_any, which has no checkpoint, a
//     level line and band at the oracle's rate. A grey dashed line marks
//     1/2.
//   - bottom: the mean cosine path with its 10–90% band shaded, the
//     teacher's cosine c_t (dotted) and the initial student's c₀
//     (dash-dotted) in the cell's colour, and each theory curve dashed in
//     black.
//
// A legend on the right names the cells and the line styles. Every path
// must come from a store of surf's sweep: its cell an ordinal of surf's
// grid with the same (n, d, γ), and one value per checkpoint.
func PathFigure(paths []Path, surf *results.Surface, event string, theory []TheoryCurve, opt Options) (*Figure, error) {
	if len(paths) == 0 {
		return nil, errors.New("figure: path figure: no paths")
	}
	if surf == nil || surf.Settings == nil {
		return nil, errors.New("figure: path figure: no surface or no settings")
	}
	if err := checkEvent(event); err != nil {
		return nil, err
	}
	s := surf.Settings
	if err := checkPaths(paths, s); err != nil {
		return nil, err
	}
	for i, tc := range theory {
		if len(tc.Checkpoints) != len(tc.Cos) {
			return nil, fmt.Errorf("figure: path figure: theory curve %d (%q): %d checkpoints but %d cosines", i, tc.Label, len(tc.Checkpoints), len(tc.Cos))
		}
	}
	ax, err := newCkptAxis(s, theory)
	if err != nil {
		return nil, err
	}

	art := &pathArt{
		top:    ratepanel(paths, surf, event, ax),
		bottom: cosinePanel(paths, theory, ax),
		legend: pathLegend(paths, theory),
	}
	head := fmt.Sprintf("P(%s) at each %s, and cosine paths", event, checkpointSymbol(s))
	if event == results.EventW2SAny {
		head = fmt.Sprintf("P(%s) at the %s, and cosine paths", event, checkpointName(s, -1))
	}
	lo, hi := math.MaxInt, 0
	for _, p := range paths {
		lo, hi = min(lo, p.Trials), max(hi, p.Trials)
	}
	sub := settingsLine(s, lo, hi)
	art.head = block{{head, 13}, {sub, 10}}

	w, h, dpi, err := opt.resolve(PanelWidth+2.5*vg.Inch, 2*PanelHeight+0.75*vg.Inch)
	if err != nil {
		return nil, err
	}
	return &Figure{Panels: 2, Title: head + "\n" + sub, width: w, height: h, dpi: dpi, art: art}, nil
}

// checkPaths returns an error unless every path belongs to a sweep with
// settings s.
func checkPaths(paths []Path, s *w2sv1.SweepSettings) error {
	cells, ckpts := s.Cells(), s.Checkpoints()
	for i, p := range paths {
		if p.Cell < 0 || p.Cell >= len(cells) {
			return fmt.Errorf("figure: path figure: path %d: cell ordinal %d out of range [0, %d)", i, p.Cell, len(cells))
		}
		c := cells[p.Cell]
		if c.GetN() != p.N || c.GetD() != p.D || !sameFloat(c.GetMargin(), p.Margin) {
			return fmt.Errorf("figure: path figure: path %d is for (%s), cell %d of the surface is (%s)",
				i, cellName(p.Margin, p.N, p.D), p.Cell, cellName(c.GetMargin(), c.GetN(), c.GetD()))
		}
		for _, v := range []struct {
			name string
			n    int
		}{{"checkpoints", len(p.Checkpoints)}, {"means", len(p.Mean)}, {"10% quantiles", len(p.Q10)}, {"90% quantiles", len(p.Q90)}} {
			if v.n != len(ckpts) {
				return fmt.Errorf("figure: path figure: path %d (cell %d): %d %s, the surface has %d checkpoints", i, p.Cell, v.n, v.name, len(ckpts))
			}
		}
		for k, x := range p.Checkpoints {
			if !sameFloat(x, ckpts[k]) {
				return fmt.Errorf("figure: path figure: path %d (cell %d): checkpoint %d is %v, the surface's is %v", i, p.Cell, k, x, ckpts[k])
			}
		}
	}
	return nil
}

// sameFloat reports whether a and b are equal or both NaN.
func sameFloat(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b))
}

// pathColour is the colour of the i-th path.
func pathColour(i int) color.Color {
	return plotutil.DarkColors[i%len(plotutil.DarkColors)]
}

// translucent returns c at opacity 1/4, for bands.
func translucent(c color.Color) color.Color {
	r, g, b, _ := color.NRGBAModel.Convert(c).(color.NRGBA).RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x40}
}

// ratepanel is the top panel: P(event) against the checkpoint.
func ratepanel(paths []Path, surf *results.Surface, event string, ax ckptAxis) *plot.Plot {
	p := plot.New()
	ckpts := surf.Settings.Checkpoints()
	var bands, lines []plot.Plotter
	for i, path := range paths {
		xs := ckpts
		var ks []int
		if event == results.EventW2SAny {
			xs, ks = []float64{ax.lo, ax.hi}, []int{-1, -1}
		} else {
			for k := range ckpts {
				ks = append(ks, k)
			}
		}
		rate, lo, hi := nans(len(ks)), nans(len(ks)), nans(len(ks))
		for j, k := range ks {
			if r, ok := surf.Lookup(path.Cell, k, event); ok {
				rate[j], lo[j], hi[j] = r.PHat, r.WilsonLow, r.WilsonHigh
			}
		}
		col := pathColour(i)
		bands = appendPlotter(bands, band(ax, xs, lo, hi, translucent(col)))
		lines = append(lines, curve(ax, xs, rate, draw.LineStyle{Color: col, Width: vg.Points(1.5)})...)
		if event != results.EventW2SAny {
			lines = appendPlotter(lines, dots(ax, xs, rate, col))
		}
	}
	half := draw.LineStyle{Color: color.Gray{Y: 0x90}, Width: vg.Points(0.75), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	p.Add(curve(ax, []float64{ax.lo, ax.hi}, []float64{0.5, 0.5}, half)...)
	p.Add(bands...)
	p.Add(lines...)
	ax.apply(&p.X, false)
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Label.Text = "P(" + event + "), 95% Wilson band"
	return p
}

// cosinePanel is the bottom panel: cosine paths, references and theory.
func cosinePanel(paths []Path, theory []TheoryCurve, ax ckptAxis) *plot.Plot {
	p := plot.New()
	var bands, refs, lines []plot.Plotter
	ylo, yhi := math.Inf(1), math.Inf(-1)
	grow := func(xs, ys []float64) {
		for i, y := range ys {
			if ax.ok(xs[i]) && !math.IsNaN(y) && !math.IsInf(y, 0) {
				ylo, yhi = min(ylo, y), max(yhi, y)
			}
		}
	}
	ends := []float64{ax.lo, ax.hi}
	for i, path := range paths {
		col := pathColour(i)
		xs := path.Checkpoints
		bands = appendPlotter(bands, band(ax, xs, path.Q10, path.Q90, translucent(col)))
		lines = append(lines, curve(ax, xs, path.Mean, draw.LineStyle{Color: col, Width: vg.Points(1.5)})...)
		lines = appendPlotter(lines, dots(ax, xs, path.Mean, col))
		grow(xs, path.Q10)
		grow(xs, path.Q90)
		grow(xs, path.Mean)
		for _, ref := range []struct {
			v      float64
			dashes []vg.Length
		}{{path.CosTeacher, teacherDashes}, {path.CosInitial, initialDashes}} {
			ys := []float64{ref.v, ref.v}
			refs = append(refs, curve(ax, ends, ys, draw.LineStyle{Color: col, Width: vg.Points(1), Dashes: ref.dashes})...)
			grow(ends, ys)
		}
	}
	for i, tc := range theory {
		lines = append(lines, curve(ax, tc.Checkpoints, tc.Cos, theoryStyle(i))...)
		grow(tc.Checkpoints, tc.Cos)
	}
	p.Add(bands...)
	p.Add(refs...)
	p.Add(lines...)
	ax.apply(&p.X, true)
	switch {
	case ylo > yhi:
		ylo, yhi = -1, 1
	case ylo == yhi:
		ylo, yhi = ylo-0.05, yhi+0.05
	default:
		pad := (yhi - ylo) / 20
		ylo, yhi = ylo-pad, yhi+pad
	}
	p.Y.Min, p.Y.Max = ylo, yhi
	p.Y.Label.Text = "cosine: mean, 10–90% band"
	return p
}

// theoryStyle is the line style of the i-th theory curve.
func theoryStyle(i int) draw.LineStyle {
	return draw.LineStyle{Color: color.Black, Width: vg.Points(1.25), Dashes: theoryDashes[i%len(theoryDashes)]}
}

// pathLegend names the cells and the line styles.
func pathLegend(paths []Path, theory []TheoryCurve) plot.Legend {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.TextStyle.Font.Size = 9
	l.ThumbnailWidth = vg.Points(24)
	l.Padding = vg.Points(2)
	for i, path := range paths {
		col := pathColour(i)
		l.Add(fmt.Sprintf("%s (%d trials)", cellName(path.Margin, path.N, path.D), path.Trials),
			swatch{fill: translucent(col), line: draw.LineStyle{Color: col, Width: vg.Points(1.5)}})
	}
	l.Add("teacher's cosine c_t", swatch{line: draw.LineStyle{Color: legendGrey, Width: vg.Points(1), Dashes: teacherDashes}})
	l.Add("initial cosine c₀", swatch{line: draw.LineStyle{Color: legendGrey, Width: vg.Points(1), Dashes: initialDashes}})
	for i, tc := range theory {
		l.Add(tc.Label, swatch{line: theoryStyle(i)})
	}
	return l
}

// pathArt is a path figure ready to draw.
type pathArt struct {
	top, bottom *plot.Plot
	legend      plot.Legend
	head        block
}

// layout places the two panels and the legend on c.
func (a *pathArt) layout(c draw.Canvas) (top, bottom, legend draw.Canvas) {
	body := c
	body.Max.Y -= a.head.height(bandPad)
	r := a.legend.Rectangle(body)
	lw := min(r.Max.X-r.Min.X, vg.Length(legendMax)*(body.Max.X-body.Min.X))
	legend = body
	legend.Max.X -= legendRight
	legend.Min.X = legend.Max.X - lw
	area := body
	area.Min.X += sidePad
	area.Max.X = legend.Min.X - legendGap
	aligned := plot.Align([][]*plot.Plot{{a.top}, {a.bottom}}, draw.Tiles{Rows: 2, Cols: 1, PadY: pathPadY}, area)
	top, bottom = aligned[0][0], aligned[1][0]
	legend.Max.Y = a.top.DataCanvas(top).Max.Y
	return top, bottom, legend
}

// draw implements artwork.
func (a *pathArt) draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	top, bottom, legend := a.layout(c)
	a.head.drawTop(c, bandPad)
	a.top.Draw(top)
	a.bottom.Draw(bottom)
	a.legend.Draw(legend)
}
