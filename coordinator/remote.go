package coordinator

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/test/bufconn"

	"github.com/w2s-lab/w2s/node"
	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
)

// remote is one node as the coordinator sees it.
type remote struct {
	addr    string
	conn    *grpc.ClientConn
	client  w2sv1.NodeClient
	workers int

	mu       sync.Mutex
	failures int // consecutive
	aside    bool
	why      string
}

// Nodes that fail this many shards in a row are set aside.
const maxConsecutiveFailures = 3

func (r *remote) succeeded() {
	r.mu.Lock()
	r.failures = 0
	r.mu.Unlock()
}

// failed records a failure and reports whether the node is now set aside.
func (r *remote) failed(err error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures++
	if r.failures >= maxConsecutiveFailures && !r.aside {
		r.aside = true
		r.why = fmt.Sprintf("%d shards failed in a row; last: %v", r.failures, err)
	}
	return r.aside
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

// infoTimeout bounds the first call to a node.
const infoTimeout = 10 * time.Second

// connect opens a client to every node (or starts in-process ones) and asks
// each for its capacity.
func connect(ctx context.Context, opts Options, log *slog.Logger) ([]*remote, func(), error) {
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	var nodes []*remote
	if len(opts.Nodes) == 0 {
		lis := bufconn.Listen(1 << 20)
		srv := node.New(node.Config{Workers: defaultWorkers(opts.Workers)})
		gs := node.NewGRPCServer(srv)
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
		nodes = append(nodes, &remote{addr: "in-process", conn: conn, client: w2sv1.NewNodeClient(conn)})
	} else {
		for _, addr := range opts.Nodes {
			conn, err := grpc.NewClient(addr, append(dialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
			if err != nil {
				closeAll()
				return nil, nil, fmt.Errorf("node %s: %w", addr, err)
			}
			closers = append(closers, func() { conn.Close() })
			nodes = append(nodes, &remote{addr: addr, conn: conn, client: w2sv1.NewNodeClient(conn)})
		}
	}
	var usable []*remote
	for _, n := range nodes {
		ictx, cancel := context.WithTimeout(ctx, infoTimeout)
		info, err := n.client.Info(ictx, &w2sv1.InfoRequest{}, grpc.WaitForReady(true))
		cancel()
		if err != nil {
			log.Error("node unreachable; set aside", "node", n.addr, "err", err)
			continue
		}
		if info.GetProtocolVersion() < w2sv1.ProtocolVersion || info.GetWorkers() < 1 {
			log.Error("node unusable; set aside", "node", n.addr, "protocol_version", info.GetProtocolVersion(), "workers", info.GetWorkers())
			continue
		}
		n.workers = int(info.GetWorkers())
		log.Info("node ready", "node", n.addr, "workers", n.workers, "max_memory_mib", info.GetMaxMemoryBytes()>>20, "version", info.GetVersion())
		usable = append(usable, n)
	}
	if len(usable) == 0 {
		closeAll()
		return nil, nil, fmt.Errorf("no node reachable among %d", len(nodes))
	}
	return usable, closeAll, nil
}
