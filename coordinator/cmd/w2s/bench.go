package main

// w2s bench: the solver's speed on the reference cells, beside a numpy
// implementation of the protocol and OpenBLAS's dgemv on the same shapes.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/w2s-lab/w2s/solver"
)

type benchCell struct {
	n, d  int
	gamma float64
	mode  solver.Mode
}

func (c benchCell) String() string {
	return fmt.Sprintf("n=%d d=%d γ=%g %v", c.n, c.d, c.gamma, c.mode)
}

// The reference cells of the issue: soft labels, ρ_s = 0.8, ρ_t = 0.6,
// default checkpoints.
var benchCells = []benchCell{
	{1000, 100, 2, solver.Flow},
	{100, 1000, 2, solver.Flow},
	{4000, 1000, 2, solver.Flow},
	{1000, 100, 2, solver.Ridge},
}

func (c benchCell) settings() *solver.Settings {
	s := &solver.Settings{Seed: 1, N: []int{c.n}, D: []int{c.d}, Margin: []float64{c.gamma}, Trials: 1 << 30,
		RhoS: solver.DefaultRhoS, RhoT: solver.DefaultRhoT, Labels: solver.Soft, Mode: c.mode, EtaMax: solver.DefaultEtaMax}
	if c.mode == solver.Ridge {
		s.Lambdas = solver.DefaultLambdas
	} else {
		s.Times = solver.DefaultTimes
	}
	return s
}

// benchResult is one cell's measurement on all cores.
type benchResult struct {
	trials       int64
	elapsed      time.Duration
	allocs       float64 // heap allocations per trial
	sampleShare  float64 // share of a trial's time spent drawing its data
	loopFlops    float64 // flops of the finetuning loop per trial
	newtonIters  float64 // per trial (ridge)
	trialsPerSec float64
	nsPerTrial   float64 // per core
	loopGFlops   float64
}

func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "[--seconds S] [--cells 1,2,3,4] [--workers N] [--numpy SCRIPT] [--python PATH]", stderr)
	seconds := fs.Float64("seconds", 5, "measuring time per cell and per reference")
	cellList := fs.String("cells", "1,2,3,4", "reference cells to run: 1 n=1000 d=100 flow, 2 n=100 d=1000 flow, 3 n=4000 d=1000 flow, 4 n=1000 d=100 ridge")
	workers := fs.Int("workers", 0, "goroutines (default: one per CPU)")
	script := fs.String("numpy", "scripts/bench_numpy.py", "the numpy reference `script` (empty: skip the references)")
	python := fs.String("python", "", "Python interpreter with numpy (default: /usr/bin/python3, then python3)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !(*seconds > 0) {
		return usagef("invalid --seconds = %v: must be > 0", *seconds)
	}
	var cells []benchCell
	for _, tok := range strings.Split(*cellList, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(tok))
		if err != nil || k < 1 || k > len(benchCells) {
			return usagef("invalid --cells entry %q: want 1 to %d", tok, len(benchCells))
		}
		cells = append(cells, benchCells[k-1])
	}
	w := *workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	dur := time.Duration(*seconds * float64(time.Second))

	py, pyErr := findPython(*python, *script)
	if *script != "" && pyErr != nil {
		fmt.Fprintf(stderr, "w2s bench: references unavailable: %v\n", pyErr)
	}
	fmt.Fprintf(stdout, "w2s bench: %d workers, %s per measurement, %s\n", w, dur, cpuModel())
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "cell\ttrials/s\tns/trial/core\tallocs/trial\tsampling\tloop GFLOP/s\tnumpy trials/s\t×numpy\tdgemv GFLOP/s\tloop/dgemv\t")
	for k, c := range cells {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r := benchSolver(ctx, c, w, dur)
		row := []string{fmt.Sprintf("%d %s", indexOf(c)+1, c), f0(r.trialsPerSec), f0(r.nsPerTrial), fmt.Sprintf("%.2f", r.allocs),
			fmt.Sprintf("%.0f%%", 100*r.sampleShare), fmt.Sprintf("%.1f", r.loopGFlops)}
		if py != "" {
			np, err1 := runPython(ctx, py, *script, "trial", c.n, c.d, c.gamma, c.mode.String(), *seconds)
			gv, err2 := runPython(ctx, py, *script, "dgemv", c.n, c.d, *seconds)
			row = append(row, ratioCols(np["trials_per_s"], r.trialsPerSec, err1)...)
			row = append(row, ratioCols(gv["gflops"], r.loopGFlops, err2)...)
		} else {
			row = append(row, "-", "-", "-", "-")
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		_ = k
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "trials/s on all workers; ns/trial/core = workers × elapsed / trials; sampling = share of a trial spent drawing")
	fmt.Fprintln(stdout, "its directions, X and labels; loop GFLOP/s counts 4·n·d flops per gradient step (flow), and per Newton")
	fmt.Fprintln(stdout, "iteration n·d² + d³/3 + 6·n·d in the primal or n³/3 + 6·n·d in the dual (ridge), over the time not spent")
	fmt.Fprintln(stdout, "sampling, on all workers. numpy: scripts/bench_numpy.py, one process, OpenBLAS threads as installed;")
	fmt.Fprintln(stdout, "dgemv: numpy's A@x on the cell's n×d, the same library.")
	return nil
}

