package results

import (
	"bytes"
	"errors"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
)

// testSettings returns flow-mode settings with 4 cells, 10 trials per cell
// and 3 checkpoints. Cells in order: (γ=0.5, n=10), (0.5, 20), (1, 10),
// (1, 20), all with d=3.
func testSettings() *w2sv1.SweepSettings {
	return &w2sv1.SweepSettings{
		ProtocolVersion: 1,
		Seed:            42,
		N:               []int32{10, 20},
		D:               []int32{3},
		Margin:          []float64{0.5, 1},
		Trials:          10,
		RhoS:            0.3,
		RhoT:            0.6,
		Labels:          w2sv1.Labels_LABELS_SOFT,
		Mode:            w2sv1.Mode_MODE_FLOW,
		Times:           []float64{0.5, 1, 2},
		EtaMax:          0.1,
	}
}

// outcome returns an outcome of the given cell of settings with cosines
// that depend on the trial index.
func outcome(settings *w2sv1.SweepSettings, cell uint32, trial int32) *w2sv1.TrialOutcome {
	nk := len(settings.Checkpoints())
	o := &w2sv1.TrialOutcome{
		Cell:       settings.Cells()[cell],
		Trial:      trial,
		CosTeacher: 0.5 + float64(trial)/1000,
		CosInitial: 0.3 + float64(cell)/100,
	}
	for k := range nk {
		o.Cos = append(o.Cos, 0.4+0.1*float64(k)+float64(trial)/997)
		o.Norm = append(o.Norm, float64(k+1))
		o.GradNorm = append(o.GradNorm, 1/float64(k+1))
		o.Steps = append(o.Steps, int32(10*(k+1)))
	}
	return o
}

func record(settings *w2sv1.SweepSettings, cell uint32, trial int32) Record {
	return Record{Cell: cell, Outcome: outcome(settings, cell, trial)}
}

func tempPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "sweep.w2s")
}

