// Command w2s-node serves the w2s node service: it runs shards of trials for
// a coordinator (w2s run --nodes) and streams their outcomes back.
//
//	w2s-node --listen ADDR [--workers N] [--max-memory BYTES] [--token-file F] [--tls-cert F --tls-key F [--tls-client-ca F]] [--insecure]
//
// A node on a non-loopback address must authenticate its callers (a bearer
// token and/or TLS) unless --insecure is given.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"github.com/w2s-lab/w2s/node"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("w2s-node", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:7420", "`address` to serve on (host:port)")
	workers := fs.Int("workers", 0, "trials run at once (default: one per CPU)")
	maxMem := fs.String("max-memory", "", "memory for trial workspaces, in `bytes` (suffixes K, M, G, T; default: 3/4 of this machine's or cgroup's memory)")
	token := fs.String("token", "", "bearer `token` every call must carry (prefer --token-file or W2S_TOKEN: command lines are visible to other users)")
	tokenFile := fs.String("token-file", "", "read the bearer token from this `file`")
	tlsCert := fs.String("tls-cert", "", "serve TLS with this certificate `file` (PEM)")
	tlsKey := fs.String("tls-key", "", "the TLS certificate's private key `file` (PEM)")
	clientCA := fs.String("tls-client-ca", "", "require client certificates signed by the CAs in this `file` (PEM)")
	insecureFlag := fs.Bool("insecure", false, "allow a non-loopback --listen address without --token or TLS: anyone who can reach the node can use it")
	metricsAddr := fs.String("metrics-addr", "", "serve Prometheus metrics at http://`ADDR`/metrics")
	faultName := fs.String("fault", "", "for tests and benchmarks only: 'error' fails every call, 'stall' never answers, 'synthetic' answers with outcomes computed at no cost (never for real sweeps)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: w2s-node --listen ADDR [--workers N] [--max-memory BYTES] [--token-file F] [--tls-cert F --tls-key F [--tls-client-ca F]] [--insecure]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "w2s-node: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *workers < 0 {
		fmt.Fprintf(stderr, "w2s-node: invalid --workers = %d: must be ≥ 0\n", *workers)
		return 2
	}
	var mem int64
	if *maxMem != "" {
		var err error
		if mem, err = parseBytes(*maxMem); err != nil || mem <= 0 {
			fmt.Fprintf(stderr, "w2s-node: invalid --max-memory = %q: want a positive size such as 8G\n", *maxMem)
			return 2
		}
	}
	fault, err := node.ParseFault(*faultName)
	if err != nil {
		fmt.Fprintf(stderr, "w2s-node: invalid --fault: %v\n", err)
		return 2
	}
	var auth node.Auth
	if *token == "" && *tokenFile == "" {
		*token = os.Getenv("W2S_TOKEN")
	}
	if auth.Token, err = node.ReadToken(*token, *tokenFile); err != nil {
		fmt.Fprintf(stderr, "w2s-node: invalid --token/--token-file: %v\n", err)
		return 2
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		fmt.Fprintf(stderr, "w2s-node: --tls-cert and --tls-key go together (got cert %q, key %q)\n", *tlsCert, *tlsKey)
		return 2
	}
	if *clientCA != "" && *tlsCert == "" {
		fmt.Fprintf(stderr, "w2s-node: --tls-client-ca %q needs --tls-cert and --tls-key\n", *clientCA)
		return 2
	}
	if *tlsCert != "" {
		if auth.TLS, err = node.ServerTLS(*tlsCert, *tlsKey, *clientCA); err != nil {
			fmt.Fprintf(stderr, "w2s-node: %v\n", err)
			return 2
		}
	}
	if !node.IsLoopback(*listen) && !auth.Enabled() && !*insecureFlag {
		fmt.Fprintf(stderr, "w2s-node: refusing to listen on %s, which is reachable from the network, without authentication: "+
			"give --token-file (or --token, or W2S_TOKEN) and/or --tls-cert and --tls-key, or --insecure to accept anyone\n", *listen)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	var metrics *node.Metrics
	if *metricsAddr != "" {
		reg := node.NewRegistry()
		metrics = node.NewMetrics(reg)
		mlis, err := node.ServeMetrics(*metricsAddr, reg)
		if err != nil {
			fmt.Fprintf(stderr, "w2s-node: invalid --metrics-addr: %v\n", err)
			return 2
		}
		defer mlis.Close()
		log.Info("metrics", "url", "http://"+mlis.Addr().String()+"/metrics")
	}
	srv := node.New(node.Config{Workers: *workers, MaxMemory: mem, Fault: fault, Metrics: metrics})
	if fault != node.FaultNone {
		log.Warn("fault injection on: this node does not compute real trials", "fault", *faultName)
	}
	info, _ := srv.Info(ctx, nil)
	// Let the garbage collector work harder before the budget is exceeded.
	debug.SetMemoryLimit(info.GetMaxMemoryBytes() + 256<<20)

	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "w2s-node: listen %s: %v\n", *listen, err)
		return 1
	}
	gs := node.NewGRPCServer(srv, auth.ServerOptions()...)
	go func() {
		<-ctx.Done()
		log.Info("stopping")
		gs.Stop()
	}()
	log.Info("serving", "addr", lis.Addr().String(), "workers", info.GetWorkers(), "max_memory_mib", info.GetMaxMemoryBytes()>>20,
		"tls", auth.TLS != nil, "client_certs", *clientCA != "", "token", auth.Token != "")
	if err := gs.Serve(lis); err != nil {
		fmt.Fprintf(stderr, "w2s-node: %v\n", err)
		return 1
	}
	return 0
}

// parseBytes reads a byte count with an optional K, M, G or T suffix
// (powers of 1024).
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for i, suf := range []string{"K", "M", "G", "T"} {
		if strings.HasSuffix(s, suf) || strings.HasSuffix(s, suf+"B") || strings.HasSuffix(s, suf+"IB") {
			s = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, "IB"), "B"), suf)
			mult = 1 << (10 * (i + 1))
			break
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if v > (1<<62)/mult {
		return 0, fmt.Errorf("too large")
	}
	return v * mult, nil
}