func indexOf(c benchCell) int {
	for i, b := range benchCells {
		if b == c {
			return i
		}
	}
	return -1
}

func f0(x float64) string { return strconv.FormatFloat(x, 'f', 0, 64) }

func ratioCols(ref, ours float64, err error) []string {
	if err != nil || !(ref > 0) {
		return []string{"-", "-"}
	}
	return []string{fmt.Sprintf("%.1f", ref), fmt.Sprintf("%.2f×", ours/ref)}
}

// benchSolver runs trials of c on w goroutines for about dur, after a warm
// up, then measures the sampling alone the same way.
func benchSolver(ctx context.Context, c benchCell, w int, dur time.Duration) benchResult {
	s := c.settings()
	cell := solver.Cell{N: c.n, D: c.d, Margin: c.gamma}
	var next atomic.Int64
	var iters atomic.Int64
	work := func(stop time.Time, full bool) (int64, time.Duration) {
		var wg sync.WaitGroup
		var done atomic.Int64
		start := time.Now()
		for range w {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var ws solver.Workspace
				var out solver.Outcome
				for time.Now().Before(stop) && ctx.Err() == nil {
					i := int(next.Add(1))
					if full {
						if err := ws.Run(s, cell, i, &out); err != nil {
							panic(err) // the reference settings are valid
						}
						if c.mode == solver.Ridge {
							n := 0
							for _, k := range out.Steps {
								n += k
							}
							iters.Add(int64(n))
						}
					} else {
						ws.Sample(s, cell, i)
					}
					done.Add(1)
				}
			}()
		}
		wg.Wait()
		return done.Load(), time.Since(start)
	}
	// Warm up: grow every workspace, fault in the pages.
	work(time.Now().Add(dur/5), true)
	iters.Store(0)
	trials, elapsed := work(time.Now().Add(dur), true)
	samples, sampleTime := work(time.Now().Add(dur/3), false)

	r := benchResult{trials: trials, elapsed: elapsed}
	r.trialsPerSec = float64(trials) / elapsed.Seconds()
	r.nsPerTrial = float64(w) * float64(elapsed.Nanoseconds()) / float64(trials)
	r.allocs = allocsPerTrial(s, cell)
	samplePer := float64(w) * float64(sampleTime.Nanoseconds()) / float64(samples)
	r.sampleShare = min(1, samplePer/r.nsPerTrial)
	n, d := float64(c.n), float64(c.d)
	if c.mode == solver.Flow {
		steps := 1 // the last gradient, read at the final checkpoint
		h := solver.StepSize(s.EtaMax, c.n, c.d)
		prev := 0.0
		for _, t := range s.Times {
			steps += solver.SegmentSteps(t-prev, h)
			prev = t
		}
		r.loopFlops = float64(steps) * 4 * n * d
	} else {
		r.newtonIters = float64(iters.Load()) / float64(trials)
		per := n*d*d + d*d*d/3 + 6*n*d
		if c.n < c.d {
			per = n*n*n/3 + 6*n*d
		}
		r.loopFlops = r.newtonIters * per
	}
	loopTime := elapsed.Seconds() * (1 - r.sampleShare)
	r.loopGFlops = r.loopFlops * float64(trials) / loopTime / 1e9
	return r
}

// allocsPerTrial counts heap allocations per trial in steady state: one
// goroutine on one P (as testing.AllocsPerRun does), a warm workspace.
func allocsPerTrial(s *solver.Settings, cell solver.Cell) float64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var ws solver.Workspace
	var out solver.Outcome
	const k = 10
	for i := range 2 {
		_ = ws.Run(s, cell, i, &out)
	}
	runtime.GC() // let the earlier phases' garbage go first
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for i := range k {
		_ = ws.Run(s, cell, 2+i, &out)
	}
	runtime.ReadMemStats(&m1)
	return float64(m1.Mallocs-m0.Mallocs) / k
}

// findPython returns an interpreter that can import numpy.
func findPython(explicit, script string) (string, error) {
	if script == "" {
		return "", fmt.Errorf("no --numpy script")
	}
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("numpy script %s: %v (run from the repository's top directory, or give --numpy)", script, err)
	}
	cands := []string{"/usr/bin/python3", "python3"}
	if explicit != "" {
		cands = []string{explicit}
	}
	for _, p := range cands {
		if exec.Command(p, "-c", "import numpy").Run() == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Python with numpy among %v (Debian: apt-get install python3-numpy)", cands)
}

func runPython(ctx context.Context, py, script string, args ...any) (map[string]float64, error) {
	argv := []string{script}
	for _, a := range args {
		argv = append(argv, fmt.Sprint(a))
	}
	out, err := exec.CommandContext(ctx, py, argv...).Output()
	if err != nil {
		return nil, fmt.Errorf("%s %v: %w", py, argv, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, err
	}
	m := map[string]float64{}
	for k, v := range raw {
		if f, ok := v.(float64); ok {
			m[k] = f
		}
	}
	return m, nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "model name") {
			if _, v, ok := strings.Cut(line, ":"); ok {
				return strings.TrimSpace(v) + " (" + solver.Kernels() + ")"
			}
		}
	}
	return runtime.GOARCH
}
