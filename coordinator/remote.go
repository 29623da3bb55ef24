package coordinator

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/w2s-lab/w2s/node"
	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
)

// remote is one node as the coordinator sees it.
type remote struct {
	addr    string
	conn    *grpc.ClientConn
	client  w2sv1.NodeClient
	health  healthpb.HealthClient
	workers int
	maxMem  int64
	version string

	mu       sync.Mutex
	failures int // consecutive
	aside    bool
	why      string
	cannot   map[uint32]bool // cells the node refused for lack of memory
}

// canRun reports whether the node may be given a shard of the cell.
func (r *remote) canRun(cell uint32) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.aside && !r.cannot[cell]
}

// refuse records that the node cannot hold a cell.
func (r *remote) refuse(cell uint32) {
	r.mu.Lock()
	r.cannot[cell] = true
	r.mu.Unlock()
}

// Nodes that fail this many shards in a row are set aside.
const maxConsecutiveFailures = 3

func (r *remote) succeeded() {
	r.mu.Lock()
	r.failures = 0
	r.mu.Unlock()
}

// failed records a failure. It reports whether the node is set aside, and
// whether this failure set it aside.
func (r *remote) failed(err error) (aside, now bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures++
	if r.failures >= maxConsecutiveFailures && !r.aside {
		r.aside, now = true, true
		r.why = fmt.Sprintf("%d shards failed in a row; last: %v", r.failures, err)
	}
	return r.aside, now
}

func (r *remote) isSetAside() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.aside
}

func (r *remote) reason() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.why
}

// ClientAuth is how the coordinator authenticates to remote nodes.
type ClientAuth struct {
	// Token, if not empty, is sent with every call as a bearer token.
	Token string
	// TLS, if not nil, secures the connection (root CAs, server name, and
	// a client certificate where nodes require one).
	TLS *tls.Config
}

// bearer sends the token with every call.
type bearer struct {
	token  string
	secure bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

// RequireTransportSecurity is true with TLS. Without it the token travels
// in clear text, which the user chose by giving a token and no TLS.
func (b bearer) RequireTransportSecurity() bool { return b.secure }

// credentials returns the transport and call credentials for remote nodes.
func (a ClientAuth) dialOptions() []grpc.DialOption {
	var opts []grpc.DialOption
	if a.TLS != nil {
		opts = append(opts, grpc.WithTransportCredentials(credentials.NewTLS(a.TLS)))
	} else {
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if a.Token != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(bearer{token: a.Token, secure: a.TLS != nil}))
	}
	return opts
}

// ClientTLS builds the coordinator's TLS configuration: the CAs that sign
// node certificates (system roots if empty), an optional client
// certificate, and an optional server name to verify instead of the host.
func ClientTLS(caFile, certFile, keyFile, serverName string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName}
	if caFile != "" {
		pool, err := node.LoadCAs(caFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("tls: load client certificate %s and key %s: %w", certFile, keyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// dialOptions are the client side of node.NewGRPCServer's settings.
func dialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(node.MaxSendMsgSize),
			grpc.MaxCallSendMsgSize(node.MaxRecvMsgSize),
		),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{
			Time:                20 * time.Second, // ≥ the node's enforcement minimum
			Timeout:             10 * time.Second,
			PermitWithoutStream: true,
		}),
	}
}

// infoTimeout bounds each first call to a node; probeAttempts is how often
// an unreachable node is tried.
const (
	infoTimeout   = 10 * time.Second
	probeAttempts = 3
)

// ResolveNodes turns the --nodes list into node addresses. An entry is
// host:port, or dns:///host:port; a host name that resolves to several
// addresses (a headless Kubernetes service, a round-robin record) becomes
// one node per address, so that each gets its own share of the work.
func ResolveNodes(ctx context.Context, entries []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, e := range entries {
		hostport := strings.TrimPrefix(e, "dns:///")
		host, port, err := net.SplitHostPort(hostport)
		if err != nil || port == "" {
			return nil, fmt.Errorf("node address %q: want host:port", e)
		}
		addrs := []string{host}
		if net.ParseIP(host) == nil {
			lctx, cancel := context.WithTimeout(ctx, infoTimeout)
			addrs, err = net.DefaultResolver.LookupHost(lctx, host)
			cancel()
			if err != nil {
				return nil, fmt.Errorf("node address %q: %w", e, err)
			}
			slices.Sort(addrs)
		}
		for _, a := range addrs {
			hp := net.JoinHostPort(a, port)
			if !seen[hp] {
				seen[hp] = true
				out = append(out, hp)
			}
		}
	}
	return out, nil
}

