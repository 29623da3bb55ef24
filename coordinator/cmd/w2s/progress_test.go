package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/w2s-lab/w2s/coordinator"
)

func snapshot() coordinator.Progress {
	return coordinator.Progress{Cells: 8, CellsDone: 3, Trials: 800, TrialsDone: 400,
		RunTrials: 600, RunDone: 200, Started: time.Now().Add(-10 * time.Second)}
}

// On a terminal: a bar redrawn in place with cells, trials, rate and ETA.
func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, tty: true, width: 100}
	p.update(snapshot())
	p.draw(false)
	p.draw(true)
	out := buf.String()
	for _, want := range []string{"\r\033[K[", "===============               ]", "3/8 cells", "400/800 trials", "20 trials/s", "ETA 20s"} {
		if !strings.Contains(out, want) {
			t.Errorf("bar %q lacks %q", out, want)
		}
	}
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Errorf("the bar should end its line once, at the end: %q", out)
	}
}

// Not on a terminal: a plain line every interval, nothing redrawn.
func TestProgressLines(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 20*time.Millisecond)
	p.update(snapshot())
	time.Sleep(100 * time.Millisecond)
	p.finish()
	out := buf.String()
	if strings.Contains(out, "\r") || !strings.HasPrefix(out, "progress: 3/8 cells  400/800 trials") {
		t.Errorf("progress lines: %q", out)
	}
	if n := strings.Count(out, "\n"); n < 1 {
		t.Errorf("%d progress lines", n)
	}
}
