package results

import (
	"errors"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
)

func TestWriterConcurrent(t *testing.T) {
	settings := testSettings()
	settings.Trials = 1000
	s := mustCreate(t, tempPath(t), settings)
	cells := uint32(len(settings.Cells()))

	var (
		mu      sync.Mutex
		seen    = map[string]int{}
		batches int
		largest int
	)
	w := s.NewWriter(WriterOptions{
		MaxBatch: 64,
		MaxDelay: 5 * time.Millisecond,
		OnCommit: func(recs []Record) {
			mu.Lock()
			defer mu.Unlock()
			batches++
			largest = max(largest, len(recs))
			for _, r := range recs {
				seen[string(Key(r.Cell, r.Outcome.Trial))]++
				// Committed means readable.
				if _, ok, err := s.Get(r.Cell, r.Outcome.Trial); !ok || err != nil {
					t.Errorf("record (%d, %d) reported committed but not in the store: %v", r.Cell, r.Outcome.Trial, err)
				}
			}
		},
	})

	const producers = 8
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			// Producer p writes the trials ≡ p (mod producers) of every cell.
			for trial := int32(p); trial < settings.Trials; trial += producers {
				for cell := range cells {
					if err := w.Write(record(settings, cell, trial)); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	total := int(cells) * int(settings.Trials)
	if len(seen) != total {
		t.Errorf("OnCommit saw %d distinct records, want %d", len(seen), total)
	}
	for k, n := range seen {
		if n != 1 {
			cell, trial, _ := ParseKey([]byte(k))
			t.Errorf("OnCommit saw (%d, %d) %d times", cell, trial, n)
		}
	}
	if largest > 64 {
		t.Errorf("a batch of %d records, MaxBatch is 64", largest)
	}
	if batches < total/64 {
		t.Errorf("%d batches for %d records", batches, total)
	}
	counts, err := s.Counts()
	if err != nil {
		t.Fatal(err)
	}
	for cell, n := range counts {
		if n != int(settings.Trials) {
			t.Errorf("cell %d has %d records, want %d", cell, n, settings.Trials)
		}
	}
	for _, c := range []struct {
		cell  uint32
		trial int32
	}{{0, 0}, {3, 999}, {2, 517}} {
		got, ok, err := s.Get(c.cell, c.trial)
		if err != nil || !ok || !proto.Equal(got, outcome(settings, c.cell, c.trial)) {
			t.Errorf("Get(%d, %d) = %v, %v, %v", c.cell, c.trial, got, ok, err)
		}
	}
}

func TestWriterCommitsAfterDelay(t *testing.T) {
	s := mustCreate(t, tempPath(t), testSettings())
	committed := make(chan []Record, 1)
	w := s.NewWriter(WriterOptions{
		MaxBatch: 1000,
		MaxDelay: 20 * time.Millisecond,
		OnCommit: func(recs []Record) { committed <- recs },
	})
	defer w.Close()
	start := time.Now()
	if err := w.Write(record(s.Settings(), 2, 4)); err != nil {
		t.Fatal(err)
	}
	select {
	case recs := <-committed:
		if len(recs) != 1 || recs[0].Cell != 2 || recs[0].Outcome.Trial != 4 {
			t.Errorf("committed %v", recs)
		}
		if d := time.Since(start); d < 15*time.Millisecond {
			t.Errorf("committed after %v, before MaxDelay", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no commit 5 s after a write, MaxDelay is 20 ms")
	}
	if _, ok, err := s.Get(2, 4); !ok || err != nil {
		t.Errorf("committed record not in the store: %v", err)
	}
}

func TestWriterCommitError(t *testing.T) {
	s := mustCreate(t, tempPath(t), testSettings())
	settings := s.Settings()
	var (
		mu        sync.Mutex
		committed int
	)
	w := s.NewWriter(WriterOptions{
		MaxBatch: 100,
		MaxDelay: time.Millisecond,
		OnCommit: func(recs []Record) { mu.Lock(); committed += len(recs); mu.Unlock() },
	})
	if err := w.Write(record(settings, 0, 1)); err != nil {
		t.Fatal(err)
	}
	// A record for a cell that does not exist fails its batch.
	if err := w.Write(Record{Cell: 99, Outcome: outcome(settings, 0, 2)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	var werr error
	for werr == nil && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
		werr = w.Write(record(settings, 1, 1))
	}
	if werr == nil {
		t.Fatal("Write kept succeeding after a failed commit")
	}
	cerr := w.Close()
	if cerr == nil || cerr.Error() != werr.Error() {
		t.Errorf("Close = %v, want the commit error %v", cerr, werr)
	}
	if err := w.Close(); err == nil || err.Error() != cerr.Error() {
		t.Errorf("second Close = %v", err)
	}
	if err := w.Write(record(settings, 1, 2)); err == nil {
		t.Error("Write after Close succeeded")
	}

	// Whatever the store holds was reported to OnCommit, and nothing else.
	_, n, err := s.RecordsDigest()
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if n != committed {
		t.Errorf("store holds %d records, OnCommit saw %d", n, committed)
	}
	if _, ok, _ := s.Get(0, 2); ok {
		t.Error("the failed record is in the store")
	}
}

func TestWriterClose(t *testing.T) {
	s := mustCreate(t, tempPath(t), testSettings())
	var got []Record
	// A long delay: only Close commits.
	w := s.NewWriter(WriterOptions{
		MaxDelay: time.Hour,
		OnCommit: func(recs []Record) { got = append(got, recs...) },
	})
	for trial := range int32(10) {
		if err := w.Write(record(s.Settings(), 1, trial)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 {
		t.Errorf("Close committed %d records, want 10", len(got))
	}
	if counts, _ := s.Counts(); counts[1] != 10 {
		t.Errorf("counts after Close: %v", counts)
	}
	if err := w.Write(record(s.Settings(), 1, 0)); !errors.Is(err, ErrWriterClosed) {
		t.Errorf("Write after Close = %v, want ErrWriterClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}

	// Closing a writer that never got a record commits nothing.
	calls := 0
	w = s.NewWriter(WriterOptions{OnCommit: func([]Record) { calls++ }})
	if err := w.Close(); err != nil || calls != 0 {
		t.Errorf("empty writer: Close = %v, %d commits", err, calls)
	}
}

// TestWriterBackpressure checks that Write blocks, rather than buffering
// without bound, while the writer goroutine is busy.
func TestWriterBackpressure(t *testing.T) {
	s := mustCreate(t, tempPath(t), testSettings())
	release := make(chan struct{})
	first := make(chan struct{})
	once := sync.Once{}
	w := s.NewWriter(WriterOptions{
		MaxBatch: 2,
		MaxDelay: time.Millisecond,
		OnCommit: func([]Record) {
			once.Do(func() { close(first) })
			<-release
		},
	})
	settings := s.Settings()
	accepted := make(chan int32, 100)
	go func() {
		for trial := range int32(10) {
			if err := w.Write(record(settings, 0, trial)); err != nil {
				t.Error(err)
			}
			accepted <- trial
		}
		close(accepted)
	}()
	select {
	case <-first:
	case <-time.After(5 * time.Second):
		close(release)
		t.Fatal("no commit 5 s after the first batch was full")
	}
	time.Sleep(50 * time.Millisecond)
	// Blocked in OnCommit after one batch of 2: the buffer holds 2 more,
	// and one more Write may be in flight.
	if n := len(accepted); n > 5 {
		t.Errorf("%d writes accepted while the writer was blocked", n)
	}
	close(release)
	for range accepted {
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if counts, _ := s.Counts(); counts[0] != 10 {
		t.Errorf("counts = %v", counts)
	}
}
