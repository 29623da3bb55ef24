package figure

// Surface: heat maps of an event's success rate over the (n, d) grid, one
// panel per margin.

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/w2s-lab/w2s/results"
)

// missingColour fills cells with no trials.
var missingColour = color.Gray{Y: 0x70}

// Layout of a surface figure.
const (
	barWidth    = 0.22 * vg.Inch // the colour bar itself
	barMargin   = 0.15 * vg.Inch // right of the colour bar
	barGap      = 0.15 * vg.Inch // between the panels and the colour bar's axis
	sidePad     = 0.05 * vg.Inch // left of the panels
	panelPadX   = 0.25 * vg.Inch // between panel columns
	panelPadY   = 0.15 * vg.Inch // between panel rows
	bandPad     = 0.06 * vg.Inch // above and below title and caption lines
	maxPanelRow = 3              // more margins than this go in a grid
)

// Surface draws the success rate p̂ of event at a checkpoint as heat maps:
// one panel per distinct margin γ (in increasing order, side by side, or
// in a near-square grid for more than three), n across and d up. An axis
// is logarithmic when its grid values are geometric (see geometric) and
// linear otherwise; a single value is a single column or row.
//
// Colour shows p̂ on the fixed scale 0…1 (moreland.SmoothBlueRed, with a
// colour bar); cells with no trials are grey. Thick black edges separate
// neighbouring cells with p̂ ≥ 1/2 from those with p̂ < 1/2; a small ring
// marks each cell whose 95% Wilson interval contains 1/2. The title names
// the event, the checkpoint and the settings (ρ_s, ρ_t, labels, mode,
// trials per cell).
//
// checkpoint is an index into the settings' checkpoints, or −1 for
// w2s_any, the only event without one. Cells that appear twice in the
// grid (repeated values of n, d or γ) are drawn once, from their first
// ordinal; cells with a NaN margin are not drawn.
func Surface(surf *results.Surface, event string, checkpoint int, opt Options) (*Figure, error) {
	if surf == nil || surf.Settings == nil {
		return nil, errors.New("figure: surface: no surface or no settings")
	}
	if err := checkEvent(event); err != nil {
		return nil, err
	}
	s := surf.Settings
	if err := checkCheckpoint(event, checkpoint, len(s.Checkpoints())); err != nil {
		return nil, err
	}
	margins := distinct(s.GetMargin())
	if len(s.Cells()) == 0 || len(margins) == 0 {
		return nil, fmt.Errorf("figure: surface: the sweep's grid is empty (%d n, %d d, %d margins)", len(s.GetN()), len(s.GetD()), len(s.GetMargin()))
	}

	art := &surfaceArt{x: newGridAxis("n", s.GetN()), y: newGridAxis("d", s.GetD())}
	for range margins {
		art.grids = append(art.grids, newPanelGrid(art.x.coords(), art.y.coords()))
	}
	lo, hi := math.MaxInt, 0
	for i, cell := range s.Cells() {
		m, okm := slices.BinarySearch(margins, cell.GetMargin())
		c, r := art.x.index(float64(cell.GetN())), art.y.index(float64(cell.GetD()))
		if !okm || c < 0 || r < 0 || art.grids[m].set[c][r] {
			continue
		}
		g := art.grids[m]
		g.set[c][r] = true
		row, ok := surf.Lookup(i, checkpoint, event)
		if !ok {
			lo = 0
			continue
		}
		lo, hi = min(lo, row.Trials), max(hi, row.Trials)
		if row.Trials > 0 {
			g.p[c][r], g.lo[c][r], g.hi[c][r] = row.PHat, row.WilsonLow, row.WilsonHigh
		}
	}
	if lo > hi {
		lo = hi
	}

	cm := moreland.SmoothBlueRed()
	cm.SetMin(0)
	cm.SetMax(1)
	art.panelPlots(margins, cm.Palette(256))
	art.bar = colourBar(cm, "P("+event+")")

	head := fmt.Sprintf("P(%s) at %s", event, checkpointName(s, checkpoint))
	sub := settingsLine(s, lo, hi)
	art.head = block{{head, 13}, {sub, 10}}
	art.caption = block{{"thick black edges: the rate crosses 1/2;   ○: the cell's 95% Wilson interval contains 1/2;   grey: no trials", 9}}

	cols, rows := art.tiles()
	w, h, dpi, err := opt.resolve(vg.Length(cols)*PanelWidth+vg.Inch, vg.Length(rows)*PanelHeight+vg.Inch)
	if err != nil {
		return nil, err
	}
	return &Figure{Panels: len(margins), Title: head + "\n" + sub, width: w, height: h, dpi: dpi, art: art}, nil
}

