package results

// The store: one bbolt file per sweep, holding the sweep's settings and one
// record per finished trial. The file layout is described in doc.go.

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"runtime/debug"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
	"google.golang.org/protobuf/proto"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
)

// Format is the store format version this package reads and writes.
// Version 2 added a CRC-32C to every record value.
const Format = "w2s-store/2"

var (
	bucketMeta    = []byte("meta")
	bucketRecords = []byte("records")
	keyFormat     = []byte("format")
	keySettings   = []byte("settings")
	keyCreated    = []byte("created")
)

// lockTimeout is how long opening a store waits for another process's lock.
const lockTimeout = 200 * time.Millisecond

// ErrInUse is returned, wrapped with the store's path, when another w2s
// process (or another Store in this process) holds the store's lock.
var ErrInUse = errors.New("in use by another w2s process")

// ErrNotStore is returned for a file that is not a w2s store at all, and
// ErrFormat for a store of another format version.
var (
	ErrNotStore = errors.New("not a w2s store")
	ErrFormat   = errors.New("unsupported store format")
)

// ErrDamaged is returned, wrapped with the store's path and what is wrong,
// for a store whose file is truncated or corrupted: a bbolt page that is not
// what its parent says, a record whose checksum does not match, a file
// shorter than its own meta page says.
var ErrDamaged = errors.New("damaged")

// guard runs fn and turns a panic inside it (bbolt panics on some corrupted
// pages) into an ErrDamaged error, so that a damaged file costs an error,
// never the process.
func guard(path string, fn func() error) (err error) {
	// A read of the memory map past the end of a truncated file faults
	// (SIGBUS); make that a panic of this goroutine, recovered below.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("results: store %s is %w: %v", path, ErrDamaged, r)
		}
	}()
	return fn()
}

// Store is an open sweep store. Its methods are safe for concurrent use.
type Store struct {
	db       *bolt.DB
	path     string
	settings *w2sv1.SweepSettings
	cells    []*w2sv1.Cell
	nckpt    int
}

// Record is one trial's outcome together with its cell's ordinal; the trial
// index is Outcome.Trial.
type Record struct {
	Cell    uint32
	Outcome *w2sv1.TrialOutcome
}

// Create creates a new store at path for a sweep with the given settings. It
// refuses a path that already exists. The file is created with mode 0644
// (less the umask); if anything fails after that, the file is removed.
func Create(path string, settings *w2sv1.SweepSettings) (*Store, error) {
	if settings == nil {
		return nil, fmt.Errorf("results: create %s: no settings", path)
	}
	sb, err := proto.MarshalOptions{Deterministic: true}.Marshal(settings)
	if err != nil {
		return nil, fmt.Errorf("results: create %s: encode settings: %w", path, err)
	}

	created := false
	db, err := bolt.Open(path, 0o644, &bolt.Options{
		Timeout: lockTimeout,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag|os.O_CREATE|os.O_EXCL, perm)
			created = err == nil
			return f, err
		},
	})
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("results: create %s: file already exists (to continue its sweep, use w2s resume)", path)
		}
		if created {
			_ = os.Remove(path)
		}
		return nil, fmt.Errorf("results: create %s: %w", path, err)
	}

	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucket(bucketRecords); err != nil {
			return err
		}
		if err := meta.Put(keyFormat, []byte(Format)); err != nil {
			return err
		}
		if err := meta.Put(keySettings, sb); err != nil {
			return err
		}
		now := time.Now().UTC().Format(time.RFC3339)
		return meta.Put(keyCreated, []byte(now))
	})
	if err != nil {
		_ = db.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("results: create %s: %w", path, err)
	}
	s, err := newStore(db, path, sb)
	if err != nil {
		_ = db.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("results: create %s: %w", path, err)
	}
	return s, nil
}

// Open opens an existing store for reading and writing. It fails fast with
// ErrInUse if another process has the store open. It refuses, without
// writing to it, a path that does not exist, a file that is not a w2s store
// and a store of another format.
func Open(path string) (*Store, error) {
	return open(path, false)
}

// OpenReadOnly opens an existing store for reading only. Any number of
// read-only opens may share a store, but not with a read-write open.
func OpenReadOnly(path string) (*Store, error) {
	return open(path, true)
}

