package figure

import (
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
)

func TestSurfaceSizeAndPanels(t *testing.T) {
	_, surf := testSurface(t, testSettings())

	// Defaults: two panels side by side, 4 in each plus 1 in for the
	// colour bar; one row of 3.5 in plus 1 in for title and caption; 150 DPI.
	f, err := Surface(surf, results.EventBeatsTeacher, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Panels != 2 {
		t.Errorf("Panels = %d, want 2 (one per margin)", f.Panels)
	}
	decodePNG(t, f, 9*150, int(4.5*150))

	// Explicit options.
	f, err = Surface(surf, results.EventBeatsTeacher, 1, Options{Width: 7 * vg.Inch, Height: 3 * vg.Inch, DPI: 100})
	if err != nil {
		t.Fatal(err)
	}
	decodePNG(t, f, 700, 300)

	// Sizes in points that are not whole pixels round as vgimg rounds.
	f, err = Surface(surf, results.EventBeatsTeacher, 1, Options{Width: 500, Height: 301, DPI: 72})
	if err != nil {
		t.Fatal(err)
	}
	decodePNG(t, f, 500, 301)
}

func TestSurfaceSVG(t *testing.T) {
	_, surf := testSurface(t, testSettings())
	f, err := Surface(surf, results.EventW2S, 2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := svgText(t, f)
	for _, line := range strings.Split(f.Title, "\n") {
		if !strings.Contains(text, line) {
			t.Errorf("SVG text does not contain the title line %q", line)
		}
	}
	for _, want := range []string{"P(w2s) at t = 100", "ρ_s = 0.3", "ρ_t = 0.6", "hard labels", "gradient flow", "of 4 trials per cell", "γ = 0.5", "γ = 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("SVG text does not contain %q", want)
		}
	}
}

func TestSurfaceTitles(t *testing.T) {
	_, surf := testSurface(t, testSettings())
	f, err := Surface(surf, results.EventW2SAny, -1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Title, "P(w2s_any) at best checkpoint (oracle)") {
		t.Errorf("w2s_any title %q does not name the oracle's checkpoint", f.Title)
	}

	ridge := testSettings()
	ridge.Mode = w2sv1.Mode_MODE_RIDGE
	ridge.Times = nil
	ridge.Lambdas = []float64{1, 0.1, 0.01}
	ridge.Labels = w2sv1.Labels_LABELS_SOFT
	ridge.Trials = testTrials + 1 // one trial per cell missing
	_, surf = testSurface(t, ridge)
	f, err = Surface(surf, results.EventImproves, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"P(improves) at λ = 0.1", "soft labels", "ridge path", "0–4 of 5 trials per cell"} {
		if !strings.Contains(f.Title, want) {
			t.Errorf("ridge title %q does not contain %q", f.Title, want)
		}
	}
}

func TestSurfaceErrors(t *testing.T) {
	_, surf := testSurface(t, testSettings())
	_, err := Surface(surf, "beats_student", 0, Options{})
	wantError(t, "unknown event", err, `"beats_student"`)
	_, err = Surface(surf, results.EventW2S, 3, Options{})
	wantError(t, "checkpoint past the end", err, "checkpoint 3", "[0, 3)")
	_, err = Surface(surf, results.EventW2S, -1, Options{})
	wantError(t, "checkpoint -1 for w2s", err, "checkpoint -1")
	_, err = Surface(surf, results.EventW2SAny, 0, Options{})
	wantError(t, "checkpoint 0 for w2s_any", err, "checkpoint 0", "w2s_any")
	_, err = Surface(nil, results.EventW2S, 0, Options{})
	wantError(t, "nil surface", err, "no surface")
	_, err = Surface(surf, results.EventW2S, 0, Options{Width: -2 * vg.Inch})
	wantError(t, "negative width", err, "width -2")
	_, err = Surface(surf, results.EventW2S, 0, Options{DPI: 5000})
	wantError(t, "huge DPI", err, "DPI 5000")
	_, err = Surface(surf, results.EventW2S, 0, Options{Width: 150 * vg.Inch, Height: 150 * vg.Inch, DPI: 600})
	wantError(t, "too many pixels", err, "90000×90000")
}

// cellPoint returns where on the canvas the centre of the cell at column
// i, row j of panel m lies, from the figure's own layout.
func cellPoint(f *Figure, m int, x, y float64) vg.Point {
	art := f.art.(*surfaceArt)
	c := draw.New(vgimg.NewWith(vgimg.UseWH(f.width, f.height), vgimg.UseDPI(f.dpi)))
	panels, _ := art.layout(c)
	p := art.plots[m]
	dc := p.DataCanvas(panels[m])
	trX, trY := p.Transforms(&dc)
	return vg.Point{X: trX(x), Y: trY(y)}
}

// pixel returns the colour of the image pixel under pt.
func pixel(img image.Image, f *Figure, pt vg.Point) color.NRGBA {
	_, h := f.Size()
	x := int(float64(pt.X / vg.Inch * vg.Length(f.dpi)))
	y := h - 1 - int(float64(pt.Y/vg.Inch*vg.Length(f.dpi)))
	return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
}

// near reports whether two colours differ by at most tol in each channel.
func near(a, b color.Color, tol int) bool {
	ca, cb := color.NRGBAModel.Convert(a).(color.NRGBA), color.NRGBAModel.Convert(b).(color.NRGBA)
	d := func(x, y uint8) bool { return math.Abs(float64(x)-float64(y)) <= float64(tol) }
	return d(ca.R, cb.R) && d(ca.G, cb.G) && d(ca.B, cb.B)
}

func TestSurfacePixels(t *testing.T) {
	_, surf := testSurface(t, testSettings())
	f, err := Surface(surf, results.EventBeatsTeacher, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, h := f.Size()
	img := decodePNG(t, f, w, h)
	art := f.art.(*surfaceArt)
	g0, g1 := art.grids[0], art.grids[1]
	at := func(m int, x, y float64) color.NRGBA { return pixel(img, f, cellPoint(f, m, x, y)) }

	cm := moreland.SmoothBlueRed()
	cm.SetMin(0)
	cm.SetMax(1)
	pal := cm.Palette(256).Colors()

	// Margin 0.5: p̂ = 1 at (n=50, d=10), p̂ = 0 at (n=200, d=1000).
	one, zero := at(0, g0.xs[0], g0.ys[0]), at(0, g0.xs[2], g0.ys[2])
	if !near(one, pal[255], 6) {
		t.Errorf("cell with p̂ = 1 is %v at its centre, want the top of the scale %v", one, pal[255])
	}
	if !near(zero, pal[0], 6) {
		t.Errorf("cell with p̂ = 0 is %v at its centre, want the bottom of the scale %v", zero, pal[0])
	}
	if int(one.R)-int(zero.R) < 80 || int(zero.B)-int(one.B) < 80 {
		t.Errorf("p̂ = 1 (%v) and p̂ = 0 (%v) are not clearly different", one, zero)
	}

	// Margin 1: (n=50, d=10) has no trials and is grey.
	if grey := at(1, g1.xs[0], g1.ys[0]); !near(grey, missingColour, 3) {
		t.Errorf("cell with no trials is %v, want grey %v", grey, missingColour)
	}

	// The edge between (n=200, d=10), p̂ = 1/2, and (n=200, d=100),
	// p̂ = 0, is black; a cell's centre is not.
	ey := edges(g0.ys)
	if c := at(0, g0.xs[2], ey[1]); c.R > 60 || c.G > 60 || c.B > 60 {
		t.Errorf("edge where p̂ crosses 1/2 is %v, want black", c)
	}
	// No edge between (n=50, d=10) and (n=100, d=10), both p̂ = 1.
	ex := edges(g0.xs)
	if c := at(0, ex[1], g0.ys[0]); !near(c, pal[255], 40) {
		t.Errorf("between two cells with p̂ = 1 the colour is %v, want no edge", c)
	}

	// A ring on (n=100, d=100), p̂ = 1/2, whose Wilson interval holds
	// 1/2; none on (n=50, d=10).
	ring := func(m int, x, y float64) color.NRGBA {
		pt := cellPoint(f, m, x, y)
		pt.X += vg.Points(ringRadius)
		return pixel(img, f, pt)
	}
	if c := ring(0, g0.xs[1], g0.ys[1]); c.R > 100 || c.G > 100 || c.B > 100 {
		t.Errorf("ring of an uncertain cell is %v, want dark", c)
	}
	if c := ring(0, g0.xs[0], g0.ys[0]); !near(c, pal[255], 6) {
		t.Errorf("a certain cell has %v where a ring would be, want its fill", c)
	}
}

func TestSurfaceAxes(t *testing.T) {
	settings := testSettings()
	settings.N = []int32{10, 20, 30} // linear
	settings.D = []int32{1000, 10, 100}
	_, surf := testSurface(t, settings)
	f, err := Surface(surf, results.EventW2S, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	art := f.art.(*surfaceArt)
	if art.x.log || art.x.label() != "n" {
		t.Errorf("n axis over 10, 20, 30: log %v, label %q; want linear", art.x.log, art.x.label())
	}
	if !art.y.log || art.y.label() != "d (log scale)" {
		t.Errorf("d axis over 10, 100, 1000: log %v, label %q; want log", art.y.log, art.y.label())
	}
	if got, want := art.grids[0].xs, []float64{10, 20, 30}; !equal(got, want) {
		t.Errorf("n columns at %v, want %v", got, want)
	}
	if got, want := art.grids[0].ys, []float64{1, 2, 3}; !equal(got, want) {
		t.Errorf("d rows at %v, want log10 of 10, 100, 1000: %v", got, want)
	}
	var labels []string
	for _, tk := range art.y.ticks() {
		labels = append(labels, tk.Label)
	}
	if strings.Join(labels, " ") != "10 100 1000" {
		t.Errorf("d tick labels %q, want the grid values", labels)
	}
	decodePNG(t, f, 9*150, int(4.5*150))

	// One n: a single column.
	settings = testSettings()
	settings.N = []int32{100}
	settings.D = []int32{5, 6, 8}
	s := createStore(t, settings)
	surf, err = results.Aggregate(s) // no records: every cell missing
	if err != nil {
		t.Fatal(err)
	}
	f, err = Surface(surf, results.EventW2S, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	art = f.art.(*surfaceArt)
	if c, r := art.grids[0].Dims(); c != 1 || r != 3 || art.x.log || art.y.log {
		t.Errorf("grid of one n and d 5, 6, 8 is %d×%d (log %v, %v), want 1×3 linear", c, r, art.x.log, art.y.log)
	}
	decodePNG(t, f, 9*150, int(4.5*150))
}

func TestSurfaceManyMargins(t *testing.T) {
	settings := testSettings()
	settings.Margin = []float64{2, 0.25, 0.5, 1, 4}
	settings.N = []int32{100}
	settings.D = []int32{10}
	s := createStore(t, settings)
	surf, err := results.Aggregate(s)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Surface(surf, results.EventW2S, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Panels != 5 {
		t.Errorf("Panels = %d, want 5", f.Panels)
	}
	if cols, rows := f.art.(*surfaceArt).tiles(); cols != 3 || rows != 2 {
		t.Errorf("five panels in %d columns × %d rows, want 3 × 2", cols, rows)
	}
	if got := f.art.(*surfaceArt).plots[0].Title.Text; got != "γ = 0.25" {
		t.Errorf("first panel is %q, want the smallest margin", got)
	}
	decodePNG(t, f, 13*150, 8*150)
	svgText(t, f)
}

func TestSurfaceTinyCanvas(t *testing.T) {
	_, surf := testSurface(t, testSettings())
	f, err := Surface(surf, results.EventW2S, 0, Options{Width: vg.Inch, Height: vg.Inch, DPI: 30})
	if err != nil {
		t.Fatal(err)
	}
	// Crowded beyond use, but it must not panic.
	var sink strings.Builder
	_ = f.WritePNG(&sink)
	_ = f.WriteSVG(&sink)
}

// equal reports whether two slices are equal within 1e-12.
func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}

func TestSettingsLine(t *testing.T) {
	s := testSettings()
	for _, c := range []struct {
		lo, hi int
		want   string
	}{
		{4, 4, "4 trials per cell"},
		{3, 3, "3 of 4 trials per cell"},
		{0, 4, "0–4 of 4 trials per cell"},
	} {
		if got := settingsLine(s, c.lo, c.hi); !strings.HasSuffix(got, c.want) {
			t.Errorf("settingsLine(%d, %d) = %q, want it to end %q", c.lo, c.hi, got, c.want)
		}
	}
	s.Labels, s.Mode = w2sv1.Labels_LABELS_SAMPLED, w2sv1.Mode_MODE_UNSPECIFIED
	if got := settingsLine(s, 4, 4); !strings.Contains(got, "sampled labels") || !strings.Contains(got, "MODE_UNSPECIFIED") {
		t.Errorf("settingsLine = %q, want sampled labels and the unspecified mode named", got)
	}
}
