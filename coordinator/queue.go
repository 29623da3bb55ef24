package coordinator

import (
	"slices"
	"sync"
)

// queue holds the shards not yet finished. pop blocks until a shard is
// pending, or nothing is outstanding, or the run failed.
type queue struct {
	mu          sync.Mutex
	cond        sync.Cond
	pending     []*shard
	outstanding int // pending + running
	err         error
	failed      bool
}

func newQueue(shards []*shard) *queue {
	q := &queue{pending: shards, outstanding: len(shards)}
	q.cond.L = &q.mu
	return q
}

// pop returns the first pending shard that ok accepts, waiting while there
// is none; it returns false when nothing is left to do, the run failed, or
// stop reports true.
func (q *queue) pop(ok func(*shard) bool, stop func() bool) (*shard, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if q.failed || q.outstanding == 0 || stop() {
			return nil, false
		}
		for i, sh := range q.pending {
			if ok(sh) {
				q.pending = slices.Delete(q.pending, i, i+1)
				return sh, true
			}
		}
		q.cond.Wait()
	}
}

// wake makes every waiting pop look again (after a node's state changed).
func (q *queue) wake() { q.cond.Broadcast() }

// pendingCells returns the cells of the pending shards.
func (q *queue) pendingCells() map[uint32]bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	cells := map[uint32]bool{}
	for _, sh := range q.pending {
		cells[sh.cell] = true
	}
	return cells
}

// done marks a popped shard finished.
func (q *queue) done(*shard) {
	q.mu.Lock()
	q.outstanding--
	q.mu.Unlock()
	q.cond.Broadcast()
}

// requeue puts a popped shard back untouched.
func (q *queue) requeue(sh *shard) {
	q.mu.Lock()
	q.pending = append(q.pending, sh)
	q.mu.Unlock()
	q.cond.Broadcast()
}

// retry replaces a popped shard by what remains of it, at the front so
// that its trials are not left for last.
func (q *queue) retry(_ *shard, rest *shard) {
	q.mu.Lock()
	q.pending = append([]*shard{rest}, q.pending...)
	q.mu.Unlock()
	q.cond.Broadcast()
}

// fail stops the run with err (the first error wins).
func (q *queue) fail(err error) {
	q.mu.Lock()
	if !q.failed {
		q.failed, q.err = true, err
	}
	q.mu.Unlock()
	q.cond.Broadcast()
}

// wait blocks until every shard is done or the run failed.
func (q *queue) wait() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.outstanding > 0 && !q.failed {
		q.cond.Wait()
	}
	if q.outstanding == 0 {
		return nil
	}
	return q.err
}