func open(path string, readOnly bool) (*Store, error) {
	if !readOnly {
		// Look before writing: a damaged store is refused by a read-only
		// open, so that the read-write open below never touches it.
		s, err := open(path, true)
		if err != nil {
			return nil, err
		}
		s.Close()
	}
	var db *bolt.DB
	err := guard(path, func() error {
		var err error
		db, err = bolt.Open(path, 0o644, &bolt.Options{
			Timeout:  lockTimeout,
			ReadOnly: readOnly,
			OpenFile: openExisting,
		})
		return err
	})
	if errors.Is(err, ErrDamaged) {
		return nil, err
	}
	if err != nil {
		var pe *fs.PathError
		switch {
		case errors.Is(err, berrors.ErrTimeout):
			return nil, fmt.Errorf("results: store %s is %w", path, ErrInUse)
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("results: open %s: %w", path, fs.ErrNotExist)
		case errors.As(err, &pe):
			return nil, fmt.Errorf("results: open %s: %w", path, err)
		default:
			// The file opened but bbolt could not read it as a database.
			return nil, fmt.Errorf("results: open %s: %w: %w", path, ErrNotStore, err)
		}
	}

	var sb []byte
	err = view(db, path, func(tx *bolt.Tx) error {
		// Before any page past the meta pages is read: is the file as long
		// as the meta page says?
		if err := checkSize(path, tx); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return fmt.Errorf("%w (no meta bucket)", ErrNotStore)
		}
		format := meta.Get(keyFormat)
		if format == nil {
			return fmt.Errorf("%w (no format key)", ErrNotStore)
		}
		if !bytes.Equal(format, []byte(Format)) {
			return fmt.Errorf("%w: the store is %q, this build reads %q", ErrFormat, format, Format)
		}
		if tx.Bucket(bucketRecords) == nil {
			return fmt.Errorf("%w (no records bucket)", ErrNotStore)
		}
		sb = bytes.Clone(meta.Get(keySettings))
		if sb == nil {
			return fmt.Errorf("%w (no settings key)", ErrNotStore)
		}
		return nil
	})
	if err == nil {
		var s *Store
		if s, err = newStore(db, path, sb); err == nil {
			if !readOnly {
				return s, nil // verified by the read-only open
			}
			if err = s.Verify(); err == nil {
				return s, nil
			}
			_ = db.Close()
			return nil, err
		}
	}
	_ = db.Close()
	if errors.Is(err, ErrDamaged) {
		return nil, err
	}
	return nil, fmt.Errorf("results: open %s: %w", path, err)
}

// checkSize refuses a file shorter than the pages its meta page counts.
func checkSize(path string, tx *bolt.Tx) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("results: %s: %w", path, err)
	}
	if size := tx.Size(); info.Size() < size {
		return fmt.Errorf("results: store %s is %w: the file has %d bytes, its pages need %d (truncated?)", path, ErrDamaged, info.Size(), size)
	}
	return nil
}

// view and update run a bbolt transaction under guard.
func view(db *bolt.DB, path string, fn func(*bolt.Tx) error) error {
	return guard(path, func() error { return db.View(fn) })
}

func update(db *bolt.DB, path string, fn func(*bolt.Tx) error) error {
	return guard(path, func() error { return db.Update(fn) })
}

// Verify checks the whole file: that it is as long as its meta page says,
// bbolt's page-level consistency check, and every record's key and
// checksum. A store that fails is ErrDamaged. Opening a store verifies it.
func (s *Store) Verify() error {
	return view(s.db, s.path, func(tx *bolt.Tx) error {
		if err := checkSize(s.path, tx); err != nil {
			return err
		}
		for err := range tx.Check() {
			return fmt.Errorf("results: store %s is %w: %v", s.path, ErrDamaged, err)
		}
		return tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
			cell, _, err := ParseKey(k)
			if err == nil && uint64(cell) >= uint64(len(s.cells)) {
				err = fmt.Errorf("record key %x: cell ordinal out of range [0, %d)", k, len(s.cells))
			}
			if err == nil {
				_, err = DecodeRecord(k, v)
			}
			if err != nil {
				return fmt.Errorf("results: store %s is %w: %v", s.path, ErrDamaged, err)
			}
			return nil
		})
	})
}

var errEmptyFile = errors.New("empty file")

