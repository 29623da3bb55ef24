package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/w2s-lab/w2s/coordinator"
	"github.com/w2s-lab/w2s/node"
	"github.com/w2s-lab/w2s/results"
)

// runFlags are the flags of run and resume that say how, not what.
type runFlags struct {
	store     string
	nodes     string
	workers   int
	shardSize int
	verbose   bool
	every     time.Duration
	timeout   time.Duration

	token, tokenFile                  string
	tlsCA, tlsCert, tlsKey, tlsServer string
	clientAuth                        coordinator.ClientAuth // built by check
	metricsAddr                       string
	metrics                           *coordinator.Metrics // served by check on metricsLis
	metricsLis                        net.Listener
}

func (f *runFlags) register(fs *flag.FlagSet, storeHelp string) {
	fs.StringVar(&f.store, "store", "", storeHelp)
	fs.StringVar(&f.nodes, "nodes", "", "node addresses, a comma `list` of host:port (default: run nodes in this process)")
	fs.IntVar(&f.workers, "workers", 0, "workers of the in-process node (default: one per CPU)")
	fs.IntVar(&f.shardSize, "shard-size", 0, "trials per shard (default: sized to a few seconds of work)")
	fs.StringVar(&f.token, "token", "", "bearer `token` for the nodes (prefer --token-file or W2S_TOKEN: command lines are visible to other users)")
	fs.StringVar(&f.tokenFile, "token-file", "", "read the nodes' bearer token from this `file`")
	fs.StringVar(&f.tlsCA, "tls-ca", "", "connect to nodes over TLS, trusting the CAs in this `file` (PEM)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "client certificate `file` (PEM) for nodes that require one")
	fs.StringVar(&f.tlsKey, "tls-key", "", "the client certificate's private key `file` (PEM)")
	fs.StringVar(&f.tlsServer, "tls-server-name", "", "verify this `name` in the nodes' certificates instead of their host")
	fs.DurationVar(&f.timeout, "shard-timeout", 0, "deadline of each shard call, after which it is retried elsewhere (default: ten times its estimated time, at least 1m)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics of the run at http://`ADDR`/metrics")
	fs.BoolVar(&f.verbose, "v", false, "log every node and shard event")
	fs.DurationVar(&f.every, "progress", 0, "interval of progress lines when stderr is not a terminal (default 5s; a terminal gets a live bar)")
}

func (f *runFlags) check() error {
	if f.store == "" {
		return usagef("--store is required")
	}
	if f.workers < 0 {
		return usagef("invalid --workers = %d: must be ≥ 0", f.workers)
	}
	if f.timeout < 0 {
		return usagef("invalid --shard-timeout = %v: must be ≥ 0", f.timeout)
	}
	if f.every < 0 {
		return usagef("invalid --progress = %v: must be ≥ 0", f.every)
	}
	if f.shardSize < 0 {
		return usagef("invalid --shard-size = %d: must be ≥ 0", f.shardSize)
	}
	for _, a := range f.nodeList() {
		if a == "" {
			return usagef("invalid --nodes = %q: empty address in the list", f.nodes)
		}
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return usagef("--tls-cert and --tls-key go together (got cert %q, key %q)", f.tlsCert, f.tlsKey)
	}
	var err error
	if f.clientAuth, err = f.auth(); err != nil {
		return err
	}
	if f.metricsAddr != "" {
		reg := node.NewRegistry()
		f.metrics = coordinator.NewMetrics(reg)
		if f.metricsLis, err = node.ServeMetrics(f.metricsAddr, reg); err != nil {
			return usagef("invalid --metrics-addr: %v", err)
		}
	}
	return nil
}

// auth builds the credentials for remote nodes from the flags.
func (f *runFlags) auth() (coordinator.ClientAuth, error) {
	var a coordinator.ClientAuth
	tok := f.token
	if tok == "" && f.tokenFile == "" {
		tok = os.Getenv("W2S_TOKEN")
	}
	t, err := node.ReadToken(tok, f.tokenFile)
	if err != nil {
		return a, usagef("invalid --token/--token-file: %v", err)
	}
	a.Token = t
	if f.tlsCA != "" || f.tlsCert != "" || f.tlsServer != "" {
		if a.TLS, err = coordinator.ClientTLS(f.tlsCA, f.tlsCert, f.tlsKey, f.tlsServer); err != nil {
			return a, usageError{err}
		}
	}
	return a, nil
}

func (f *runFlags) nodeList() []string {
	if strings.TrimSpace(f.nodes) == "" {
		return nil
	}
	parts := strings.Split(f.nodes, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "--store PATH [settings flags | --spec FILE] [--nodes LIST]", stderr)
	var sf settingFlags
	sf.register(fs)
	var rf runFlags
	rf.register(fs, "path of the store `file` to create (required; must not exist, unless --resume-existing)")
	resumeExisting := fs.Bool("resume-existing", false, "if the store exists with exactly these settings, finish it instead (for schedulers that restart the same command)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := rf.check(); err != nil {
		return err
	}
	settings, err := sf.settings(fs)
	if err != nil {
		return err
	}
	if _, err := os.Stat(rf.store); err == nil {
		if !*resumeExisting {
			return usagef("store %s already exists: finish it with 'w2s resume --store %s', or choose a new path", rf.store, rf.store)
		}
		st, err := openStore(rf.store, false)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := sameSettings(settings, st.Settings()); err != nil {
			return err
		}
		return sweep(ctx, st, &rf, stdout, stderr)
	}
	st, err := results.Create(rf.store, settings)
	if err != nil {
		return err
	}
	defer st.Close()
	return sweep(ctx, st, &rf, stdout, stderr)
}

func resumeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("resume", "--store PATH [--nodes LIST] [settings flags, which must match the stored ones]", stderr)
	var sf settingFlags
	sf.register(fs)
	var rf runFlags
	rf.register(fs, "path of the store `file` to finish (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := rf.check(); err != nil {
		return err
	}
	st, err := openStore(rf.store, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := sf.contradicts(fs, st.Settings()); err != nil {
		return err
	}
	return sweep(ctx, st, &rf, stdout, stderr)
}

// openStore opens a store. A path that does not exist, a file that is not
// a store, a store of another format and a damaged store are usage errors
// (exit status 2); a store in use is not.
func openStore(path string, readOnly bool) (*results.Store, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, usagef("store %s does not exist", path)
	}
	open := results.Open
	if readOnly {
		open = results.OpenReadOnly
	}
	st, err := open(path)
	if errors.Is(err, results.ErrNotStore) || errors.Is(err, results.ErrFormat) || errors.Is(err, results.ErrDamaged) {
		return nil, usageError{err}
	}
	return st, err
}

