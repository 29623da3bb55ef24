package results

// The writer: batched, durable ingest. Producers hand records to Write; one
// background goroutine commits them with Store.Put, many records per
// transaction, so that a sweep pays one fsync per batch rather than per
// trial.

import (
	"errors"
	"sync"
	"time"
)

// Default WriterOptions.
const (
	DefaultMaxBatch = 4096
	DefaultMaxDelay = 200 * time.Millisecond
)

// ErrWriterClosed is returned by Write after Close.
var ErrWriterClosed = errors.New("results: writer is closed")

// WriterOptions configure a Writer.
type WriterOptions struct {
	// MaxBatch is the most records committed in one transaction, and the
	// number of records Write buffers before it blocks. Zero or less means
	// DefaultMaxBatch.
	MaxBatch int

	// MaxDelay is the longest a record waits for its commit after it was
	// handed to the writer goroutine. Zero or less means DefaultMaxDelay.
	MaxDelay time.Duration

	// OnCommit, if set, is called after every successful commit with the
	// records it committed. From then on those records are durable. It runs
	// in the writer goroutine, which commits nothing while it runs, so it
	// must be quick. It may keep recs.
	OnCommit func(recs []Record)

	// InTx, if set, is called inside every commit's transaction, after its
	// records are put and before it commits: a fault-injection point for
	// tests that kill the process in the middle of a store write.
	InTx func()

	// Latency, if set, is called after every successful commit with how
	// long the transaction took (fsync included). Like OnCommit it runs in
	// the writer goroutine.
	Latency func(time.Duration)
}

// Writer commits records to a store in batches. Write is safe for
// concurrent use. A record is durable once OnCommit has been called for it;
// Write returning nil only means the writer accepted it.
//
// If a commit fails, the writer stops: later calls of Write, and Close,
// return that error, and the records not reported to OnCommit are not in the
// store.
type Writer struct {
	s    *Store
	opts WriterOptions
	recs chan Record
	done chan struct{} // closed when the goroutine has returned
	err  error         // why the goroutine returned; read after done

	mu     sync.RWMutex // held for reading while sending on recs
	closed bool
}

// NewWriter starts a writer committing to s. The writer must be closed
// before s is.
func (s *Store) NewWriter(opts WriterOptions) *Writer {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = DefaultMaxDelay
	}
	w := &Writer{
		s:    s,
		opts: opts,
		recs: make(chan Record, opts.MaxBatch),
		done: make(chan struct{}),
	}
	go w.run()
	return w
}

// Write hands rec to the writer. It blocks while the writer's buffer is
// full. It returns the commit error if an earlier commit failed.
func (w *Writer) Write(rec Record) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrWriterClosed
	}
	select {
	case <-w.done:
		return w.err
	default:
	}
	select {
	case w.recs <- rec:
		return nil
	case <-w.done:
		return w.err
	}
}

// Close commits the records not yet committed, stops the writer and returns
// the first commit error. Calling Close again returns the same error.
func (w *Writer) Close() error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.recs)
	}
	w.mu.Unlock()
	<-w.done
	return w.err
}

// run is the writer goroutine. It commits when it holds MaxBatch records,
// MaxDelay after the first uncommitted record arrived, and when recs is
// closed.
func (w *Writer) run() {
	defer close(w.done)
	timer := time.NewTimer(w.opts.MaxDelay)
	timer.Stop()
	defer timer.Stop()
	var (
		batch []Record
		due   <-chan time.Time // timer.C while batch is not empty
	)
	commit := func() bool {
		timer.Stop()
		due = nil
		start := time.Now()
		if err := w.s.put(batch, w.opts.InTx); err != nil {
			w.err = err
			return false
		}
		if w.opts.Latency != nil {
			w.opts.Latency(time.Since(start))
		}
		if w.opts.OnCommit != nil {
			w.opts.OnCommit(batch)
		}
		batch = nil // OnCommit may keep the old slice
		return true
	}
	for {
		select {
		case rec, ok := <-w.recs:
			if !ok {
				if len(batch) > 0 {
					commit()
				}
				return
			}
			batch = append(batch, rec)
			if len(batch) == 1 {
				timer.Reset(w.opts.MaxDelay)
				due = timer.C
			}
			if len(batch) >= w.opts.MaxBatch && !commit() {
				return
			}
		case <-due:
			if !commit() {
				return
			}
		}
	}
}
