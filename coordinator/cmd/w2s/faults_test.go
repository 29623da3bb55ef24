package main

// Fault tests with real processes on loopback: nodes and coordinators are
// killed with SIGKILL mid-sweep, and a node that fails every call is set
// aside. Every test ends by comparing the store's records, byte for byte,
// with an uninterrupted single-process run of the same settings.

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// faultSweep is 2,400 trials of about a millisecond each on these
// machines (a second or two in all): long enough to kill things in the
// middle, short enough for CI.
var faultSweep = []string{"--n", "600,1000", "--d", "200", "--margin", "1,2", "--trials", "600", "--seed", "77",
	"--times", "0.5,2,8,32", "--shard-size", "12", "--progress", "50ms"}

const faultTrials = 4 * 600

var (
	refOnce   sync.Once
	refDigest [32]byte
	refErr    string
)

// reference is the records digest of an uninterrupted in-process run.
func reference(t *testing.T) [32]byte {
	t.Helper()
	refOnce.Do(func() {
		dir, err := os.MkdirTemp("", "w2s-ref")
		if err != nil {
			refErr = err.Error()
			return
		}
		defer os.RemoveAll(dir)
		store := filepath.Join(dir, "ref.w2s")
		r := w2s(t, append([]string{"run", "--store", store, "--workers", "2"}, faultSweep...)...)
		if r.code != 0 {
			refErr = r.stderr
			return
		}
		refDigest = storeDigest(t, store)
	})
	if refErr != "" {
		t.Fatalf("reference run: %s", refErr)
	}
	return refDigest
}

// proc is a w2s process running in the background whose stderr is watched.
type proc struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	lines  chan string
	done   chan struct{}
	err    error
}

func startW2S(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "w2s"), args...)
	cmd.Env = append(os.Environ(), env...)
	return startW2SCmd(t, cmd)
}

// startW2SCmd starts cmd (a w2s command, perhaps wrapped) and watches its
// stderr.
func startW2SCmd(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{cmd: cmd, lines: make(chan string, 4096), done: make(chan struct{})}
	pipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		p.err = p.cmd.Wait()
		close(p.lines)
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

var progressRE = regexp.MustCompile(`(\d+)/(\d+) trials`)

// waitFor reads stderr lines until match reports true; it fails the test if
// the process ends first or a minute passes.
func (p *proc) waitFor(t *testing.T, what string, match func(line string) bool) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("process ended before %s; stderr:\n%s", what, p.log())
			}
			if match(line) {
				return
			}
		case <-timeout:
			t.Fatalf("no %s within a minute; stderr:\n%s", what, p.log())
		}
	}
}

// doneFraction matches progress lines with at least frac of the trials done.
func doneFraction(frac float64) func(string) bool {
	return func(line string) bool {
		m := progressRE.FindStringSubmatch(line)
		if m == nil {
			return false
		}
		done, _ := strconv.ParseFloat(m[1], 64)
		total, _ := strconv.ParseFloat(m[2], 64)
		return total > 0 && done >= frac*total
	}
}

// wait waits for the process to end and returns its exit status.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(3 * time.Minute):
		t.Fatalf("process did not end within 3 minutes; stderr:\n%s", p.log())
	}
	if ee, ok := p.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatal(p.err)
	}
	return 0
}

func (p *proc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.wait(t)
}

// (a) Three node processes, one killed with SIGKILL mid-sweep: the sweep
// completes, and its records are byte-identical to a single-process run.
func TestNodeKilledMidSweep(t *testing.T) {
	want := reference(t)
	var addrs []string
	var nodes []*exec.Cmd
	for range 3 {
		a, cmd := startNode(t, "--workers", "1")
		addrs = append(addrs, a)
		nodes = append(nodes, cmd)
	}
	store := filepath.Join(t.TempDir(), "kill-node.w2s")
	run := startW2S(t, nil, append([]string{"run", "--store", store, "--nodes", strings.Join(addrs, ",")}, faultSweep...)...)
	run.waitFor(t, "30% of the trials", doneFraction(0.3))
	if err := nodes[1].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := run.wait(t); code != 0 {
		t.Fatalf("sweep exited %d after a node was killed:\n%s", code, run.log())
	}
	if !strings.Contains(run.log(), addrs[1]) {
		t.Errorf("the killed node %s is not mentioned in the log:\n%s", addrs[1], run.log())
	}
	if storeDigest(t, store) != want {
		t.Error("records differ from a single-process run")
	}
}

