package results

// Export: a Surface as CSV or JSON. The columns are described in doc.go.

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protojson"
)

// columns are the CSV header, and the field names of the JSON rows.
var columns = []string{
	"margin", "n", "d", "checkpoint_index", "checkpoint", "checkpoint_kind", "event",
	"trials", "successes", "p_hat", "wilson_low", "wilson_high", "mean_gain", "mean_cos", "diverged",
}

// formatFloat formats x in the shortest form that reads back exactly; NaN
// (and infinities, which JSON cannot hold) as "".
func formatFloat(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// WriteCSV writes the rows of s as CSV with a header line. Empty fields
// stand for NaN, and for the checkpoint of w2s_any rows.
func WriteCSV(w io.Writer, s *Surface) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(columns); err != nil {
		return fmt.Errorf("results: write csv: %w", err)
	}
	for i := range s.Rows {
		r := &s.Rows[i]
		index, ckpt := "", ""
		if r.CheckpointIndex >= 0 {
			index, ckpt = strconv.Itoa(r.CheckpointIndex), formatFloat(r.Checkpoint)
		}
		rec := []string{
			formatFloat(r.Margin),
			strconv.Itoa(int(r.N)),
			strconv.Itoa(int(r.D)),
			index,
			ckpt,
			r.CheckpointKind,
			r.Event,
			strconv.Itoa(r.Trials),
			strconv.Itoa(r.Successes),
			formatFloat(r.PHat),
			formatFloat(r.WilsonLow),
			formatFloat(r.WilsonHigh),
			formatFloat(r.MeanGain),
			formatFloat(r.MeanCos),
			strconv.Itoa(r.Diverged),
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("results: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("results: write csv: %w", err)
	}
	return nil
}

// jsonFloat is a float64 that marshals as null when it is NaN or infinite.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	s := formatFloat(float64(f))
	if s == "" {
		return []byte("null"), nil
	}
	return []byte(s), nil
}

// jsonRow is a Row as WriteJSON writes it.
type jsonRow struct {
	Margin          jsonFloat `json:"margin"`
	N               int32     `json:"n"`
	D               int32     `json:"d"`
	CheckpointIndex *int      `json:"checkpoint_index"`
	Checkpoint      jsonFloat `json:"checkpoint"`
	CheckpointKind  string    `json:"checkpoint_kind"`
	Event           string    `json:"event"`
	Trials          int       `json:"trials"`
	Successes       int       `json:"successes"`
	PHat            jsonFloat `json:"p_hat"`
	WilsonLow       jsonFloat `json:"wilson_low"`
	WilsonHigh      jsonFloat `json:"wilson_high"`
	MeanGain        jsonFloat `json:"mean_gain"`
	MeanCos         jsonFloat `json:"mean_cos"`
	Diverged        int       `json:"diverged"`
}

// WriteJSON writes s as one JSON object, indented by two spaces:
//
//	{"settings": <the settings in protojson, proto field names>, "rows": [...]}
//
// Each row has the fields of the CSV columns; NaN is null, and so are
// checkpoint_index and checkpoint of w2s_any rows.
func WriteJSON(w io.Writer, s *Surface) error {
	settings, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(s.Settings)
	if err != nil {
		return fmt.Errorf("results: write json: settings: %w", err)
	}
	rows := make([]jsonRow, len(s.Rows))
	for i := range s.Rows {
		r := &s.Rows[i]
		rows[i] = jsonRow{
			Margin:         jsonFloat(r.Margin),
			N:              r.N,
			D:              r.D,
			Checkpoint:     jsonFloat(math.NaN()),
			CheckpointKind: r.CheckpointKind,
			Event:          r.Event,
			Trials:         r.Trials,
			Successes:      r.Successes,
			PHat:           jsonFloat(r.PHat),
			WilsonLow:      jsonFloat(r.WilsonLow),
			WilsonHigh:     jsonFloat(r.WilsonHigh),
			MeanGain:       jsonFloat(r.MeanGain),
			MeanCos:        jsonFloat(r.MeanCos),
			Diverged:       r.Diverged,
		}
		if r.CheckpointIndex >= 0 {
			k := r.CheckpointIndex
			rows[i].CheckpointIndex = &k
			rows[i].Checkpoint = jsonFloat(r.Checkpoint)
		}
	}
	out, err := json.MarshalIndent(struct {
		Settings json.RawMessage `json:"settings"`
		Rows     []jsonRow       `json:"rows"`
	}{settings, rows}, "", "  ")
	if err != nil {
		return fmt.Errorf("results: write json: %w", err)
	}
	out = append(out, '\n')
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("results: write json: %w", err)
	}
	return nil
}
