package figure

// The checkpoint axis shared by the two panels of a path figure.

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
)

// ckptAxis is the checkpoint axis: logarithmic when every checkpoint is
// positive (linear otherwise), and, in ridge mode, with λ decreasing from
// left to right, the direction in which the ridge path fits ever closer.
type ckptAxis struct {
	log, inverted bool
	lo, hi        float64
	label         string
}

// newCkptAxis returns the axis for the settings' checkpoints, its range
// stretched over the drawable points of the theory curves.
func newCkptAxis(s *w2sv1.SweepSettings, theory []TheoryCurve) (ckptAxis, error) {
	ckpts := s.Checkpoints()
	a := ckptAxis{log: len(ckpts) > 0, inverted: s.GetMode() == w2sv1.Mode_MODE_RIDGE}
	for _, x := range ckpts {
		if !(x > 0) || math.IsInf(x, 0) {
			a.log = false
		}
	}
	a.lo, a.hi = math.Inf(1), math.Inf(-1)
	for _, x := range ckpts {
		if a.ok(x) {
			a.lo, a.hi = min(a.lo, x), max(a.hi, x)
		}
	}
	if a.lo > a.hi {
		return ckptAxis{}, fmt.Errorf("figure: path figure: no finite checkpoint among %v", ckpts)
	}
	for _, tc := range theory {
		for _, x := range tc.Checkpoints {
			if a.ok(x) {
				a.lo, a.hi = min(a.lo, x), max(a.hi, x)
			}
		}
	}
	if a.lo == a.hi {
		if a.log {
			a.lo, a.hi = a.lo/math.Sqrt(10), a.hi*math.Sqrt(10)
		} else {
			half := max(math.Abs(a.lo)/2, 1)
			a.lo, a.hi = a.lo-half, a.hi+half
		}
	}

	a.label = "time t"
	if a.inverted {
		a.label = "λ"
	}
	switch {
	case a.log && a.inverted:
		a.label += " (log scale, decreasing →)"
	case a.inverted:
		a.label += " (decreasing →)"
	case a.log:
		a.label += " (log scale)"
	}
	return a, nil
}

// ok reports whether x can be placed on the axis.
func (a ckptAxis) ok(x float64) bool {
	return !math.IsNaN(x) && !math.IsInf(x, 0) && (!a.log || x > 0)
}

// apply sets a plot axis to this one; with labels false, it has tick marks
// but neither tick labels nor a label.
func (a ckptAxis) apply(ax *plot.Axis, labels bool) {
	ax.Min, ax.Max = a.lo, a.hi
	var ticker plot.Ticker = plot.DefaultTicks{}
	var scale plot.Normalizer = plot.LinearScale{}
	if a.log {
		ticker, scale = plot.TickerFunc(logTicks), plot.LogScale{}
	}
	if a.inverted {
		scale = plot.InvertedScale{Normalizer: scale}
	}
	ax.Scale = scale
	if labels {
		ax.Tick.Marker = ticker
		ax.Label.Text = a.label
	} else {
		ax.Tick.Marker = unlabelled{ticker}
		ax.Label.Text = ""
	}
}