// (b) The coordinator killed with SIGKILL early, in the middle, and inside a
// store transaction: each time, w2s resume finishes with records identical
// to an uninterrupted run, none missing, none duplicated.
func TestCoordinatorKilledThenResumed(t *testing.T) {
	want := reference(t)
	cases := []struct {
		name string
		env  []string
		at   func(t *testing.T, p *proc)
	}{
		{"early", nil, func(t *testing.T, p *proc) {
			p.waitFor(t, "the plan", func(l string) bool { return strings.Contains(l, "msg=planned") })
		}},
		{"middle", nil, func(t *testing.T, p *proc) { p.waitFor(t, "half the trials", doneFraction(0.5)) }},
		{"during a store write", []string{"W2S_FAULT_COMMIT_PAUSE=30s"}, func(t *testing.T, p *proc) {
			p.waitFor(t, "a paused transaction", func(l string) bool { return strings.Contains(l, "inside a store transaction") })
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			store := filepath.Join(t.TempDir(), "kill-coordinator.w2s")
			run := startW2S(t, c.env, append([]string{"run", "--store", store, "-v"}, faultSweep...)...)
			c.at(t, run)
			run.kill(t)
			if r := w2s(t, "status", "--store", store); r.code != 0 || !strings.Contains(r.stdout, "incomplete") {
				t.Errorf("status after a kill %s: exit %d\n%s%s", c.name, r.code, r.stdout, r.stderr)
			}
			if r := w2s(t, "resume", "--store", store); r.code != 0 {
				t.Fatalf("resume after a kill %s: exit %d\n%s", c.name, r.code, r.stderr)
			}
			st := openStoreT(t, store)
			digest, n, err := st.RecordsDigest()
			st.Close()
			if err != nil {
				t.Fatal(err)
			}
			if n != faultTrials {
				t.Errorf("%d records after resume, want %d", n, faultTrials)
			}
			if digest != want {
				t.Error("records differ from an uninterrupted run")
			}
		})
	}
}

// (c) A node that answers every call with an error is set aside, with the
// reason logged, and the sweep completes on the others.
func TestFailingNodeSetAside(t *testing.T) {
	want := reference(t)
	good1, _ := startNode(t, "--workers", "1")
	bad, _ := startNode(t, "--workers", "1", "--fault", "error")
	good2, _ := startNode(t, "--workers", "1")
	store := filepath.Join(t.TempDir(), "bad-node.w2s")
	r := w2s(t, append([]string{"run", "--store", store, "--nodes", good1 + "," + bad + "," + good2}, faultSweep...)...)
	if r.code != 0 {
		t.Fatalf("sweep with a failing node: exit %d\n%s", r.code, r.stderr)
	}
	if !regexp.MustCompile(`node set aside.*node=` + regexp.QuoteMeta(bad) + `.*injected fault`).MatchString(r.stderr) {
		t.Errorf("no log line setting %s aside with its reason:\n%s", bad, r.stderr)
	}
	if storeDigest(t, store) != want {
		t.Error("records differ from a single-process run")
	}
	// Only failing nodes: the sweep stops with a clear message.
	store2 := filepath.Join(t.TempDir(), "only-bad.w2s")
	r = w2s(t, append([]string{"run", "--store", store2, "--nodes", bad}, faultSweep...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "no node left") || !strings.Contains(r.stderr, "resume") {
		t.Errorf("sweep with only a failing node: exit %d\n%s", r.code, r.stderr)
	}
}

// A node that accepts shards and never answers: each call ends at its
// deadline, the shard is retried elsewhere, the node is set aside, and the
// sweep completes on the other node.
func TestStalledNodeDeadline(t *testing.T) {
	want := reference(t)
	good, _ := startNode(t, "--workers", "2")
	stall, _ := startNode(t, "--workers", "1", "--fault", "stall")
	store := filepath.Join(t.TempDir(), "stall.w2s")
	r := w2s(t, append([]string{"run", "--store", store, "--nodes", stall + "," + good, "--shard-timeout", "1s"}, faultSweep...)...)
	if r.code != 0 {
		t.Fatalf("sweep with a stalled node: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "DeadlineExceeded") || !regexp.MustCompile(`node set aside.*node=`+regexp.QuoteMeta(stall)).MatchString(r.stderr) {
		t.Errorf("no deadline failures and set-aside for %s:\n%s", stall, r.stderr)
	}
	if storeDigest(t, store) != want {
		t.Error("records differ from a single-process run")
	}
}

// A second coordinator on a store in use is refused at once. The first is
// held inside a store transaction, so it is certainly running.
func TestSecondCoordinatorRefused(t *testing.T) {
	store := filepath.Join(t.TempDir(), "busy.w2s")
	run := startW2S(t, []string{"W2S_FAULT_COMMIT_PAUSE=1s"}, append([]string{"run", "--store", store}, faultSweep...)...)
	run.waitFor(t, "a paused transaction", func(l string) bool { return strings.Contains(l, "inside a store transaction") })
	r := w2s(t, "resume", "--store", store)
	if r.code == 0 || !strings.Contains(r.stderr, "in use") {
		t.Errorf("second coordinator: exit %d, %q", r.code, r.stderr)
	}
	for _, sub := range []string{"status", "export"} {
		if r := w2s(t, sub, "--store", store); r.code == 0 || !strings.Contains(r.stderr, "in use") {
			t.Errorf("%s on a store in use: exit %d, %q", sub, r.code, r.stderr)
		}
	}
	run.kill(t)
}

// A DNS name is resolved to node addresses.
func TestNodesByName(t *testing.T) {
	addr, _ := startNode(t, "--workers", "2")
	_, port, _ := strings.Cut(addr, ":")
	store := filepath.Join(t.TempDir(), "dns.w2s")
	r := w2s(t, "run", "--store", store, "--nodes", "dns:///localhost:"+port, "--n", "50", "--d", "5", "--trials", "20", "-v")
	if r.code != 0 || !strings.Contains(r.stderr, "node ready") || !strings.Contains(r.stderr, "127.0.0.1:"+port) {
		t.Errorf("run --nodes dns:///localhost:%s: exit %d\n%s", port, r.code, r.stderr)
	}
}

func openStoreT(t *testing.T, path string) interface {
	RecordsDigest() ([32]byte, int, error)
	Close() error
} {
	t.Helper()
	st, err := openStore(path, true)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