// sweep runs what the store is missing, then prints the P(w2s) table.
func sweep(ctx context.Context, st *results.Store, rf *runFlags, stdout, stderr io.Writer) error {
	level := slog.LevelWarn
	if rf.verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	hook, err := faultHook(stderr)
	if err != nil {
		return err
	}
	if rf.metricsLis != nil {
		defer rf.metricsLis.Close()
		log.Info("metrics", "url", "http://"+rf.metricsLis.Addr().String()+"/metrics")
	}
	prog := newProgress(stderr, rf.every)
	sum, err := coordinator.Run(ctx, st, coordinator.Options{
		Nodes:        rf.nodeList(),
		Auth:         rf.clientAuth,
		Workers:      rf.workers,
		ShardSize:    rf.shardSize,
		ShardTimeout: rf.timeout,
		Log:          log,
		Progress:     prog.update,
		CommitHook:   hook,
		Metrics:      rf.metrics,
	})
	prog.finish()
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted after %d new trials; every finished trial is stored: finish with 'w2s resume --store %s'", sum.Trials, st.Path())
		}
		return fmt.Errorf("%v\n(every outcome received is stored: finish with 'w2s resume --store %s')", err, st.Path())
	}
	fmt.Fprintf(stderr, "%d trials in %.1fs (%.0f trials/s) on %d node(s)%s\n", sum.Trials, sum.Elapsed.Seconds(),
		float64(sum.Trials)/max(sum.Elapsed.Seconds(), 1e-9), sum.Nodes, retriesNote(sum.Retries))
	surf, err := results.Aggregate(st)
	if err != nil {
		return err
	}
	return printTable(stdout, surf, results.EventW2S)
}

func retriesNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d shard retries", n)
}

// faultHook reads W2S_FAULT_COMMIT_PAUSE, a fault-injection setting for
// crash tests: a duration to sleep inside every store transaction before
// it commits, so that a test can kill the process in the middle of a write.
func faultHook(stderr io.Writer) (func(), error) {
	v := os.Getenv("W2S_FAULT_COMMIT_PAUSE")
	if v == "" {
		return nil, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return nil, usagef("invalid W2S_FAULT_COMMIT_PAUSE = %q: want a duration such as 2s", v)
	}
	return func() {
		fmt.Fprintf(stderr, "fault injection: pausing %v inside a store transaction\n", d)
		time.Sleep(d)
	}, nil
}