// openExisting opens a file for bbolt without ever creating it, and refuses
// an empty file, which bbolt would otherwise initialise as a new database.
func openExisting(name string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, flag&^os.O_CREATE, perm)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	switch {
	case err != nil:
	case !info.Mode().IsRegular():
		err = &fs.PathError{Op: "open", Path: name, Err: errors.New("not a regular file")}
	case info.Size() == 0:
		err = errEmptyFile
	default:
		return f, nil
	}
	f.Close()
	return nil, err
}

func newStore(db *bolt.DB, path string, sb []byte) (*Store, error) {
	settings := new(w2sv1.SweepSettings)
	if err := proto.Unmarshal(sb, settings); err != nil {
		return nil, fmt.Errorf("decode settings: %w", err)
	}
	cells := settings.Cells()
	if uint64(len(cells)) > 1<<32 {
		return nil, fmt.Errorf("%d cells, more than a store can key", len(cells))
	}
	return &Store{
		db:       db,
		path:     path,
		settings: settings,
		cells:    cells,
		nckpt:    len(settings.Checkpoints()),
	}, nil
}

// Settings returns the sweep's settings, decoded when the store was opened.
// The caller must not modify them.
func (s *Store) Settings() *w2sv1.SweepSettings { return s.settings }

// Path returns the path the store was opened with.
func (s *Store) Path() string { return s.path }

// Close closes the store, releasing its lock.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("results: close %s: %w", s.path, err)
	}
	return nil
}

// Key returns the records-bucket key of a trial of a cell.
func Key(cell uint32, trial int32) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint32(k, cell)
	binary.BigEndian.PutUint32(k[4:], uint32(trial))
	return k
}

// ParseKey splits a records-bucket key into cell ordinal and trial index.
func ParseKey(k []byte) (cell uint32, trial int32, err error) {
	if len(k) != 8 {
		return 0, 0, fmt.Errorf("results: record key has %d bytes, want 8", len(k))
	}
	t := binary.BigEndian.Uint32(k[4:])
	if t > 1<<31-1 {
		return 0, 0, fmt.Errorf("results: record key %x: trial index out of range", k)
	}
	return binary.BigEndian.Uint32(k), int32(t), nil
}