// connect opens a client to every node (or starts an in-process one),
// checks its health and asks for its capacity. Nodes that do not answer
// are left out, with the reason logged.
func connect(ctx context.Context, opts Options, log *slog.Logger) ([]*remote, func(), error) {
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	var nodes []*remote
	if len(opts.Nodes) == 0 {
		cfg := opts.InProcess
		if cfg.Workers <= 0 {
			cfg.Workers = defaultWorkers(opts.Workers)
		}
		lis := bufconn.Listen(1 << 20)
		gs := node.NewGRPCServer(node.New(cfg))
		go gs.Serve(lis)
		closers = append(closers, gs.Stop)
		dial := func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }
		conn, err := grpc.NewClient("passthrough:///in-process",
			append(dialOptions(), grpc.WithContextDialer(dial), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("in-process node: %w", err)
		}
		closers = append(closers, func() { conn.Close() })
		nodes = append(nodes, newRemote("in-process", conn))
	} else {
		addrs, err := ResolveNodes(ctx, opts.Nodes)
		if err != nil {
			return nil, nil, err
		}
		for _, addr := range addrs {
			conn, err := grpc.NewClient("passthrough:///"+addr, append(dialOptions(), opts.Auth.dialOptions()...)...)
			if err != nil {
				closeAll()
				return nil, nil, fmt.Errorf("node %s: %w", addr, err)
			}
			closers = append(closers, func() { conn.Close() })
			nodes = append(nodes, newRemote(addr, conn))
		}
	}
	var (
		usable []*remote
		mu     sync.Mutex
		wg     sync.WaitGroup
	)
	for _, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := n.probe(ctx); err != nil {
				log.Error("node left out", "node", n.addr, "err", err)
				return
			}
			log.Info("node ready", "node", n.addr, "workers", n.workers, "max_memory_mib", n.maxMem>>20, "version", n.version)
			mu.Lock()
			usable = append(usable, n)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(usable) == 0 {
		closeAll()
		return nil, nil, fmt.Errorf("no node reachable among %d (%s)", len(nodes), strings.Join(addrsOf(nodes), ", "))
	}
	// Keep the order of the --nodes list, whatever order the probes ended in.
	slices.SortFunc(usable, func(a, b *remote) int { return slices.Index(nodes, a) - slices.Index(nodes, b) })
	return usable, closeAll, nil
}

func addrsOf(nodes []*remote) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.addr
	}
	return out
}

func newRemote(addr string, conn *grpc.ClientConn) *remote {
	return &remote{addr: addr, conn: conn, client: w2sv1.NewNodeClient(conn), health: healthpb.NewHealthClient(conn), cannot: map[uint32]bool{}}
}

// probe checks a node with the standard health service, then asks for its
// capacity; each call has its own deadline. A node that cannot be reached
// (refused connection, failed TLS handshake) is tried probeAttempts times,
// a second apart, so that a node still starting is not left out, while a
// wrong address or credential fails within seconds.
func (r *remote) probe(ctx context.Context) error {
	var resp *healthpb.HealthCheckResponse
	var err error
	for attempt := 1; ; attempt++ {
		hctx, cancel := context.WithTimeout(ctx, infoTimeout)
		resp, err = r.health.Check(hctx, &healthpb.HealthCheckRequest{Service: w2sv1.Node_ServiceDesc.ServiceName})
		cancel()
		if status.Code(err) != codes.Unavailable || attempt == probeAttempts {
			break
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("health check: %v", resp.GetStatus())
	}
	ictx, cancel2 := context.WithTimeout(ctx, infoTimeout)
	defer cancel2()
	info, err := r.client.Info(ictx, &w2sv1.InfoRequest{})
	if err != nil {
		return fmt.Errorf("info: %w", err)
	}
	if info.GetProtocolVersion() < w2sv1.ProtocolVersion {
		return fmt.Errorf("node implements trial protocol %d, the sweep needs %d", info.GetProtocolVersion(), w2sv1.ProtocolVersion)
	}
	if info.GetWorkers() < 1 || info.GetMaxMemoryBytes() < 1 {
		return fmt.Errorf("node reports %d workers and %d bytes of memory", info.GetWorkers(), info.GetMaxMemoryBytes())
	}
	r.workers, r.maxMem, r.version = int(info.GetWorkers()), info.GetMaxMemoryBytes(), info.GetVersion()
	return nil
}
