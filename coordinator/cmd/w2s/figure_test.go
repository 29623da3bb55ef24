package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportFigures(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "fig.w2s")
	if r := w2s(t, "run", "--store", store, "--n", "50,200", "--d", "10,40", "--margin", "1,2", "--trials", "16", "--times", "0.5,2,8"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	out := filepath.Join(dir, "surface.png")
	if r := w2s(t, "export", "--store", store, "--format", "png", "--checkpoint", "2", "--out", out, "--dpi", "100"); r.code != 0 {
		t.Fatalf("surface png: %s", r.stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(f)
	f.Close()
	// Two margins: two 4 in panels and a 1 in colour bar, at 100 dpi.
	if err != nil || cfg.Width != 900 {
		t.Errorf("surface png: %v, %d×%d", err, cfg.Width, cfg.Height)
	}
	// The path figure, to stdout, as SVG, with the theory overlaid.
	r := w2s(t, "export", "--store", store, "--format", "svg", "--figure", "path", "--cells", "0,3")
	if r.code != 0 {
		t.Fatalf("path svg: %s", r.stderr)
	}
	if err := xml.Unmarshal([]byte(r.stdout), new(struct{ XMLName xml.Name })); err != nil {
		t.Errorf("path svg does not parse: %v", err)
	}
	if !strings.Contains(r.stdout, "theory") {
		t.Error("the path figure of a soft-label sweep has no theory curve")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "png", "--checkpoint", "3"}, "0.5, 2, 8"},
		{[]string{"--format", "png"}, "--checkpoint"},
		{[]string{"--format", "png", "--event", "wins", "--checkpoint", "2"}, "wins"},
		{[]string{"--format", "svg", "--figure", "path", "--cells", "9"}, "9"},
		{[]string{"--format", "svg", "--figure", "pie"}, "pie"},
	} {
		r := w2s(t, append([]string{"export", "--store", store}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("export %v: exit %d, %q", c.args, r.code, r.stderr)
		}
	}
	// w2s_any defaults to the best checkpoint.
	if r := w2s(t, "export", "--store", store, "--format", "svg", "--event", "w2s_any"); r.code != 0 || !bytes.Contains([]byte(r.stdout), []byte("oracle")) {
		t.Errorf("w2s_any surface: exit %d, %q", r.code, r.stderr)
	}
}

func TestTheoryCommand(t *testing.T) {
	r := w2s(t, "theory", "--margin", "2", "--d-theory", "inf,50")
	if r.code != 0 || !strings.Contains(r.stdout, "w2s window") || !strings.Contains(r.stdout, "P(w2s)") {
		t.Fatalf("theory: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = w2s(t, "theory", "--mode", "ridge", "--margin", "1,2", "--format", "json")
	var doc struct {
		Rows []struct {
			Margin  float64                    `json:"margin"`
			Cos     []float64                  `json:"mean_cos"`
			Windows []struct{ Lo, Hi float64 } `json:"w2s_windows"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Rows) != 2 || len(doc.Rows[0].Cos) != 7 {
		t.Fatalf("theory json: %v %+v", err, doc)
	}
	// PROTOCOL.md: P(w2s) ≈ 1 for λ ≥ 1 and ≈ 0 for λ ≤ 0.03 at γ = 2; the
	// population window agrees.
	w := doc.Rows[1].Windows
	if len(w) != 1 || !(w[0].Lo > 0.03 && w[0].Lo < 1) {
		t.Errorf("ridge window at γ=2: %+v", w)
	}
	if r := w2s(t, "theory", "--labels", "hard"); r.code != 2 || !strings.Contains(r.stderr, "soft") {
		t.Errorf("theory with hard labels: exit %d, %q", r.code, r.stderr)
	}
	if r := w2s(t, "theory", "--d-theory", "1"); r.code != 2 || !strings.Contains(r.stderr, "d-theory") {
		t.Errorf("theory --d-theory 1: exit %d, %q", r.code, r.stderr)
	}
}