// EncodeOutcome returns the deterministic protobuf encoding of o, the value
// stored for its record.
func EncodeOutcome(o *w2sv1.TrialOutcome) ([]byte, error) {
	if o == nil {
		return nil, errors.New("results: encode outcome: nil outcome")
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("results: encode outcome of trial %d: %w", o.GetTrial(), err)
	}
	return b, nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// recordCRC is the checksum stored after a record's encoding: CRC-32C of
// the key and the encoding, so that a value moved under another key fails
// too.
func recordCRC(key, enc []byte) uint32 {
	return crc32.Update(crc32.Checksum(key, castagnoli), castagnoli, enc)
}

// EncodeRecord returns the stored value of a record: the deterministic
// encoding of its outcome followed by a big-endian CRC-32C of key and
// encoding.
func EncodeRecord(key []byte, o *w2sv1.TrialOutcome) ([]byte, error) {
	enc, err := EncodeOutcome(o)
	if err != nil {
		return nil, err
	}
	return binary.BigEndian.AppendUint32(enc, recordCRC(key, enc)), nil
}

// DecodeRecord checks and decodes a stored record: the value's checksum,
// the outcome's encoding, and that the outcome's trial is the key's.
// Any bytes give an outcome or an error naming what is wrong, never a panic.
func DecodeRecord(key, val []byte) (*w2sv1.TrialOutcome, error) {
	_, trial, err := ParseKey(key)
	if err != nil {
		return nil, err
	}
	if len(val) < 4 {
		return nil, fmt.Errorf("results: record %x: value of %d bytes, shorter than its checksum", key, len(val))
	}
	enc, sum := val[:len(val)-4], binary.BigEndian.Uint32(val[len(val)-4:])
	if got := recordCRC(key, enc); got != sum {
		return nil, fmt.Errorf("results: record %x: checksum %08x, stored %08x (corrupted)", key, got, sum)
	}
	o, err := DecodeOutcome(enc)
	if err != nil {
		return nil, fmt.Errorf("results: record %x: %w", key, err)
	}
	if o.GetTrial() != trial {
		return nil, fmt.Errorf("results: record %x: holds trial %d, its key says %d", key, o.GetTrial(), trial)
	}
	return o, nil
}

// DecodeOutcome decodes a TrialOutcome encoding. Bytes that are not a
// TrialOutcome with a cell are an error.
func DecodeOutcome(b []byte) (*w2sv1.TrialOutcome, error) {
	o := new(w2sv1.TrialOutcome)
	if err := proto.Unmarshal(b, o); err != nil {
		return nil, fmt.Errorf("results: decode outcome: %w", err)
	}
	if o.GetCell() == nil {
		return nil, errors.New("results: decode outcome: no cell")
	}
	return o, nil
}

// entry is a record ready to be written.
type entry struct {
	key, val []byte
}

// check returns an error if rec does not belong in the store.
func (s *Store) check(rec Record) error {
	o := rec.Outcome
	if o == nil {
		return fmt.Errorf("record of cell %d: nil outcome", rec.Cell)
	}
	if uint64(rec.Cell) >= uint64(len(s.cells)) {
		return fmt.Errorf("record (cell %d, trial %d): cell ordinal out of range [0, %d)", rec.Cell, o.GetTrial(), len(s.cells))
	}
	if o.GetTrial() < 0 || o.GetTrial() >= s.settings.GetTrials() {
		return fmt.Errorf("record (cell %d, trial %d): trial index out of range [0, %d)", rec.Cell, o.GetTrial(), s.settings.GetTrials())
	}
	want, got := s.cells[rec.Cell], o.GetCell()
	if got == nil || got.GetN() != want.GetN() || got.GetD() != want.GetD() || got.GetMargin() != want.GetMargin() {
		return fmt.Errorf("record (cell %d, trial %d): outcome is for cell (n=%d, d=%d, margin=%g), cell %d is (n=%d, d=%d, margin=%g)",
			rec.Cell, o.GetTrial(), got.GetN(), got.GetD(), got.GetMargin(), rec.Cell, want.GetN(), want.GetD(), want.GetMargin())
	}
	if len(o.GetCos()) != s.nckpt {
		return fmt.Errorf("record (cell %d, trial %d): %d cosines, the settings have %d checkpoints", rec.Cell, o.GetTrial(), len(o.GetCos()), s.nckpt)
	}
	return nil
}

// Put writes recs in one transaction. It checks every record first (cell
// ordinal and trial index in range, outcome for the right cell, one cosine
// per checkpoint) and writes none of them if any is wrong. Writing a record
// that is already present replaces it; since encoding is deterministic, the
// same outcome leaves the same bytes.
func (s *Store) Put(recs []Record) error { return s.put(recs, nil) }

// put is Put with a hook called inside the transaction, after the records
// are put and before the commit (see WriterOptions.InTx).
func (s *Store) put(recs []Record, inTx func()) error {
	if len(recs) == 0 {
		return nil
	}
	entries := make([]entry, 0, len(recs))
	for _, rec := range recs {
		if err := s.check(rec); err != nil {
			return fmt.Errorf("results: put to %s: %w", s.path, err)
		}
		key := Key(rec.Cell, rec.Outcome.GetTrial())
		val, err := EncodeRecord(key, rec.Outcome)
		if err != nil {
			return fmt.Errorf("results: put to %s: %w", s.path, err)
		}
		entries = append(entries, entry{key, val})
	}
	// bbolt is fastest with keys in order. The sort is stable, so of two
	// records with the same key the later one wins.
	slices.SortStableFunc(entries, func(a, b entry) int { return bytes.Compare(a.key, b.key) })
	err := update(s.db, s.path, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		// Keys mostly arrive in increasing order within a cell; full pages
		// keep the file near the size of its records.
		b.FillPercent = 0.95
		for _, e := range entries {
			if err := b.Put(e.key, e.val); err != nil {
				return err
			}
		}
		if inTx != nil {
			inTx()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("results: put %d records to %s: %w", len(recs), s.path, err)
	}
	return nil
}

// Get returns the outcome of a trial of a cell, and whether it is present.
func (s *Store) Get(cell uint32, trial int32) (*w2sv1.TrialOutcome, bool, error) {
	var o *w2sv1.TrialOutcome
	err := view(s.db, s.path, func(tx *bolt.Tx) error {
		k := Key(cell, trial)
		v := tx.Bucket(bucketRecords).Get(k)
		if v == nil {
			return nil
		}
		var err error
		o, err = DecodeRecord(k, v)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("results: get (cell %d, trial %d) from %s: %w", cell, trial, s.path, err)
	}
	return o, o != nil, nil
}

// checkCell returns an error if cell is not an ordinal of the sweep.
func (s *Store) checkCell(cell uint32) error {
	if uint64(cell) >= uint64(len(s.cells)) {
		return fmt.Errorf("results: %s: cell ordinal %d out of range [0, %d)", s.path, cell, len(s.cells))
	}
	return nil
}

// scanCell calls fn with the trial index and value of every record of cell,
// in trial order. The value is only valid during the call.
func scanCell(tx *bolt.Tx, cell uint32, fn func(trial int32, v []byte) error) error {
	prefix := Key(cell, 0)[:4]
	c := tx.Bucket(bucketRecords).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		_, trial, err := ParseKey(k)
		if err != nil {
			return err
		}
		if err := fn(trial, v); err != nil {
			return err
		}
	}
	return nil
}

// Present returns, for each trial index of cell, whether its record exists.
func (s *Store) Present(cell uint32) ([]bool, error) {
	if err := s.checkCell(cell); err != nil {
		return nil, err
	}
	present := make([]bool, s.settings.GetTrials())
	err := view(s.db, s.path, func(tx *bolt.Tx) error {
		return scanCell(tx, cell, func(trial int32, _ []byte) error {
			if trial < int32(len(present)) {
				present[trial] = true
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("results: scan cell %d of %s: %w", cell, s.path, err)
	}
	return present, nil
}

// Missing returns the trial indices of cell that have no record, as maximal
// half-open ranges in increasing order.
func (s *Store) Missing(cell uint32) ([]*w2sv1.TrialRange, error) {
	present, err := s.Present(cell)
	if err != nil {
		return nil, err
	}
	var ranges []*w2sv1.TrialRange
	for i := 0; i < len(present); {
		if present[i] {
			i++
			continue
		}
		j := i
		for j < len(present) && !present[j] {
			j++
		}
		ranges = append(ranges, &w2sv1.TrialRange{Start: int32(i), End: int32(j)})
		i = j
	}
	return ranges, nil
}

// Counts returns the number of records of each cell, by ordinal.
func (s *Store) Counts() ([]int, error) {
	counts := make([]int, len(s.cells))
	err := view(s.db, s.path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).ForEach(func(k, _ []byte) error {
			cell, _, err := ParseKey(k)
			if err != nil {
				return err
			}
			if uint64(cell) >= uint64(len(counts)) {
				return fmt.Errorf("record key %x: cell ordinal out of range [0, %d)", k, len(counts))
			}
			counts[cell]++
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("results: count records of %s: %w", s.path, err)
	}
	return counts, nil
}

// ForEach calls fn with every outcome of cell, in trial order, and stops at
// the first error.
func (s *Store) ForEach(cell uint32, fn func(*w2sv1.TrialOutcome) error) error {
	if err := s.checkCell(cell); err != nil {
		return err
	}
	return view(s.db, s.path, func(tx *bolt.Tx) error {
		return forEachTx(tx, cell, fn)
	})
}

func forEachTx(tx *bolt.Tx, cell uint32, fn func(*w2sv1.TrialOutcome) error) error {
	return scanCell(tx, cell, func(trial int32, v []byte) error {
		o, err := DecodeRecord(Key(cell, trial), v)
		if err != nil {
			return fmt.Errorf("(cell %d, trial %d): %w", cell, trial, err)
		}
		return fn(o)
	})
}

// RecordsDigest returns the SHA-256 of all records, in key order, and their
// number. Each key and value is hashed after its length as a big-endian
// uint64, so two stores have the same digest exactly when their records are
// the same bytes.
func (s *Store) RecordsDigest() ([32]byte, int, error) {
	h := sha256.New()
	n := 0
	var lenbuf [8]byte
	err := view(s.db, s.path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
			for _, b := range [][]byte{k, v} {
				binary.BigEndian.PutUint64(lenbuf[:], uint64(len(b)))
				h.Write(lenbuf[:])
				h.Write(b)
			}
			n++
			return nil
		})
	})
	if err != nil {
		return [32]byte{}, 0, fmt.Errorf("results: digest records of %s: %w", s.path, err)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, n, nil
}
