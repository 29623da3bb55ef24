package results

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
)

// fullStore makes a closed store with every record of testSettings and
// returns its path and bytes.
func fullStore(t *testing.T) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "full.w2s")
	s := mustCreate(t, path, testSettings())
	var recs []Record
	for cell := range s.Settings().Cells() {
		for trial := range s.Settings().GetTrials() {
			recs = append(recs, record(s.Settings(), uint32(cell), trial))
		}
	}
	if err := s.Put(recs); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

// refuses checks that every way of opening path fails with ErrDamaged (or
// at least an error naming the store) and leaves its bytes untouched.
func refuses(t *testing.T, what, path string) {
	t.Helper()
	before, _ := os.ReadFile(path)
	for name, open := range map[string]func(string) (*Store, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		s, err := open(path)
		if err == nil {
			// Opened: then reading everything must fail cleanly.
			_, err = Aggregate(s)
			s.Close()
		}
		if err == nil {
			t.Errorf("%s: %s of a damaged store succeeded", what, name)
		} else if !errors.Is(err, ErrDamaged) && !bytes.Contains([]byte(err.Error()), []byte("not a w2s store")) {
			t.Errorf("%s: %s: %v, want ErrDamaged or 'not a w2s store'", what, name, err)
		}
	}
	after, _ := os.ReadFile(path)
	if sha256.Sum256(before) != sha256.Sum256(after) {
		t.Errorf("%s: refusing the store changed the file", what)
	}
}

// A truncated store is refused when the cut removed pages in use. A cut
// through the unused space bbolt keeps at the end of a file loses nothing:
// such a store opens and every record reads back the same.
func TestTruncatedStoreRefused(t *testing.T) {
	path, full := fullStore(t)
	s, _ := OpenReadOnly(path)
	want, _, _ := s.RecordsDigest()
	var used int64
	s.db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil })
	s.Close()
	refused := 0
	for _, n := range []int{int(used) - 1, int(used) / 2, int(used) / 4, 8192 + 100, int(used) + 1, len(full) - 1} {
		if n >= len(full) {
			continue
		}
		if err := os.WriteFile(path, full[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if int64(n) < used {
			refuses(t, "truncated to "+itoa(n)+" bytes", path)
			refused++
			continue
		}
		s, err := Open(path)
		if err != nil {
			t.Errorf("cut at %d, past the %d bytes in use: %v", n, used, err)
			continue
		}
		got, _, err := s.RecordsDigest()
		s.Close()
		if err != nil || got != want {
			t.Errorf("cut at %d: records changed (%v)", n, err)
		}
	}
	if refused < 3 {
		t.Errorf("only %d cuts removed pages in use", refused)
	}
}

// Flipping bytes anywhere past the meta pages is caught: by bbolt's page
// checks, or by a record's checksum.
func TestCorruptedStoreRefused(t *testing.T) {
	path, full := fullStore(t)
	const page = 4096
	for off := 2 * page; off < len(full); off += 1013 {
		b := bytes.Clone(full)
		b[off] ^= 0x5a
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path)
		if err == nil {
			// The flip landed in unused space: the records read back whole.
			got, n, derr := s.RecordsDigest()
			s.Close()
			os.WriteFile(path, full, 0o644)
			s2, _ := OpenReadOnly(path)
			want, m, _ := s2.RecordsDigest()
			s2.Close()
			if derr != nil || got != want || n != m {
				t.Errorf("flip at %d: opened, but the records differ from the original", off)
			}
			continue
		}
		if !errors.Is(err, ErrDamaged) && !bytes.Contains([]byte(err.Error()), []byte("not a w2s store")) {
			t.Errorf("flip at %d: %v", off, err)
		}
		after, _ := os.ReadFile(path)
		if !bytes.Equal(after, b) {
			t.Errorf("flip at %d: refusing the store changed the file", off)
		}
	}
}

func TestDecodeRecord(t *testing.T) {
	o := &w2sv1.TrialOutcome{Cell: &w2sv1.Cell{N: 10, D: 3, Margin: 1}, Trial: 7, Cos: []float64{0.5}}
	k := Key(2, 7)
	v, err := EncodeRecord(k, o)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeRecord(k, v); err != nil || got.Trial != 7 {
		t.Fatalf("round trip: %v %v", got, err)
	}
	for name, c := range map[string]struct{ k, v []byte }{
		"flipped value":   {k, append(bytes.Clone(v[:3]), append([]byte{v[3] ^ 1}, v[4:]...)...)},
		"other key":       {Key(3, 7), v},
		"other trial key": {Key(2, 8), v},
		"short value":     {k, v[:3]},
		"short key":       {k[:7], v},
	} {
		if _, err := DecodeRecord(c.k, c.v); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func itoa(n int) string {
	return string(rune('0'+n/100000%10)) + string(rune('0'+n/10000%10)) + string(rune('0'+n/1000%10)) +
		string(rune('0'+n/100%10)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}
