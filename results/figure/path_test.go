package figure

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
)

// testTheory is a theory curve reaching past the checkpoints on both
// sides, with a point a log axis cannot show.
var testTheory = []TheoryCurve{{
	Label:       "theory, γ = 0.5",
	Checkpoints: []float64{0, 0.5, 1, 3, 10, 30, 100, 300},
	Cos:         []float64{0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.75, 0.78},
}}

func TestPathFigure(t *testing.T) {
	s, surf := testSurface(t, testSettings())
	// Cell 9 has no records: its path is all NaN.
	paths, err := Paths(s, []int{0, 4, 8, 9, 10})
	if err != nil {
		t.Fatal(err)
	}
	f, err := PathFigure(paths, surf, results.EventW2S, testTheory, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Panels != 2 {
		t.Errorf("Panels = %d, want 2", f.Panels)
	}
	// Defaults: 4 in + 2.5 in for the legend; 2 × 3.5 in + 0.75 in.
	decodePNG(t, f, int(6.5*150), int(7.75*150+0.5))

	f, err = PathFigure(paths, surf, results.EventW2S, testTheory, Options{Width: 8 * vg.Inch, Height: 6 * vg.Inch, DPI: 50})
	if err != nil {
		t.Fatal(err)
	}
	decodePNG(t, f, 400, 300)

	text := svgText(t, f)
	for _, line := range strings.Split(f.Title, "\n") {
		if !strings.Contains(text, line) {
			t.Errorf("SVG text does not contain the title line %q", line)
		}
	}
	for _, want := range []string{"P(w2s) at each t, and cosine paths", "γ = 0.5, n = 50, d = 10 (4 trials)",
		"γ = 1, n = 50, d = 10 (0 trials)", "teacher's cosine c_t", "initial cosine c₀", "theory, γ = 0.5", "time t (log scale)"} {
		if !strings.Contains(text, want) {
			t.Errorf("SVG text does not contain %q", want)
		}
	}
}

func TestPathFigureSharedAxis(t *testing.T) {
	for _, mode := range []w2sv1.Mode{w2sv1.Mode_MODE_FLOW, w2sv1.Mode_MODE_RIDGE} {
		settings := testSettings()
		settings.Mode = mode
		if mode == w2sv1.Mode_MODE_RIDGE {
			settings.Times, settings.Lambdas = nil, []float64{1, 0.1, 0.01}
		}
		s, surf := testSurface(t, settings)
		paths, err := Paths(s, []int{0, 8})
		if err != nil {
			t.Fatal(err)
		}
		f, err := PathFigure(paths, surf, results.EventImproves, nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		art := f.art.(*pathArt)
		c := draw.New(vgimg.NewWith(vgimg.UseWH(f.width, f.height), vgimg.UseDPI(f.dpi)))
		top, bottom, _ := art.layout(c)
		tdc, bdc := art.top.DataCanvas(top), art.bottom.DataCanvas(bottom)
		if math.Abs(float64(tdc.Min.X-bdc.Min.X)) > 1e-6 || math.Abs(float64(tdc.Max.X-bdc.Max.X)) > 1e-6 {
			t.Errorf("%v: panels' data areas span x [%v, %v] and [%v, %v], want the same", mode, tdc.Min.X, tdc.Max.X, bdc.Min.X, bdc.Max.X)
		}
		if tdc.Min.Y < bdc.Max.Y {
			t.Errorf("%v: the rate panel is not above the cosine panel", mode)
		}
		trTop, _ := art.top.Transforms(&tdc)
		trBottom, _ := art.bottom.Transforms(&bdc)
		ckpts := settings.Checkpoints()
		for _, x := range ckpts {
			if math.Abs(float64(trTop(x)-trBottom(x))) > 1e-6 {
				t.Errorf("%v: checkpoint %v at x %v on top, %v below", mode, x, trTop(x), trBottom(x))
			}
		}
		// Flow: t increases to the right. Ridge: λ decreases to the right.
		first, last := trBottom(ckpts[0]), trBottom(ckpts[len(ckpts)-1])
		if !(first < last) {
			t.Errorf("%v: checkpoints run from x %v to %v, want left to right in settings order", mode, first, last)
		}
		// Log scale: equal ratios, equal distances.
		d1, d2 := trBottom(ckpts[1])-trBottom(ckpts[0]), trBottom(ckpts[2])-trBottom(ckpts[1])
		if math.Abs(float64(d1-d2)) > 1e-6 {
			t.Errorf("%v: checkpoints ×10 apart are %v and %v apart, want equal (log scale)", mode, d1, d2)
		}
		w, h := f.Size()
		decodePNG(t, f, w, h)
		svgText(t, f)
	}
}

func TestPathFigureW2SAny(t *testing.T) {
	s, surf := testSurface(t, testSettings())
	paths, err := Paths(s, []int{0, 5})
	if err != nil {
		t.Fatal(err)
	}
	f, err := PathFigure(paths, surf, results.EventW2SAny, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Title, "best checkpoint (oracle)") {
		t.Errorf("title %q does not name the oracle's checkpoint", f.Title)
	}
	w, h := f.Size()
	decodePNG(t, f, w, h)
}

func TestPathFigureErrors(t *testing.T) {
	s, surf := testSurface(t, testSettings())
	paths, err := Paths(s, []int{0, 4})
	if err != nil {
		t.Fatal(err)
	}
	_, err = PathFigure(paths, surf, "w2z", nil, Options{})
	wantError(t, "unknown event", err, `"w2z"`)
	_, err = PathFigure(nil, surf, results.EventW2S, nil, Options{})
	wantError(t, "no paths", err, "no paths")
	_, err = PathFigure(paths, nil, results.EventW2S, nil, Options{})
	wantError(t, "no surface", err, "no surface")

	bad := append([]Path(nil), paths...)
	bad[1].Cell = 99
	_, err = PathFigure(bad, surf, results.EventW2S, nil, Options{})
	wantError(t, "bad cell", err, "cell ordinal 99", "[0, 18)")

	bad[1] = paths[1]
	bad[1].Cell = 5 // (γ = 0.5, n = 100, d = 1000), not the path's (n = 100, d = 100)
	_, err = PathFigure(bad, surf, results.EventW2S, nil, Options{})
	wantError(t, "wrong cell", err, "path 1", "cell 5")

	bad[1] = paths[1]
	bad[1].Mean = bad[1].Mean[:2]
	_, err = PathFigure(bad, surf, results.EventW2S, nil, Options{})
	wantError(t, "short path", err, "2 means", "3 checkpoints")

	bad[1] = paths[1]
	bad[1].Checkpoints = []float64{1, 10, 1000}
	_, err = PathFigure(bad, surf, results.EventW2S, nil, Options{})
	wantError(t, "other checkpoints", err, "checkpoint 2 is 1000")

	_, err = PathFigure(paths, surf, results.EventW2S, []TheoryCurve{{Label: "lopsided", Checkpoints: []float64{1, 2}, Cos: []float64{0.5}}}, Options{})
	wantError(t, "bad theory curve", err, `"lopsided"`, "2 checkpoints but 1 cosines")

	_, err = PathFigure(paths, surf, results.EventW2S, nil, Options{Height: 0.5 * vg.Inch})
	wantError(t, "small height", err, "height 0.5")
}
