package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/w2s-lab/w2s/coordinator"
)

// progress shows a run's progress on stderr: a bar redrawn in place on a
// terminal, a plain line every few seconds otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	width int
	every time.Duration
	mu    sync.Mutex
	last  coordinator.Progress
	have  bool
	stop  chan struct{}
	done  chan struct{}
}

// newProgress starts reporting to w; every is the interval of plain lines
// (0: 5 s).
func newProgress(w io.Writer, every time.Duration) *progress {
	if every <= 0 {
		every = 5 * time.Second
	}
	p := &progress{w: w, every: every, stop: make(chan struct{}), done: make(chan struct{})}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty, p.every = true, 250*time.Millisecond
		if wd, _, err := term.GetSize(int(f.Fd())); err == nil {
			p.width = wd
		}
	}
	go p.loop()
	return p
}

// update records a snapshot; it is called on the store's writer goroutine
// and only stores it.
func (p *progress) update(s coordinator.Progress) {
	p.mu.Lock()
	p.last, p.have = s, true
	p.mu.Unlock()
}

func (p *progress) loop() {
	defer close(p.done)
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			p.draw(false)
		case <-p.stop:
			p.draw(true)
			return
		}
	}
}

// finish draws the final state and ends the line.
func (p *progress) finish() {
	close(p.stop)
	<-p.done
}

func (p *progress) draw(final bool) {
	p.mu.Lock()
	s, have := p.last, p.have
	p.mu.Unlock()
	if !have || (!p.tty && final) {
		return
	}
	elapsed := time.Since(s.Started)
	rate := float64(s.RunDone) / max(elapsed.Seconds(), 1e-9)
	eta := "-"
	if rate > 0 && s.RunDone < s.RunTrials {
		eta = fmtDuration(time.Duration(float64(s.RunTrials-s.RunDone) / rate * float64(time.Second)))
	}
	stats := fmt.Sprintf("%d/%d cells  %d/%d trials  %.0f trials/s  ETA %s",
		s.CellsDone, s.Cells, s.TrialsDone, s.Trials, rate, eta)
	if !p.tty {
		fmt.Fprintf(p.w, "progress: %s  elapsed %s\n", stats, fmtDuration(elapsed))
		return
	}
	barWidth := 30
	if p.width > 0 {
		barWidth = min(barWidth, max(10, p.width-len(stats)-4))
	}
	frac := 1.0
	if s.Trials > 0 {
		frac = float64(s.TrialsDone) / float64(s.Trials)
	}
	full := int(frac * float64(barWidth))
	bar := "[" + strings.Repeat("=", full) + strings.Repeat(" ", barWidth-full) + "] "
	fmt.Fprintf(p.w, "\r\033[K%s%s", bar, stats)
	if final {
		fmt.Fprintln(p.w)
	}
}

func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	}
	if m > 0 {
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}
