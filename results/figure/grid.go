package figure

// The data of one heat-map panel and the two marks drawn over it: edges
// where p̂ crosses 1/2, and rings on cells whose Wilson interval holds 1/2.

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// panelGrid is the success rates of one margin's cells, column i for the
// i-th n and row j for the j-th d. It implements plotter.GridXYZ in plot
// coordinates. Missing cells (no trials, or no row) are NaN.
type panelGrid struct {
	xs, ys []float64   // plot coordinates of the columns and rows
	p      [][]float64 // p̂, by column then row
	lo, hi [][]float64 // Wilson interval, by column then row
	set    [][]bool    // whether a cell of the sweep was placed here
}

// newPanelGrid returns a grid of missing cells.
func newPanelGrid(xs, ys []float64) *panelGrid {
	g := &panelGrid{xs: xs, ys: ys}
	for range xs {
		nan := func() []float64 {
			v := make([]float64, len(ys))
			for j := range v {
				v[j] = math.NaN()
			}
			return v
		}
		g.p = append(g.p, nan())
		g.lo = append(g.lo, nan())
		g.hi = append(g.hi, nan())
		g.set = append(g.set, make([]bool, len(ys)))
	}
	return g
}

// Dims returns the number of columns and rows.
func (g *panelGrid) Dims() (c, r int) { return len(g.xs), len(g.ys) }

// Z returns p̂ of the cell at column c, row r.
func (g *panelGrid) Z(c, r int) float64 { return g.p[c][r] }

// X returns the plot coordinate of column c.
func (g *panelGrid) X(c int) float64 { return g.xs[c] }

// Y returns the plot coordinate of row r.
func (g *panelGrid) Y(r int) float64 { return g.ys[r] }

// Min is the bottom of the colour scale, fixed at 0; plotter.NewHeatMap
// reads Min and Max instead of scanning the data.
func (g *panelGrid) Min() float64 { return 0 }

// Max is the top of the colour scale, fixed at 1.
func (g *panelGrid) Max() float64 { return 1 }

// side is which side of 1/2 a cell's p̂ lies on: +1 for p̂ ≥ 1/2, −1 for
// p̂ < 1/2, 0 for a missing cell.
func (g *panelGrid) side(c, r int) int {
	switch p := g.p[c][r]; {
	case math.IsNaN(p):
		return 0
	case p >= 0.5:
		return 1
	default:
		return -1
	}
}

// halfEdges draws, in black, every edge between two neighbouring cells on
// opposite sides of p̂ = 1/2 (p̂ ≥ 1/2 against p̂ < 1/2): the outline of
// the region where the event is at least as likely as not. Missing cells
// have no edges.
type halfEdges struct {
	g     *panelGrid
	style draw.LineStyle
}

// Plot implements plot.Plotter.
func (h halfEdges) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	ex, ey := edges(h.g.xs), edges(h.g.ys)
	cols, rows := h.g.Dims()
	var lines [][]vg.Point
	for i := range cols {
		for j := range rows {
			s := h.g.side(i, j)
			if s == 0 {
				continue
			}
			if i+1 < cols && h.g.side(i+1, j) == -s {
				x := trX(ex[i+1])
				lines = append(lines, []vg.Point{{X: x, Y: trY(ey[j])}, {X: x, Y: trY(ey[j+1])}})
			}
			if j+1 < rows && h.g.side(i, j+1) == -s {
				y := trY(ey[j+1])
				lines = append(lines, []vg.Point{{X: trX(ex[i]), Y: y}, {X: trX(ex[i+1]), Y: y}})
			}
		}
	}
	if len(lines) > 0 {
		c.StrokeLines(h.style, c.ClipLinesXY(lines...)...)
	}
}

// ringRadius is the radius of the ring marking a cell whose 95% Wilson
// interval contains 1/2.
const ringRadius = 3.5 // points

// uncertainRings draws a hollow ring, black on a white halo so that it
// shows on any colour, at the centre of every cell whose 95% Wilson
// interval contains 1/2.
type uncertainRings struct{ g *panelGrid }

// Plot implements plot.Plotter.
func (u uncertainRings) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	cols, rows := u.g.Dims()
	for i := range cols {
		for j := range rows {
			if !(u.g.lo[i][j] <= 0.5 && 0.5 <= u.g.hi[i][j]) { // false for NaN
				continue
			}
			drawRing(&c, vg.Point{X: trX(u.g.xs[i]), Y: trY(u.g.ys[j])})
		}
	}
}

// drawRing draws one ring centred at pt.
func drawRing(c *draw.Canvas, pt vg.Point) {
	var p vg.Path
	r := vg.Points(ringRadius)
	p.Move(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Arc(pt, r, 0, 2*math.Pi)
	p.Close()
	c.SetLineStyle(draw.LineStyle{Color: color.White, Width: vg.Points(2.5)})
	c.Stroke(p)
	c.SetLineStyle(draw.LineStyle{Color: color.Black, Width: vg.Points(1)})
	c.Stroke(p)
}
