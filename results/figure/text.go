package figure

// Words: event and checkpoint names, the settings line of a title, and
// drawing a block of text across a canvas.

import (
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
)

// checkEvent returns an error naming event unless it is one of
// results.Events.
func checkEvent(event string) error {
	if slices.Contains(results.Events, event) {
		return nil
	}
	return fmt.Errorf("figure: unknown event %q (want one of %s)", event, strings.Join(results.Events, ", "))
}

// checkCheckpoint returns an error naming k unless it is a checkpoint index
// of event: −1 for w2s_any, in [0, nk) otherwise.
func checkCheckpoint(event string, k, nk int) error {
	if event == results.EventW2SAny {
		if k != -1 {
			return fmt.Errorf("figure: checkpoint %d for event %s, which has none (pass -1)", k, event)
		}
		return nil
	}
	if k < 0 || k >= nk {
		return fmt.Errorf("figure: checkpoint %d out of range [0, %d) for event %s", k, nk, event)
	}
	return nil
}

// checkpointName names checkpoint k of the settings: "t = …" (flow),
// "λ = …" (ridge), or the oracle's best checkpoint for k = −1.
func checkpointName(s *w2sv1.SweepSettings, k int) string {
	if k < 0 {
		return "best checkpoint (oracle)"
	}
	return checkpointSymbol(s) + " = " + num(s.Checkpoints()[k])
}

// checkpointSymbol is t in flow mode and λ in ridge mode.
func checkpointSymbol(s *w2sv1.SweepSettings) string {
	if s.GetMode() == w2sv1.Mode_MODE_RIDGE {
		return "λ"
	}
	return "t"
}

// settingsLine describes the settings that matter for reading a figure;
// lo and hi are the fewest and most trials recorded in a drawn cell.
func settingsLine(s *w2sv1.SweepSettings, lo, hi int) string {
	labels := map[w2sv1.Labels]string{
		w2sv1.Labels_LABELS_SOFT:    "soft labels",
		w2sv1.Labels_LABELS_HARD:    "hard labels",
		w2sv1.Labels_LABELS_SAMPLED: "sampled labels",
	}[s.GetLabels()]
	if labels == "" {
		labels = "labels " + s.GetLabels().String()
	}
	mode := map[w2sv1.Mode]string{
		w2sv1.Mode_MODE_FLOW:  "gradient flow",
		w2sv1.Mode_MODE_RIDGE: "ridge path",
	}[s.GetMode()]
	if mode == "" {
		mode = "mode " + s.GetMode().String()
	}
	var trials string
	switch {
	case lo != hi:
		trials = fmt.Sprintf("%d–%d of %d trials per cell", lo, hi, s.GetTrials())
	case lo != int(s.GetTrials()):
		trials = fmt.Sprintf("%d of %d trials per cell", lo, s.GetTrials())
	default:
		trials = fmt.Sprintf("%d trials per cell", lo)
	}
	return fmt.Sprintf("ρ_s = %s, ρ_t = %s, %s, %s, %s", num(s.GetRhoS()), num(s.GetRhoT()), labels, mode, trials)
}

// cellName names a cell of the grid.
func cellName(margin float64, n, d int32) string {
	return fmt.Sprintf("γ = %s, n = %d, d = %d", num(margin), n, d)
}

// num formats a number with at most four significant digits.
func num(v float64) string {
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// firstLine returns s up to its first newline.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// textStyle returns a plain text style of the plot's default font.
func textStyle(size vg.Length, xalign draw.XAlignment, yalign draw.YAlignment) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(plot.DefaultFont, size),
		XAlign:  xalign,
		YAlign:  yalign,
		Handler: plot.DefaultTextHandler,
	}
}

// block is lines of text, each with its own size, centred across a canvas.
type block []struct {
	text string
	size vg.Length
}

// height returns the height the block takes, with pad above and below.
func (b block) height(pad vg.Length) vg.Length {
	h := 2 * pad
	for _, l := range b {
		h += textStyle(l.size, draw.XCenter, draw.YTop).Height(l.text) + l.size/4
	}
	return h
}

// drawTop draws the block from the top of c down and returns c without
// the band it took.
func (b block) drawTop(c draw.Canvas, pad vg.Length) draw.Canvas {
	y := c.Max.Y - pad
	for _, l := range b {
		sty := textStyle(l.size, draw.XCenter, draw.YTop)
		c.FillText(sty, vg.Point{X: c.Center().X, Y: y}, l.text)
		y -= sty.Height(l.text) + l.size/4
	}
	c.Max.Y = y - pad
	return c
}

// drawBottom draws the block at the bottom of c and returns c without the
// band it took.
func (b block) drawBottom(c draw.Canvas, pad vg.Length) draw.Canvas {
	h := b.height(pad)
	top := c
	top.Min.Y += h
	band := c
	band.Max.Y = c.Min.Y + h
	b.drawTop(band, pad)
	return top
}