func mustCreate(t *testing.T, path string, settings *w2sv1.SweepSettings) *Store {
	t.Helper()
	s, err := Create(path, settings)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCreateOpen(t *testing.T) {
	path := tempPath(t)
	settings := testSettings()
	before := time.Now().UTC().Truncate(time.Second)
	s, err := Create(path, settings)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(s.Settings(), settings) {
		t.Errorf("Create: Settings() = %v, want %v", s.Settings(), settings)
	}
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm&^0o644 != 0 {
		t.Errorf("mode %v, want at most 0644", perm)
	}

	// The meta bucket holds exactly the documented keys.
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte("meta"))
		if meta == nil || tx.Bucket([]byte("records")) == nil {
			t.Fatal("missing bucket")
		}
		if got := string(meta.Get([]byte("format"))); got != Format {
			t.Errorf("format = %q", got)
		}
		want, _ := proto.MarshalOptions{Deterministic: true}.Marshal(settings)
		if !bytes.Equal(meta.Get([]byte("settings")), want) {
			t.Error("settings are not the deterministic encoding")
		}
		created, err := time.Parse(time.RFC3339, string(meta.Get([]byte("created"))))
		if err != nil {
			t.Errorf("created: %v", err)
		} else if created.Before(before) || created.After(time.Now().Add(time.Second)) || created.Location() != time.UTC {
			t.Errorf("created = %v", created)
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	for _, open := range []func(string) (*Store, error){Open, OpenReadOnly} {
		s, err := open(path)
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(s.Settings(), settings) {
			t.Errorf("Open: Settings() = %v, want %v", s.Settings(), settings)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCreateRefusesExistingPath(t *testing.T) {
	path := tempPath(t)
	content := []byte("precious data\n")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Create(path, testSettings())
	if err == nil || !strings.Contains(err.Error(), "already exists") || !strings.Contains(err.Error(), "w2s resume") {
		t.Fatalf("Create over a file: err = %v", err)
	}
	if got := readFile(t, path); !bytes.Equal(got, content) {
		t.Errorf("file changed to %q", got)
	}

	// An existing store is refused too, and stays intact.
	path = tempPath(t)
	s := mustCreate(t, path, testSettings())
	if err := s.Put([]Record{record(s.Settings(), 0, 0)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before := readFile(t, path)
	other := testSettings()
	other.Seed = 7
	if _, err := Create(path, other); err == nil {
		t.Fatal("Create over a store succeeded")
	}
	if !bytes.Equal(readFile(t, path), before) {
		t.Error("store changed")
	}
}

func TestCreateRefusesNilSettings(t *testing.T) {
	path := tempPath(t)
	if _, err := Create(path, nil); err == nil {
		t.Fatal("Create with nil settings succeeded")
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file left behind: %v", err)
	}
}

func TestOpenRefusesMissing(t *testing.T) {
	path := tempPath(t)
	for _, open := range []func(string) (*Store, error){Open, OpenReadOnly} {
		_, err := open(path)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
			t.Errorf("open missing: err = %v", err)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("open created the file: %v", err)
		}
	}
}

func TestOpenRefusesNonStore(t *testing.T) {
	for _, size := range []int{0, 10, 3000, 5000, 20000, 70000} {
		path := tempPath(t)
		content := bytes.Repeat([]byte("not a database\n"), size/15+1)[:size]
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, open := range []func(string) (*Store, error){Open, OpenReadOnly} {
			_, err := open(path)
			if err == nil || !strings.Contains(err.Error(), "not a w2s store") {
				t.Errorf("open text file of %d bytes: err = %v", size, err)
			}
			if got := readFile(t, path); !bytes.Equal(got, content) {
				t.Errorf("text file of %d bytes changed", size)
			}
		}
	}

	// A directory.
	dir := t.TempDir()
	for _, open := range []func(string) (*Store, error){Open, OpenReadOnly} {
		if _, err := open(dir); err == nil {
			t.Errorf("open directory succeeded")
		}
	}
}

func TestOpenRefusesBoltWithoutMeta(t *testing.T) {
	cases := map[string]func(tx *bolt.Tx) error{
		"no meta bucket": func(tx *bolt.Tx) error {
			b, err := tx.CreateBucket([]byte("other"))
			if err != nil {
				return err
			}
			return b.Put([]byte("k"), []byte("v"))
		},
		"no format key": func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("meta"))
			return err
		},
	}
	for name, fill := range cases {
		path := tempPath(t)
		db, err := bolt.Open(path, 0o644, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(fill); err != nil {
			t.Fatal(err)
		}
		db.Close()
		before := readFile(t, path)
		for _, open := range []func(string) (*Store, error){Open, OpenReadOnly} {
			_, err := open(path)
			if err == nil || !strings.Contains(err.Error(), "not a w2s store") {
				t.Errorf("%s: err = %v", name, err)
			}
			if !bytes.Equal(readFile(t, path), before) {
				t.Errorf("%s: file changed", name)
			}
		}
	}
}

func TestOpenRefusesOtherFormat(t *testing.T) {
	path := tempPath(t)
	s := mustCreate(t, path, testSettings())
	s.Close()
	db, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("format"), []byte("w2s-store/9"))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, open := range []func(string) (*Store, error){Open, OpenReadOnly} {
		_, err := open(path)
		if err == nil || !strings.Contains(err.Error(), "w2s-store/9") || !strings.Contains(err.Error(), Format) {
			t.Errorf("err = %v, want both versions", err)
		}
	}
}

func TestOpenInUse(t *testing.T) {
	path := tempPath(t)
	s := mustCreate(t, path, testSettings())

	for name, open := range map[string]func(string) (*Store, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		start := time.Now()
		_, err := open(path)
		if !errors.Is(err, ErrInUse) {
			t.Errorf("%s of a store open for writing: err = %v, want ErrInUse", name, err)
		} else if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "in use by another w2s process") {
			t.Errorf("%s: err = %v", name, err)
		}
		if d := time.Since(start); d > 5*time.Second { // refused at once, not after a hang
			t.Errorf("%s took %v to fail", name, d)
		}
	}
	s.Close()

	// Read-only opens share the store, but exclude a read-write open.
	r1, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if _, err := Open(path); !errors.Is(err, ErrInUse) {
		t.Errorf("Open of a store open read-only: err = %v, want ErrInUse", err)
	}
	if err := r1.Put([]Record{record(r1.Settings(), 0, 0)}); err == nil {
		t.Error("Put to a read-only store succeeded")
	}
	r1.Close()
	r2.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s.Close()
}

func TestKey(t *testing.T) {
	for _, c := range []struct {
		cell  uint32
		trial int32
	}{{0, 0}, {1, 2}, {math.MaxUint32, math.MaxInt32}, {7, 1 << 20}} {
		k := Key(c.cell, c.trial)
		if len(k) != 8 {
			t.Fatalf("len(Key) = %d", len(k))
		}
		cell, trial, err := ParseKey(k)
		if err != nil || cell != c.cell || trial != c.trial {
			t.Errorf("ParseKey(Key(%d, %d)) = %d, %d, %v", c.cell, c.trial, cell, trial, err)
		}
	}
	if !bytes.Equal(Key(0x01020304, 0x05060708), []byte{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Error("Key is not big-endian cell then trial")
	}
	// Keys sort by cell, then trial.
	if bytes.Compare(Key(0, math.MaxInt32), Key(1, 0)) >= 0 || bytes.Compare(Key(1, 2), Key(1, 10)) >= 0 {
		t.Error("keys do not sort by cell, then trial")
	}
	for _, k := range [][]byte{nil, {1, 2, 3}, make([]byte, 9), {0, 0, 0, 0, 0x80, 0, 0, 0}} {
		if _, _, err := ParseKey(k); err == nil {
			t.Errorf("ParseKey(%x) succeeded", k)
		}
	}
}

func TestEncodeDecodeOutcome(t *testing.T) {
	o := outcome(testSettings(), 2, 7)
	o.Cos[1] = math.NaN()
	o.Diverged = true
	b, err := EncodeOutcome(o)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := EncodeOutcome(proto.Clone(o).(*w2sv1.TrialOutcome))
	if !bytes.Equal(b, b2) {
		t.Error("encoding is not deterministic")
	}
	got, err := DecodeOutcome(b)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, o) || !math.IsNaN(got.Cos[1]) {
		t.Errorf("round trip: got %v, want %v", got, o)
	}
	if _, err := EncodeOutcome(nil); err == nil {
		t.Error("EncodeOutcome(nil) succeeded")
	}
}

func TestDecodeOutcomeGarbage(t *testing.T) {
	for _, b := range [][]byte{
		nil,
		{},
		{0xff},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		[]byte("hello, world"),
		{0x0a, 0x10, 0x01},    // cell: length 16, 1 byte present
		{0x2a, 0x05, 0, 0, 0}, // cos: packed length not a multiple of 8
		{0x10, 0x01},          // a trial index but no cell
	} {
		if o, err := DecodeOutcome(b); err == nil {
			t.Errorf("DecodeOutcome(%x) = %v, want an error", b, o)
		}
	}
	// Random bytes and mutations of a valid record: never a panic.
	valid, _ := EncodeOutcome(outcome(testSettings(), 1, 3))
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		b := make([]byte, rng.IntN(64))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		DecodeOutcome(b)
		m := slices.Clone(valid)
		m[rng.IntN(len(m))] = byte(rng.UintN(256))
		DecodeOutcome(m[:rng.IntN(len(m)+1)])
	}
}

func TestPutIdempotent(t *testing.T) {
	s := mustCreate(t, tempPath(t), testSettings())
	var batch []Record
	for cell := range uint32(4) {
		for trial := range int32(10) {
			if (int32(cell)+trial)%3 != 0 {
				batch = append(batch, record(s.Settings(), cell, trial))
			}
		}
	}
	if err := s.Put(batch); err != nil {
		t.Fatal(err)
	}
	d1, n1, err := s.RecordsDigest()
	if err != nil {
		t.Fatal(err)
	}
	if n1 != len(batch) {
		t.Fatalf("digest counts %d records, want %d", n1, len(batch))
	}

	// Again, in reverse and in shuffled order, with fresh copies.
	rev := slices.Clone(batch)
	slices.Reverse(rev)
	if err := s.Put(rev); err != nil {
		t.Fatal(err)
	}
	shuf := slices.Clone(batch)
	rng := rand.New(rand.NewPCG(3, 4))
	rng.Shuffle(len(shuf), func(i, j int) { shuf[i], shuf[j] = shuf[j], shuf[i] })
	for i := range shuf {
		shuf[i].Outcome = proto.Clone(shuf[i].Outcome).(*w2sv1.TrialOutcome)
	}
	if err := s.Put(shuf); err != nil {
		t.Fatal(err)
	}
	d2, n2, err := s.RecordsDigest()
	if err != nil {
		t.Fatal(err)
	}
	if d1 != d2 || n1 != n2 {
		t.Errorf("digest changed after re-putting the same records: %x/%d, %x/%d", d1, n1, d2, n2)
	}

	// Another store given the same records one at a time, in another order,
	// has the same digest; one record different changes it.
	s2 := mustCreate(t, tempPath(t), testSettings())
	for _, r := range shuf {
		if err := s2.Put([]Record{r}); err != nil {
			t.Fatal(err)
		}
	}
	d3, n3, _ := s2.RecordsDigest()
	if d3 != d1 || n3 != n1 {
		t.Error("stores with the same records have different digests")
	}
	r := record(s2.Settings(), batch[0].Cell, batch[0].Outcome.Trial)
	r.Outcome.Cos[0] += 1e-15
	if err := s2.Put([]Record{r}); err != nil {
		t.Fatal(err)
	}
	if d4, _, _ := s2.RecordsDigest(); d4 == d1 {
		t.Error("digest did not change with a record")
	}

	// Records read back are the records put.
	for _, r := range batch {
		got, ok, err := s.Get(r.Cell, r.Outcome.Trial)
		if err != nil || !ok || !proto.Equal(got, r.Outcome) {
			t.Fatalf("Get(%d, %d) = %v, %v, %v", r.Cell, r.Outcome.Trial, got, ok, err)
		}
	}
	if _, ok, err := s.Get(0, 0); ok || err != nil {
		t.Errorf("Get of an absent record: %v, %v", ok, err)
	}
}

func TestPutRefusesBadRecords(t *testing.T) {
	s := mustCreate(t, tempPath(t), testSettings())
	settings := s.Settings()
	good := []Record{record(settings, 0, 0), record(settings, 3, 9)}

	bad := map[string]Record{
		"nil outcome":     {Cell: 1},
		"cell ordinal":    {Cell: 4, Outcome: outcome(settings, 3, 1)},
		"negative trial":  record(settings, 1, -1),
		"trial too large": record(settings, 1, 10),
		"wrong cosines":   {Cell: 1, Outcome: &w2sv1.TrialOutcome{Cell: settings.Cells()[1], Trial: 1, Cos: []float64{0.1}}},
		"no cell":         {Cell: 1, Outcome: &w2sv1.TrialOutcome{Trial: 1, Cos: []float64{1, 2, 3}}},
	}
	for _, mutate := range []func(c *w2sv1.Cell){
		func(c *w2sv1.Cell) { c.N++ },
		func(c *w2sv1.Cell) { c.D++ },
		func(c *w2sv1.Cell) { c.Margin = math.Nextafter(c.Margin, 2) },
	} {
		r := record(settings, 1, 1)
		r.Outcome.Cell = proto.Clone(r.Outcome.Cell).(*w2sv1.Cell)
		mutate(r.Outcome.Cell)
		bad["mismatched cell "+r.Outcome.Cell.String()] = r
	}
	// The outcome of cell 2 filed under cell 1.
	bad["outcome of another cell"] = Record{Cell: 1, Outcome: outcome(settings, 2, 1)}

	for name, r := range bad {
		err := s.Put(append(slices.Clone(good), r))
		if err == nil {
			t.Errorf("%s: Put succeeded", name)
			continue
		}
		if !strings.Contains(err.Error(), "cell 1") && !strings.Contains(err.Error(), "cell 4") {
			t.Errorf("%s: error does not name the record: %v", name, err)
		}
	}
	if _, n, _ := s.RecordsDigest(); n != 0 {
		t.Errorf("%d records written by refused batches", n)
	}
}

func TestPresentMissingCounts(t *testing.T) {
	s := mustCreate(t, tempPath(t), testSettings())
	settings := s.Settings()
	var recs []Record
	for _, trial := range []int32{7, 0, 5, 2, 1} {
		recs = append(recs, record(settings, 1, trial))
	}
	for trial := range int32(10) {
		recs = append(recs, record(settings, 3, trial))
	}
	if err := s.Put(recs); err != nil {
		t.Fatal(err)
	}

	present, err := s.Present(1)
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{true, true, true, false, false, true, false, true, false, false}
	if !slices.Equal(present, want) {
		t.Errorf("Present(1) = %v, want %v", present, want)
	}

	rangesOf := func(cell uint32) [][2]int32 {
		t.Helper()
		missing, err := s.Missing(cell)
		if err != nil {
			t.Fatal(err)
		}
		var out [][2]int32
		for _, r := range missing {
			out = append(out, [2]int32{r.Start, r.End})
		}
		return out
	}
	if got, want := rangesOf(1), [][2]int32{{3, 5}, {6, 7}, {8, 10}}; !slices.Equal(got, want) {
		t.Errorf("Missing(1) = %v, want %v", got, want)
	}
	if got, want := rangesOf(0), [][2]int32{{0, 10}}; !slices.Equal(got, want) {
		t.Errorf("Missing(0) = %v, want %v", got, want)
	}
	if got := rangesOf(3); len(got) != 0 {
		t.Errorf("Missing(3) = %v, want none", got)
	}

	counts, err := s.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 5, 0, 10}; !slices.Equal(counts, want) {
		t.Errorf("Counts() = %v, want %v", counts, want)
	}

	var trials []int32
	err = s.ForEach(1, func(o *w2sv1.TrialOutcome) error {
		trials = append(trials, o.Trial)
		if !proto.Equal(o, outcome(settings, 1, o.Trial)) {
			t.Errorf("ForEach: trial %d differs", o.Trial)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int32{0, 1, 2, 5, 7}; !slices.Equal(trials, want) {
		t.Errorf("ForEach(1) visited %v, want %v", trials, want)
	}
	stop := errors.New("stop")
	calls := 0
	if err := s.ForEach(3, func(*w2sv1.TrialOutcome) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("ForEach did not stop at the first error: %v after %d calls", err, calls)
	}

	for _, f := range []func() error{
		func() error { _, err := s.Present(4); return err },
		func() error { _, err := s.Missing(4); return err },
		func() error { return s.ForEach(4, func(*w2sv1.TrialOutcome) error { return nil }) },
	} {
		if f() == nil {
			t.Error("cell ordinal 4 of 4 accepted")
		}
	}
}