// surfaceArt is a surface figure ready to draw.
type surfaceArt struct {
	x, y          gridAxis
	grids         []*panelGrid // per margin
	plots         []*plot.Plot // per margin
	bar           *plot.Plot
	head, caption block
}

// tiles returns the columns and rows of the panel layout.
func (a *surfaceArt) tiles() (cols, rows int) {
	n := len(a.plots)
	if n <= maxPanelRow {
		return n, 1
	}
	cols = int(math.Ceil(math.Sqrt(float64(n))))
	return cols, (n + cols - 1) / cols
}

// panelPlots builds one heat-map plot per margin.
func (a *surfaceArt) panelPlots(margins []float64, pal palette.Palette) {
	edgeStyle := draw.LineStyle{Color: color.Black, Width: vg.Points(2.5)}
	for m, g := range a.grids {
		p := plot.New()
		p.Title.Text = "γ = " + num(margins[m])
		p.X.Label.Text, p.Y.Label.Text = a.x.label(), a.y.label()
		p.X.Tick.Marker, p.Y.Tick.Marker = a.x.ticks(), a.y.ticks()
		p.X.Padding, p.Y.Padding = 0, 0
		hm := plotter.NewHeatMap(g, pal)
		hm.Min, hm.Max = 0, 1
		hm.NaN = missingColour
		p.Add(hm, halfEdges{g: g, style: edgeStyle}, uncertainRings{g: g})
		a.plots = append(a.plots, p)
	}
}

// colourBar returns a plot holding a vertical colour bar of cm.
func colourBar(cm palette.ColorMap, label string) *plot.Plot {
	p := plot.New()
	p.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true, Colors: 256})
	p.HideX()
	p.X.Padding, p.Y.Padding = 0, 0
	p.Y.Label.Text = label
	p.Y.Label.TextStyle.Font.Size = 10
	p.Y.Tick.Label.Font.Size = 9
	p.Y.Tick.Length = vg.Points(4)
	p.Y.Tick.Marker = plot.ConstantTicks{
		{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"}, {Value: 0.5, Label: "0.5"},
		{Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"},
	}
	return p
}

// layout places the panels and the colour bar on c: it returns the
// canvases to draw each margin's plot and the colour bar's plot on.
func (a *surfaceArt) layout(c draw.Canvas) (panels []draw.Canvas, bar draw.Canvas) {
	body := c
	body.Max.Y -= a.head.height(bandPad)
	body.Min.Y += a.caption.height(bandPad)

	// The colour bar's axis width does not depend on the canvas.
	axisW := a.bar.DataCanvas(body).Min.X - body.Min.X
	bar = body
	bar.Max.X -= barMargin
	bar.Min.X = bar.Max.X - barWidth - axisW
	area := body
	area.Min.X += sidePad
	area.Max.X = bar.Min.X - barGap

	cols, rows := a.tiles()
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
		for k := range cols {
			if i := r*cols + k; i < len(a.plots) {
				grid[r][k] = a.plots[i]
			}
		}
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: panelPadX, PadY: panelPadY}
	aligned := plot.Align(grid, tiles, area)
	for i := range a.plots {
		panels = append(panels, aligned[i/cols][i%cols])
	}

	// Stretch the colour bar over the panels' data areas, top row to
	// bottom row.
	top := a.plots[0].DataCanvas(panels[0]).Max.Y
	bottom := a.plots[len(a.plots)-1].DataCanvas(panels[len(panels)-1]).Min.Y
	bdc := a.bar.DataCanvas(bar)
	bar.Min.Y += bottom - bdc.Min.Y
	bar.Max.Y += top - bdc.Max.Y
	return panels, bar
}

// draw implements artwork.
func (a *surfaceArt) draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	panels, bar := a.layout(c)
	a.head.drawTop(c, bandPad)
	a.caption.drawBottom(c, bandPad)
	for i, p := range a.plots {
		p.Draw(panels[i])
	}
	a.bar.Draw(bar)
}
