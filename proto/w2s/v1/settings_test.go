package w2sv1

import (
	"testing"

	"google.golang.org/protobuf/proto"
)

func TestCellMatchesCells(t *testing.T) {
	s := &SweepSettings{N: []int32{10, 20, 30}, D: []int32{5, 7}, Margin: []float64{1, 2, 4, 8}}
	cells := s.Cells()
	if len(cells) != s.NumCells() || len(cells) != 24 {
		t.Fatalf("%d cells, NumCells %d", len(cells), s.NumCells())
	}
	for i, c := range cells {
		if got := s.Cell(i); !proto.Equal(got, c) {
			t.Errorf("Cell(%d) = %v, Cells()[%d] = %v", i, got, i, c)
		}
	}
	// Canonical order: margin, then n, then d.
	if c := cells[7]; c.Margin != 2 || c.N != 10 || c.D != 7 {
		t.Errorf("cell 7 = %v, want margin 2, n 10, d 7", c)
	}
	if s.Cell(-1) != nil || s.Cell(24) != nil {
		t.Error("out-of-range ordinals give a cell")
	}
}
