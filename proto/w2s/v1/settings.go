package w2sv1

// Hand-written helpers on the generated types (this file is not generated).

// ProtocolVersion is the trial protocol version these types describe.
const ProtocolVersion = 1

// Cells expands the settings' grid in its canonical order: margin, then n,
// then d, each in the order given. A cell's position in this list is its
// ordinal, the first part of its records' keys in the store.
func (s *SweepSettings) Cells() []*Cell {
	cells := make([]*Cell, 0, len(s.GetMargin())*len(s.GetN())*len(s.GetD()))
	for _, g := range s.GetMargin() {
		for _, n := range s.GetN() {
			for _, d := range s.GetD() {
				cells = append(cells, &Cell{N: n, D: d, Margin: g})
			}
		}
	}
	return cells
}

// Checkpoints returns the times (flow mode) or λs (ridge mode) at which
// every trial is read.
func (s *SweepSettings) Checkpoints() []float64 {
	if s.GetMode() == Mode_MODE_RIDGE {
		return s.GetLambdas()
	}
	return s.GetTimes()
}

// NumCells returns the number of cells of the grid.
func (s *SweepSettings) NumCells() int {
	return len(s.GetMargin()) * len(s.GetN()) * len(s.GetD())
}

// Cell returns the cell with the given ordinal (its index in Cells())
// without expanding the grid, or nil if the ordinal is out of range.
func (s *SweepSettings) Cell(ordinal int) *Cell {
	nn, nd := len(s.GetN()), len(s.GetD())
	if ordinal < 0 || ordinal >= s.NumCells() {
		return nil
	}
	return &Cell{N: s.N[ordinal/nd%nn], D: s.D[ordinal%nd], Margin: s.Margin[ordinal/(nd*nn)]}
}
