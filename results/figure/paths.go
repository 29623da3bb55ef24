package figure

// Paths: per-checkpoint summaries of the cosines of chosen cells.

import (
	"errors"
	"fmt"
	"math"
	"slices"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
)

// Path is the cosine path of one cell: at each checkpoint, the mean and
// the 10% and 90% quantiles of the cosine c_k over the cell's trials.
type Path struct {
	// Cell is the cell's ordinal; N, D and Margin its grid point.
	Cell   int
	N, D   int32
	Margin float64
	// Checkpoints are the settings' times (flow) or λs (ridge).
	Checkpoints []float64
	// Mean, Q10 and Q90 have one entry per checkpoint: the mean and the
	// 10% and 90% quantiles of the non-NaN cosines at that checkpoint,
	// NaN if there are none.
	Mean, Q10, Q90 []float64
	// CosTeacher and CosInitial are the means of c_t and c₀ over the
	// trials where they are not NaN.
	CosTeacher, CosInitial float64
	// Trials is the number of the cell's records.
	Trials int
}

// Paths reads the records of each of cells (ordinals, in the order given)
// from s and summarises them as Paths. NaN cosines are left out of every
// mean and quantile. Quantiles are exact order statistics interpolated
// linearly (Hyndman and Fan's type 7, the default of R and NumPy): of m
// sorted values x₀ ≤ … ≤ x_{m−1}, the q-quantile is x_⌊h⌋ + (h − ⌊h⌋)
// (x_⌊h⌋₊₁ − x_⌊h⌋) with h = (m − 1) q.
func Paths(s *results.Store, cells []int) ([]Path, error) {
	if s == nil {
		return nil, errors.New("figure: paths: no store")
	}
	settings := s.Settings()
	grid := settings.Cells()
	ckpts := settings.Checkpoints()
	paths := make([]Path, 0, len(cells))
	for _, cell := range cells {
		if cell < 0 || cell >= len(grid) {
			return nil, fmt.Errorf("figure: paths: cell ordinal %d out of range [0, %d)", cell, len(grid))
		}
		p, err := cellPath(s, cell, grid[cell], ckpts)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// cellPath summarises the records of one cell.
func cellPath(s *results.Store, cell int, c *w2sv1.Cell, ckpts []float64) (Path, error) {
	p := Path{
		Cell:        cell,
		N:           c.GetN(),
		D:           c.GetD(),
		Margin:      c.GetMargin(),
		Checkpoints: slices.Clone(ckpts),
		Mean:        make([]float64, len(ckpts)),
		Q10:         make([]float64, len(ckpts)),
		Q90:         make([]float64, len(ckpts)),
	}
	cos := make([][]float64, len(ckpts))
	var teacher, initial []float64
	err := s.ForEach(uint32(cell), func(o *w2sv1.TrialOutcome) error {
		if len(o.GetCos()) != len(ckpts) {
			return fmt.Errorf("trial %d: %d cosines, the settings have %d checkpoints", o.GetTrial(), len(o.GetCos()), len(ckpts))
		}
		p.Trials++
		for k, v := range o.GetCos() {
			cos[k] = appendNum(cos[k], v)
		}
		teacher = appendNum(teacher, o.GetCosTeacher())
		initial = appendNum(initial, o.GetCosInitial())
		return nil
	})
	if err != nil {
		return Path{}, fmt.Errorf("figure: paths: cell %d: %w", cell, err)
	}
	for k, v := range cos {
		slices.Sort(v)
		p.Mean[k], p.Q10[k], p.Q90[k] = mean(v), quantile(v, 0.1), quantile(v, 0.9)
	}
	p.CosTeacher, p.CosInitial = mean(teacher), mean(initial)
	return p, nil
}

// appendNum appends v to vs unless it is NaN.
func appendNum(vs []float64, v float64) []float64 {
	if math.IsNaN(v) {
		return vs
	}
	return append(vs, v)
}

// mean returns the mean of vs, NaN if it is empty.
func mean(vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	var sum float64
	for _, v := range vs {
		sum += v
	}
	return sum / float64(len(vs))
}

// quantile returns the q-quantile (0 ≤ q ≤ 1) of the sorted values vs,
// interpolated linearly between order statistics (type 7); NaN if vs is
// empty.
func quantile(sorted []float64, q float64) float64 {
	m := len(sorted)
	if m == 0 {
		return math.NaN()
	}
	h := float64(m-1) * q
	i := int(math.Floor(h))
	frac := h - float64(i)
	if i >= m-1 || frac == 0 {
		return sorted[min(i, m-1)]
	}
	return sorted[i] + frac*(sorted[i+1]-sorted[i])
}
