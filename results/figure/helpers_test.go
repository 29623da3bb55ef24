package figure

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/png"
	"io"
	"path/filepath"
	"strings"
	"testing"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
)

// testTrials is the number of trials per cell of testSettings.
const testTrials = 4

// testSettings is a 2 margins × 3 n × 3 d grid, geometric in n and d, with
// four trials per cell and three checkpoint times.
func testSettings() *w2sv1.SweepSettings {
	return &w2sv1.SweepSettings{
		ProtocolVersion: 1,
		Seed:            7,
		N:               []int32{50, 100, 200},
		D:               []int32{10, 100, 1000},
		Margin:          []float64{0.5, 1},
		Trials:          testTrials,
		RhoS:            0.3,
		RhoT:            0.6,
		Labels:          w2sv1.Labels_LABELS_HARD,
		Mode:            w2sv1.Mode_MODE_FLOW,
		Times:           []float64{1, 10, 100},
	}
}

// createStore creates a store of settings in a temporary directory.
func createStore(t *testing.T, settings *w2sv1.SweepSettings) *results.Store {
	t.Helper()
	s, err := results.Create(filepath.Join(t.TempDir(), "sweep.w2s"), settings)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Cosines of the test outcomes: a trial beats the teacher (c_t = 0.5) at
// every checkpoint when it succeeds and at none when it fails.
const (
	testCosTeacher = 0.5
	testCosInitial = 0.2
	testCosHit     = 0.8
	testCosMiss    = 0.3
)

// successes returns, for the cell at n index i and d index j of margin
// index m, how many of the four trials beat the teacher, or −1 for a cell
// left without records. Margin 0 has p̂ = 1 below the anti-diagonal, 1/2
// on it and 0 above it; margin 1 has no records in its first cell and
// p̂ = 3/4 elsewhere.
func successes(m, i, j int) int {
	if m == 1 {
		if i == 0 && j == 0 {
			return -1
		}
		return 3
	}
	switch {
	case i+j < 2:
		return testTrials
	case i+j == 2:
		return testTrials / 2
	default:
		return 0
	}
}

// fillStore puts the outcomes described by successes into s, whose
// settings must be a 3 n × 3 d grid, and returns its surface.
func fillStore(t *testing.T, s *results.Store) *results.Surface {
	t.Helper()
	settings := s.Settings()
	nk := len(settings.Checkpoints())
	var recs []results.Record
	for ord, cell := range settings.Cells() {
		m := ord / (len(settings.GetN()) * len(settings.GetD()))
		i := ord / len(settings.GetD()) % len(settings.GetN())
		j := ord % len(settings.GetD())
		k := successes(m, i, j)
		for trial := 0; k >= 0 && trial < testTrials; trial++ {
			c := testCosMiss
			if trial < k {
				c = testCosHit
			}
			cos := make([]float64, nk)
			for q := range cos {
				cos[q] = c + 0.01*float64(q)
			}
			recs = append(recs, results.Record{Cell: uint32(ord), Outcome: &w2sv1.TrialOutcome{
				Cell:       cell,
				Trial:      int32(trial),
				CosTeacher: testCosTeacher,
				CosInitial: testCosInitial,
				Cos:        cos,
			}})
		}
	}
	if err := s.Put(recs); err != nil {
		t.Fatal(err)
	}
	surf, err := results.Aggregate(s)
	if err != nil {
		t.Fatal(err)
	}
	return surf
}

// testSurface returns the surface of a filled store of settings.
func testSurface(t *testing.T, settings *w2sv1.SweepSettings) (*results.Store, *results.Surface) {
	t.Helper()
	s := createStore(t, settings)
	return s, fillStore(t, s)
}

// decodePNG writes f as PNG, decodes it and checks its size against
// Size() and against want (width, height in pixels).
func decodePNG(t *testing.T, f *Figure, wantW, wantH int) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := f.WritePNG(&buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	w, h := f.Size()
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("PNG is %d×%d, Size() says %d×%d", b.Dx(), b.Dy(), w, h)
	}
	if w != wantW || h != wantH {
		t.Errorf("Size() = %d×%d, the options imply %d×%d", w, h, wantW, wantH)
	}
	return img
}

// svgText writes f as SVG, parses it as XML and returns its character
// data.
func svgText(t *testing.T, f *Figure) string {
	t.Helper()
	var buf bytes.Buffer
	if err := f.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&buf)
	var text strings.Builder
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG does not parse as XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
		case xml.CharData:
			text.Write(tok)
			text.WriteByte('\n')
		}
	}
	if root != "svg" {
		t.Errorf("SVG root element is %q", root)
	}
	return text.String()
}

// wantError checks that err is an error whose message contains each of
// words.
func wantError(t *testing.T, what string, err error, words ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", what)
		return
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q does not name %q", what, err, w)
		}
	}
}
