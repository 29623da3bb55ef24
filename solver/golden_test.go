package solver

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt from the current solver")

// goldenCases cover both modes, every label kind, primal and dual Newton,
// and step sizes below 1.
func goldenCases() []struct {
	name string
	s    *Settings
	c    Cell
} {
	type gc = struct {
		name string
		s    *Settings
		c    Cell
	}
	var out []gc
	for _, labels := range []Labels{Soft, Hard, Sampled} {
		f := flowSettings(300, 40, 2)
		f.Labels, f.Seed = labels, 99
		out = append(out, gc{"flow-" + labels.String(), f, Cell{300, 40, 2}})
		r := ridgeSettings(80, 30, 1.5)
		r.Labels, r.Seed = labels, 99
		out = append(out, gc{"ridge-primal-" + labels.String(), r, Cell{80, 30, 1.5}})
		r2 := ridgeSettings(25, 70, 3)
		r2.Labels, r2.Seed = labels, 99
		out = append(out, gc{"ridge-dual-" + labels.String(), r2, Cell{25, 70, 3}})
	}
	small := flowSettings(20, 200, 0.5) // h = 4/(1+√10)² < 1
	small.Times = []float64{0.1, 1, 3}
	out = append(out, gc{"flow-small-step", small, Cell{20, 200, 0.5}})
	return out
}

// outcomeHash is a SHA-256 over every bit of an outcome.
func outcomeHash(o *Outcome) string {
	h := sha256.New()
	var b [8]byte
	put := func(x float64) { binary.LittleEndian.PutUint64(b[:], math.Float64bits(x)); h.Write(b[:]) }
	put(o.CosTeacher)
	put(o.CosInitial)
	for k := range o.Cos {
		put(o.Cos[k])
		put(o.Norm[k])
		put(o.GradNorm[k])
		put(float64(o.Steps[k]))
	}
	if o.Diverged {
		h.Write([]byte{1})
	}
	if o.Unconverged {
		h.Write([]byte{2})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// TestGolden pins the bits of a set of trials. It fails when a change alters
// any number (update the file deliberately with -update and say why in the
// commit), and, run under GOAMD64=v3 or on another architecture, when the
// compiler's fused multiply-adds would make results machine-dependent.
func TestGolden(t *testing.T) {
	var lines []string
	var ws Workspace
	var o Outcome
	for _, c := range goldenCases() {
		for _, i := range []int{0, 1, 17} {
			if err := ws.Run(c.s, c.c, i, &o); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%s %d %s", c.name, i, outcomeHash(&o)))
		}
	}
	lines = append(lines, "elementary "+elementaryHash())
	got := strings.Join(lines, "\n") + "\n"
	if *update {
		if err := os.WriteFile("testdata/golden.txt", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("testdata/golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	wl := strings.Split(strings.TrimSpace(string(want)), "\n")
	for k, l := range lines {
		if k >= len(wl) || wl[k] != l {
			w := "(none)"
			if k < len(wl) {
				w = wl[k]
			}
			t.Errorf("golden mismatch:\n got %s\nwant %s", l, w)
		}
	}
	if len(wl) != len(lines) {
		t.Errorf("golden file has %d lines, the cases %d", len(wl), len(lines))
	}
}

// elementaryHash hashes Exp, Log, Log1p, Sigmoid, Softplus and the normal
// sampler over a deterministic spread of arguments.
func elementaryHash() string {
	h := sha256.New()
	var b [8]byte
	put := func(x float64) { binary.LittleEndian.PutUint64(b[:], math.Float64bits(x)); h.Write(b[:]) }
	rng := NewStream(1, 2, 3, 4, 5)
	for range 20000 {
		u := rng.Float64()
		x := 1400*u - 700
		put(Exp(x))
		put(Log(Exp(x)))
		put(Log1p(u))
		put(Sigmoid(x / 10))
		put(Softplus(x / 10))
		put(rng.Normal())
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
