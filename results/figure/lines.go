package figure

// Lines, bands and dots over a checkpoint axis, split where a value is
// missing so that no NaN reaches gonum/plot, and the legend swatch.

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// nans returns n NaNs.
func nans(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}

// runs returns the maximal half-open runs [i, j) of indices in [0, n) at
// which ok holds.
func runs(n int, ok func(int) bool) [][2]int {
	var rs [][2]int
	for i := 0; i < n; {
		if !ok(i) {
			i++
			continue
		}
		j := i
		for j < n && ok(j) {
			j++
		}
		rs = append(rs, [2]int{i, j})
		i = j
	}
	return rs
}

// appendPlotter appends p to ps unless it is nil.
func appendPlotter(ps []plot.Plotter, p plot.Plotter) []plot.Plotter {
	if p == nil {
		return ps
	}
	return append(ps, p)
}

// band returns a polygon filled between lo and hi over xs, one ring per
// run of drawable points, or nil if there is none.
func band(ax ckptAxis, xs, lo, hi []float64, fill color.Color) plot.Plotter {
	n := min(len(xs), len(lo), len(hi))
	var rings []plotter.XYs
	for _, r := range runs(n, func(i int) bool { return ax.ok(xs[i]) && finite(lo[i]) && finite(hi[i]) }) {
		ring := make(plotter.XYs, 0, 2*(r[1]-r[0]))
		for i := r[0]; i < r[1]; i++ {
			ring = append(ring, plotter.XY{X: xs[i], Y: lo[i]})
		}
		for i := r[1] - 1; i >= r[0]; i-- {
			ring = append(ring, plotter.XY{X: xs[i], Y: hi[i]})
		}
		rings = append(rings, ring)
	}
	if len(rings) == 0 {
		return nil
	}
	return &plotter.Polygon{XYs: rings, Color: fill}
}

// curve returns lines through the drawable points (xs[i], ys[i]), one per
// run.
func curve(ax ckptAxis, xs, ys []float64, style draw.LineStyle) []plot.Plotter {
	n := min(len(xs), len(ys))
	var lines []plot.Plotter
	for _, r := range runs(n, func(i int) bool { return ax.ok(xs[i]) && finite(ys[i]) }) {
		pts := make(plotter.XYs, 0, r[1]-r[0])
		for i := r[0]; i < r[1]; i++ {
			pts = append(pts, plotter.XY{X: xs[i], Y: ys[i]})
		}
		lines = append(lines, &plotter.Line{XYs: pts, LineStyle: style})
	}
	return lines
}

// dots returns small filled circles at the drawable points, or nil if
// there is none.
func dots(ax ckptAxis, xs, ys []float64, col color.Color) plot.Plotter {
	var pts plotter.XYs
	for i := range min(len(xs), len(ys)) {
		if ax.ok(xs[i]) && finite(ys[i]) {
			pts = append(pts, plotter.XY{X: xs[i], Y: ys[i]})
		}
	}
	if len(pts) == 0 {
		return nil
	}
	return &plotter.Scatter{XYs: pts, GlyphStyle: draw.GlyphStyle{Color: col, Radius: vg.Points(1.75), Shape: draw.CircleGlyph{}}}
}

// swatch is a legend thumbnail: an optional filled box under an optional
// horizontal line.
type swatch struct {
	fill color.Color
	line draw.LineStyle
}

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	if s.fill != nil {
		c.FillPolygon(s.fill, []vg.Point{
			{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y},
			{X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y},
		})
	}
	if s.line.Color != nil && s.line.Width > 0 {
		y := c.Center().Y
		c.StrokeLine2(s.line, c.Min.X, y, c.Max.X, y)
	}
}
