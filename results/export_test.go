package results

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
)

func aggSurface(t *testing.T) *Surface {
	t.Helper()
	surf, err := Aggregate(aggStore(t))
	if err != nil {
		t.Fatal(err)
	}
	return surf
}

// parseField reads back a float field written by WriteCSV; "" is NaN.
func parseField(t *testing.T, s string) float64 {
	t.Helper()
	if s == "" {
		return math.NaN()
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// same reports whether a and b are equal or both NaN.
func same(a, b float64) bool {
	return a == b || math.IsNaN(a) && math.IsNaN(b)
}

func TestWriteCSV(t *testing.T) {
	surf := aggSurface(t)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, surf); err != nil {
		t.Fatal(err)
	}
	lines, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := strings.Split("margin,n,d,checkpoint_index,checkpoint,checkpoint_kind,event,trials,successes,p_hat,wilson_low,wilson_high,mean_gain,mean_cos,diverged", ",")
	if !slices.Equal(lines[0], header) {
		t.Fatalf("header %v", lines[0])
	}
	cells, ckpts := len(surf.Settings.Cells()), len(surf.Settings.Checkpoints())
	if got, want := len(lines)-1, cells*(3*ckpts+1); got != want {
		t.Fatalf("%d rows, want %d", got, want)
	}

	// A few fields as text.
	if got, want := lines[1], []string{"0.5", "10", "5", "0", "1", "time", "beats_teacher", "8", "3", "0.375"}; !slices.Equal(got[:10], want) {
		t.Errorf("first row %v, want it to start %v", got, want)
	}
	anyRow := lines[7]
	if anyRow[3] != "" || anyRow[4] != "" || anyRow[5] != "best" || anyRow[6] != "w2s_any" || anyRow[8] != "3" || anyRow[14] != "2" {
		t.Errorf("w2s_any row %v", anyRow)
	}
	empty := lines[8] // cell 1 has no records
	if empty[0] != "1" || empty[7] != "0" || empty[9] != "" || empty[10] != "" || empty[11] != "" || empty[12] != "" || empty[13] != "" {
		t.Errorf("row of an empty cell %v", empty)
	}

	// Every float reads back exactly.
	for i, r := range surf.Rows {
		f := lines[i+1]
		for j, x := range map[int]float64{0: r.Margin, 9: r.PHat, 10: r.WilsonLow, 11: r.WilsonHigh, 12: r.MeanGain, 13: r.MeanCos} {
			if got := parseField(t, f[j]); !same(got, x) {
				t.Errorf("row %d, %s: %q reads back as %v, want %v", i, header[j], f[j], got, x)
			}
		}
		if r.CheckpointIndex >= 0 {
			if f[3] != strconv.Itoa(r.CheckpointIndex) || parseField(t, f[4]) != r.Checkpoint {
				t.Errorf("row %d: checkpoint %q %q", i, f[3], f[4])
			}
		}
	}
}

func TestWriteJSON(t *testing.T) {
	surf := aggSurface(t)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, surf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasSuffix(out, "}\n") || !strings.HasPrefix(out, "{\n  \"settings\": {\n    \"") {
		t.Errorf("output not indented by two spaces with a trailing newline:\n%.200s", out)
	}

	var doc struct {
		Settings json.RawMessage
		Rows     []map[string]any
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc.Settings), `"rho_s"`) {
		t.Errorf("settings do not use proto field names: %s", doc.Settings)
	}
	settings := new(w2sv1.SweepSettings)
	if err := protojson.Unmarshal(doc.Settings, settings); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(settings, surf.Settings) {
		t.Errorf("settings read back as %v, want %v", settings, surf.Settings)
	}
	if len(doc.Rows) != len(surf.Rows) {
		t.Fatalf("%d rows, want %d", len(doc.Rows), len(surf.Rows))
	}

	first := doc.Rows[0]
	if len(first) != len(columns) {
		t.Errorf("row has %d fields, want %d", len(first), len(columns))
	}
	for _, c := range columns {
		if _, ok := first[c]; !ok {
			t.Errorf("row has no field %q", c)
		}
	}
	if first["margin"] != 0.5 || first["n"] != 10.0 || first["checkpoint_index"] != 0.0 || first["checkpoint"] != 1.0 ||
		first["event"] != "beats_teacher" || first["successes"] != 3.0 || first["p_hat"] != 0.375 {
		t.Errorf("first row %v", first)
	}
	if r := surf.Rows[1]; doc.Rows[1]["mean_gain"] != r.MeanGain || doc.Rows[1]["wilson_low"] != r.WilsonLow {
		t.Errorf("second row %v, want mean_gain %v, wilson_low %v", doc.Rows[1], r.MeanGain, r.WilsonLow)
	}
	anyRow := doc.Rows[6]
	if anyRow["event"] != "w2s_any" || anyRow["checkpoint_index"] != nil || anyRow["checkpoint"] != nil || anyRow["checkpoint_kind"] != "best" {
		t.Errorf("w2s_any row %v", anyRow)
	}
	empty := doc.Rows[7]
	for _, c := range []string{"p_hat", "wilson_low", "wilson_high", "mean_gain", "mean_cos"} {
		if v, ok := empty[c]; !ok || v != nil {
			t.Errorf("empty cell: %s = %v, want null", c, v)
		}
	}
	if empty["trials"] != 0.0 {
		t.Errorf("empty cell: trials = %v", empty["trials"])
	}
}

func TestWriteEmptySurface(t *testing.T) {
	settings := aggSettings()
	settings.Margin = nil // no cells
	surf := &Surface{Settings: settings}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, surf); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), "\n"); got != 1 {
		t.Errorf("CSV of no rows has %d lines, want the header only", got)
	}
	buf.Reset()
	if err := WriteJSON(&buf, surf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"rows": []`) {
		t.Errorf("JSON of no rows: %s", buf.String())
	}
}
