// Package figure draws the statistics of a w2s sweep with gonum.org/v1/plot.
//
// Surface draws, for one event at one checkpoint, a heat map of the success
// rate p̂ over the (n, d) grid, one panel per margin γ. Paths reduces a
// store's records to per-checkpoint cosine paths of chosen cells, and
// PathFigure draws those paths under the success rate of an event against
// the checkpoint. Both return a Figure, which writes PNG or SVG.
//
// Every figure is drawn on one canvas: a title band on top, the panels laid
// out with draw.Tiles and aligned with plot.Align, and a colour bar
// (Surface) or a legend (PathFigure) on the right.
package figure
