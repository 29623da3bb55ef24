package figure

// Figure: a drawing of any kind, its size, and its PNG and SVG output.

import (
	"errors"
	"fmt"
	"io"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Default sizes. A panel is one plot with its axes.
const (
	// PanelWidth and PanelHeight are the default size of one panel.
	PanelWidth  = 4 * vg.Inch
	PanelHeight = 3.5 * vg.Inch
	// DefaultDPI is the default resolution of PNG output.
	DefaultDPI = 150
)

// Limits on Options.
const (
	minSide   = 1 * vg.Inch
	maxSide   = 200 * vg.Inch
	maxDPI    = 2400
	maxPixels = 100_000_000
)

// Options sets a figure's size and resolution.
type Options struct {
	// Width and Height are the size of the whole figure, each between 1 in
	// and 200 in. Zero means the figure's default, built from PanelWidth
	// and PanelHeight:
	//
	//	Surface     width  PanelWidth per panel column + 1 in (colour bar)
	//	            height PanelHeight per panel row + 1 in (title, caption)
	//	PathFigure  width  PanelWidth + 2.5 in (legend)
	//	            height 2 × PanelHeight + 0.75 in (title)
	Width, Height vg.Length
	// DPI is the resolution of PNG output in dots per inch, at most 2400;
	// zero means DefaultDPI. SVG output does not depend on it. The PNG may
	// have at most 10⁸ pixels.
	DPI int
}

// artwork is what a Figure draws.
type artwork interface {
	draw(c draw.Canvas)
}

// Figure is a finished drawing, ready to be written as PNG or SVG.
type Figure struct {
	// Panels is the number of plot panels: one per margin for Surface, 2
	// for PathFigure. The colour bar and the legend are not panels.
	Panels int
	// Title is the figure's title as drawn, its lines separated by "\n".
	Title string

	width, height vg.Length
	dpi           int
	art           artwork
}

// resolve checks opt and fills in its defaults.
func (opt Options) resolve(defWidth, defHeight vg.Length) (w, h vg.Length, dpi int, err error) {
	w, h, dpi = opt.Width, opt.Height, opt.DPI
	if w == 0 {
		w = defWidth
	}
	if h == 0 {
		h = defHeight
	}
	if dpi == 0 {
		dpi = DefaultDPI
	}
	for _, side := range []struct {
		name string
		v    vg.Length
	}{{"width", w}, {"height", h}} {
		if math.IsNaN(float64(side.v)) || side.v < minSide || side.v > maxSide {
			return 0, 0, 0, fmt.Errorf("figure: %s %v in out of range [%v, %v] in", side.name, float64(side.v/vg.Inch), float64(minSide/vg.Inch), float64(maxSide/vg.Inch))
		}
	}
	if dpi < 0 || dpi > maxDPI {
		return 0, 0, 0, fmt.Errorf("figure: DPI %d out of range [1, %d]", dpi, maxDPI)
	}
	if pw, ph := pixels(w, dpi), pixels(h, dpi); pw*ph > maxPixels {
		return 0, 0, 0, fmt.Errorf("figure: %d×%d pixels at %d DPI, more than %d", pw, ph, dpi, maxPixels)
	}
	return w, h, dpi, nil
}

// pixels is the number of pixels vgimg gives a length at a resolution.
func pixels(l vg.Length, dpi int) int {
	return int(l/vg.Inch*vg.Length(dpi) + 0.5)
}

// Size returns the size of the figure's PNG image in pixels.
func (f *Figure) Size() (wPx, hPx int) {
	return pixels(f.width, f.dpi), pixels(f.height, f.dpi)
}

// WritePNG draws the figure as a PNG image of Size() pixels.
func (f *Figure) WritePNG(w io.Writer) error {
	if f == nil || f.art == nil {
		return errors.New("figure: write PNG: empty figure")
	}
	c := vgimg.NewWith(vgimg.UseWH(f.width, f.height), vgimg.UseDPI(f.dpi))
	if err := f.render(draw.New(c)); err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w); err != nil {
		return fmt.Errorf("figure: write PNG: %w", err)
	}
	return nil
}

// WriteSVG draws the figure as an SVG document (fonts not embedded).
func (f *Figure) WriteSVG(w io.Writer) error {
	if f == nil || f.art == nil {
		return errors.New("figure: write SVG: empty figure")
	}
	c := vgsvg.NewWith(vgsvg.UseWH(f.width, f.height))
	if err := f.render(draw.New(c)); err != nil {
		return err
	}
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("figure: write SVG: %w", err)
	}
	return nil
}

// render draws the figure on c. The inputs were checked when the figure
// was built; should gonum/plot still panic on some degenerate layout, the
// panic is returned as an error.
func (f *Figure) render(c draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("figure: drawing %q failed: %v", firstLine(f.Title), r)
		}
	}()
	f.art.draw(c)
	return nil
}
