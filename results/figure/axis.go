package figure

// Axes: the n and d axes of a heat map, linear or logarithmic, and tick
// marks for logarithmic checkpoint axes.

import (
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
)

// geometricTolerance is how far apart, as a ratio, the ratios of
// consecutive values of a geometric grid may be.
const geometricTolerance = 1.1

// geometric reports whether a grid's values call for a logarithmic axis.
// They do when there are at least two distinct values, all finite and
// positive, and either the ratios of consecutive sorted distinct values are
// within 10% of each other (the largest at most 1.1 times the smallest), or
// there are at least three distinct values and the largest is at least 10
// times the smallest.
func geometric(vals []float64) bool {
	v := distinct(vals)
	if len(v) < 2 {
		return false
	}
	for _, x := range v {
		if !(x > 0) || math.IsInf(x, 0) {
			return false
		}
	}
	if len(v) >= 3 && v[len(v)-1] >= 10*v[0] {
		return true
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := 1; i < len(v); i++ {
		r := v[i] / v[i-1]
		lo, hi = min(lo, r), max(hi, r)
	}
	return hi <= geometricTolerance*lo
}

// distinct returns the distinct values of vals in increasing order, NaNs
// left out.
func distinct(vals []float64) []float64 {
	v := make([]float64, 0, len(vals))
	for _, x := range vals {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	slices.Sort(v)
	return slices.Compact(v)
}

// gridAxis is the n or the d axis of a heat map. Its cells are drawn in
// plot coordinates: log10 of the grid values on a log axis, the values
// themselves on a linear one, so that on either axis each cell is centred
// on its value and its edges lie halfway (in plot coordinates) to its
// neighbours.
type gridAxis struct {
	name   string
	values []float64 // distinct, increasing
	log    bool
}

// maxTickLabels is the most grid values labelled along an axis; with more,
// every k-th value is labelled.
const maxTickLabels = 8

// newGridAxis returns the axis of the grid values vals.
func newGridAxis(name string, vals []int32) gridAxis {
	f := make([]float64, len(vals))
	for i, v := range vals {
		f[i] = float64(v)
	}
	return gridAxis{name: name, values: distinct(f), log: geometric(f)}
}

// coord returns the plot coordinate of the grid value v.
func (a gridAxis) coord(v float64) float64 {
	if a.log {
		return math.Log10(v)
	}
	return v
}

// coords returns the plot coordinates of the axis's values.
func (a gridAxis) coords() []float64 {
	c := make([]float64, len(a.values))
	for i, v := range a.values {
		c[i] = a.coord(v)
	}
	return c
}

// index returns the position of v among the axis's values, or −1.
func (a gridAxis) index(v float64) int {
	i, ok := slices.BinarySearch(a.values, v)
	if !ok {
		return -1
	}
	return i
}

// label is the axis label.
func (a gridAxis) label() string {
	if a.log {
		return a.name + " (log scale)"
	}
	return a.name
}

// ticks returns a tick at every grid value, labelled with the value.
func (a gridAxis) ticks() plot.ConstantTicks {
	step := (len(a.values) + maxTickLabels - 1) / maxTickLabels
	ticks := make(plot.ConstantTicks, len(a.values))
	for i, v := range a.values {
		ticks[i].Value = a.coord(v)
		if i%step == 0 {
			ticks[i].Label = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ticks
}

// edges returns the cell edges of cells centred on the increasing
// coordinates c, as plotter.HeatMap draws them: halfway between
// neighbours, the outer cells as wide as their inner halves, and a lone
// cell one unit wide.
func edges(c []float64) []float64 {
	n := len(c)
	if n == 0 {
		return nil
	}
	e := make([]float64, n+1)
	if n == 1 {
		e[0], e[1] = c[0]-0.5, c[0]+0.5
		return e
	}
	e[0] = c[0] - (c[1]-c[0])/2
	for i := 1; i < n; i++ {
		e[i] = (c[i-1] + c[i]) / 2
	}
	e[n] = c[n-1] + (c[n-1]-c[n-2])/2
	return e
}

// logTicks returns tick marks for a logarithmic axis over [lo, hi]: a
// minor tick at every m·10^e (m = 1…9) in range, labels at the powers of
// ten (also at 2 and 5 times them over at most two decades), and, should
// that label fewer than two ticks, labels at every tick or at the ends.
func logTicks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) {
		return nil
	}
	e0, e1 := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	decades := e1 - e0
	labelled := []int{1}
	if decades <= 2 {
		labelled = []int{1, 2, 5}
	}
	step := max(1, (decades+maxTickLabels-1)/maxTickLabels)
	const slack = 1e-9
	var ticks []plot.Tick
	nlabels := 0
	for e := e0; e <= e1; e++ {
		p := math.Pow10(e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * p
			if v < lo*(1-slack) || v > hi*(1+slack) {
				continue
			}
			t := plot.Tick{Value: v}
			if (e-e0)%step == 0 && slices.Contains(labelled, m) {
				t.Label = tickLabel(v)
				nlabels++
			}
			ticks = append(ticks, t)
		}
	}
	if nlabels >= 2 {
		return ticks
	}
	if len(ticks) >= 2 {
		for i := range ticks {
			ticks[i].Label = tickLabel(ticks[i].Value)
		}
		return ticks
	}
	return []plot.Tick{{Value: lo, Label: tickLabel(lo)}, {Value: hi, Label: tickLabel(hi)}}
}

// tickLabel formats a tick value to three significant digits, in
// positional notation from 10⁻⁴ up to 10⁶.
func tickLabel(v float64) string {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
	if err != nil || r == 0 || math.Abs(r) < 1e-4 || math.Abs(r) >= 1e6 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// unlabelled is a Ticker with the labels of another left out, for an axis
// shared with the panel below.
type unlabelled struct{ plot.Ticker }

// Ticks returns the ticks of the wrapped Ticker without labels.
func (u unlabelled) Ticks(lo, hi float64) []plot.Tick {
	ticks := u.Ticker.Ticks(lo, hi)
	out := make([]plot.Tick, len(ticks))
	for i, t := range ticks {
		out[i] = plot.Tick{Value: t.Value}
	}
	return out
}
