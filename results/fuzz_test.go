package results

import (
	"bytes"
	"testing"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
)

// FuzzDecodeRecord feeds arbitrary keys and values to the stored-record
// decoder: no panic, and a record it accepts is exactly one EncodeRecord
// produces for its outcome (so a damaged record can't pass as a different
// valid one without a checksum collision).
func FuzzDecodeRecord(f *testing.F) {
	o := &w2sv1.TrialOutcome{Cell: &w2sv1.Cell{N: 100, D: 10, Margin: 2}, Trial: 3,
		CosTeacher: 0.6, CosInitial: 0.8, Cos: []float64{0.81, 0.7}, Norm: []float64{2, 2.1},
		GradNorm: []float64{0.1, 0.01}, Steps: []int32{1, 5}}
	k := Key(1, 3)
	v, _ := EncodeRecord(k, o)
	f.Add(k, v)
	f.Add(k, v[:len(v)-1])
	f.Add(Key(0, 0), []byte{})
	f.Add([]byte{1, 2, 3}, v)
	f.Add(k, append([]byte{0xff}, v...))
	f.Fuzz(func(t *testing.T, key, val []byte) {
		got, err := DecodeRecord(key, val)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		again, err := EncodeRecord(key, got)
		if err != nil {
			t.Fatalf("an accepted record does not re-encode: %v", err)
		}
		// The stored encoding may order or repeat fields differently from
		// the deterministic one; its decoded content must be the same.
		back, err := DecodeRecord(key, again)
		if err != nil || back.GetTrial() != got.GetTrial() || !bytes.Equal(mustEnc(t, back), mustEnc(t, got)) {
			t.Fatalf("re-encoded record differs: %v", err)
		}
	})
}

func mustEnc(t *testing.T, o *w2sv1.TrialOutcome) []byte {
	b, err := EncodeOutcome(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
