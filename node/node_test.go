package node

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/solver"
)

func settings() *w2sv1.SweepSettings {
	return &w2sv1.SweepSettings{ProtocolVersion: 1, Seed: 4, N: []int32{50, 80}, D: []int32{6}, Margin: []float64{2},
		Trials: 40, RhoS: 0.8, RhoT: 0.6, Labels: w2sv1.Labels_LABELS_SOFT, Mode: w2sv1.Mode_MODE_FLOW,
		Times: []float64{0.5, 1, 4}, EtaMax: 1}
}

func request(ranges ...[2]int32) *w2sv1.ShardRequest {
	req := &w2sv1.ShardRequest{Settings: settings(), Cell: &w2sv1.Cell{N: 80, D: 6, Margin: 2}}
	for _, r := range ranges {
		req.Trials = append(req.Trials, &w2sv1.TrialRange{Start: r[0], End: r[1]})
	}
	return req
}

// serve starts s on an in-memory listener and returns a client.
func serve(t *testing.T, s *Server) w2sv1.NodeClient {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	gs := NewGRPCServer(s)
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient("passthrough:///node", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return w2sv1.NewNodeClient(conn)
}

func collect(t *testing.T, c w2sv1.NodeClient, req *w2sv1.ShardRequest) ([]*w2sv1.TrialOutcome, error) {
	t.Helper()
	stream, err := c.RunShard(context.Background(), req)
	if err != nil {
		return nil, err
	}
	var out []*w2sv1.TrialOutcome
	for {
		o, err := stream.Recv()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, o)
	}
}

func TestRunShardReturnsEveryTrialOnce(t *testing.T) {
	c := serve(t, New(Config{Workers: 3}))
	out, err := collect(t, c, request([2]int32{0, 5}, [2]int32{9, 20}, [2]int32{39, 40}))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int32]bool{}
	for _, o := range out {
		if seen[o.Trial] {
			t.Errorf("trial %d sent twice", o.Trial)
		}
		seen[o.Trial] = true
		if o.Cell.GetN() != 80 || len(o.Cos) != 3 {
			t.Errorf("trial %d: cell %v, %d cosines", o.Trial, o.Cell, len(o.Cos))
		}
	}
	if len(seen) != 17 || !seen[0] || !seen[4] || !seen[9] || !seen[19] || !seen[39] || seen[5] || seen[20] {
		t.Errorf("got trials %v", seen)
	}
}

// The node streams each outcome as soon as its trial is finished: the
// first Send happens after only a few of the shard's trials have run.
func TestRunShardStreams(t *testing.T) {
	s := New(Config{Workers: 1})
	var done atomic.Int32
	s.trialDone = func() { done.Add(1) }
	first := int32(-1)
	fs := &fakeStream{ctx: context.Background(), onSend: func(n int) {
		if n == 1 {
			first = done.Load()
		}
	}}
	if err := s.RunShard(request([2]int32{0, 40}), fs); err != nil {
		t.Fatal(err)
	}
	if fs.sent != 40 {
		t.Fatalf("sent %d outcomes, want 40", fs.sent)
	}
	// One worker, a result buffer of one: at most three trials can be done
	// when the first outcome is sent.
	if first < 1 || first > 3 {
		t.Errorf("first outcome sent after %d of 40 trials were done: not streamed", first)
	}
}

type fakeStream struct {
	grpc.ServerStream
	ctx    context.Context
	sent   int
	onSend func(n int)
}

func (f *fakeStream) Context() context.Context     { return f.ctx }
func (f *fakeStream) SetHeader(metadata.MD) error  { return nil }
func (f *fakeStream) SendHeader(metadata.MD) error { return nil }
func (f *fakeStream) SetTrailer(metadata.MD)       {}
func (f *fakeStream) Send(*w2sv1.TrialOutcome) error {
	f.sent++
	f.onSend(f.sent)
	return nil
}

func TestRunShardRefusesBadRequests(t *testing.T) {
	c := serve(t, New(Config{Workers: 2}))
	bad := func(edit func(*w2sv1.ShardRequest)) *w2sv1.ShardRequest {
		r := request([2]int32{0, 4})
		edit(r)
		return r
	}
	cases := []struct {
		req  *w2sv1.ShardRequest
		want string
	}{
		{bad(func(r *w2sv1.ShardRequest) { r.Settings = nil }), "settings"},
		{bad(func(r *w2sv1.ShardRequest) { r.Settings.RhoT = 2 }), "rho_t"},
		{bad(func(r *w2sv1.ShardRequest) { r.Settings.ProtocolVersion = 9 }), "protocol_version"},
		{bad(func(r *w2sv1.ShardRequest) { r.Settings.Margin = []float64{-1} }), "margin[0]"},
		{bad(func(r *w2sv1.ShardRequest) { r.Cell = nil }), "cell"},
		{bad(func(r *w2sv1.ShardRequest) { r.Cell.N = 81 }), "not in the sweep's grid"},
		{bad(func(r *w2sv1.ShardRequest) { r.Trials = nil }), "no trial ranges"},
		{bad(func(r *w2sv1.ShardRequest) { r.Trials[0].End = 41 }), "trials[0]"},
		{bad(func(r *w2sv1.ShardRequest) { r.Trials[0].Start = -1 }), "trials[0]"},
		{bad(func(r *w2sv1.ShardRequest) { r.Trials[0].End = 0 }), "trials[0]"},
		{bad(func(r *w2sv1.ShardRequest) {
			r.Trials = append(r.Trials, &w2sv1.TrialRange{Start: 2, End: 6})
		}), "disjoint"},
	}
	for _, cs := range cases {
		out, err := collect(t, c, cs.req)
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), cs.want) || len(out) > 0 {
			t.Errorf("want InvalidArgument naming %q, got %v (%d outcomes)", cs.want, err, len(out))
		}
	}
}

// A cell whose workspace exceeds the budget is refused with the numbers.
func TestMemoryBudget(t *testing.T) {
	c := serve(t, New(Config{Workers: 2, MaxMemory: 64 << 20}))
	req := request([2]int32{0, 1})
	req.Settings.N, req.Settings.D = []int32{20000}, []int32{1000} // 160 MB of X
	req.Cell = &w2sv1.Cell{N: 20000, D: 1000, Margin: 2}
	_, err := collect(t, c, req)
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), "MiB") || !strings.Contains(err.Error(), "64") {
		t.Fatalf("want ResourceExhausted with the numbers, got %v", err)
	}
	if need := solver.WorkspaceBytes(solver.Flow, solver.Cell{N: 20000, D: 1000, Margin: 2}); need < 8*20000*1000 {
		t.Errorf("WorkspaceBytes = %d, below 8·n·d", need)
	}
}

// A caller that goes away stops the shard, and the node's workers are free
// for the next call.
func TestCancelFreesWorkers(t *testing.T) {
	c := serve(t, New(Config{Workers: 1}))
	ctx, cancel := context.WithCancel(context.Background())
	// Trials of about 10 ms each: the shard cannot finish before the cancel.
	heavy := request([2]int32{0, 40})
	heavy.Settings.N, heavy.Settings.D, heavy.Settings.Times = []int32{2000}, []int32{200}, []float64{1, 64}
	heavy.Cell = &w2sv1.Cell{N: 2000, D: 200, Margin: 2}
	stream, err := c.RunShard(ctx, heavy)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel()
	got := 1
	for {
		if _, err := stream.Recv(); err != nil {
			if status.Code(err) != codes.Canceled && !errors.Is(err, context.Canceled) {
				t.Errorf("after cancel: %v", err)
			}
			break
		}
		got++
	}
	if got >= 40 {
		t.Errorf("all %d outcomes arrived after the cancel", got)
	}
	out, err := collect(t, c, request([2]int32{0, 3}))
	if err != nil || len(out) != 3 {
		t.Fatalf("call after a cancelled one: %d outcomes, %v", len(out), err)
	}
}

func TestInfo(t *testing.T) {
	c := serve(t, New(Config{Workers: 5, MaxMemory: 1 << 30, Version: "v-test"}))
	info, err := c.Info(context.Background(), &w2sv1.InfoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Workers != 5 || info.MaxMemoryBytes != 1<<30 || info.ProtocolVersion != 1 || info.Version != "v-test" {
		t.Errorf("info = %v", info)
	}
}

// A node with a token refuses calls without it, with UNAUTHENTICATED and no
// work done; the health service stays open.
func TestTokenRequired(t *testing.T) {
	s := New(Config{Workers: 1})
	var done atomic.Int32
	s.trialDone = func() { done.Add(1) }
	auth := Auth{Token: "s3cret"}
	lis := bufconn.Listen(1 << 20)
	gs := NewGRPCServer(s, auth.ServerOptions()...)
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient("passthrough:///node", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := w2sv1.NewNodeClient(conn)
	for _, tok := range []string{"", "Bearer wrong", "s3cret", "Bearer s3cret2"} {
		ctx := context.Background()
		if tok != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", tok)
		}
		stream, err := c.RunShard(ctx, request([2]int32{0, 5}))
		if err == nil {
			_, err = stream.Recv()
		}
		if status.Code(err) != codes.Unauthenticated {
			t.Errorf("token %q: %v, want UNAUTHENTICATED", tok, err)
		}
		if _, err := c.Info(ctx, &w2sv1.InfoRequest{}); status.Code(err) != codes.Unauthenticated {
			t.Errorf("Info with token %q: %v, want UNAUTHENTICATED", tok, err)
		}
	}
	if n := done.Load(); n != 0 {
		t.Errorf("%d trials run for unauthenticated calls", n)
	}
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer s3cret")
	stream, err := c.RunShard(ctx, request([2]int32{0, 5}))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for {
		if _, err := stream.Recv(); err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
		got++
	}
	if got != 5 {
		t.Errorf("authenticated shard: %d outcomes, want 5", got)
	}
	hc := healthpb.NewHealthClient(conn)
	if r, err := hc.Check(context.Background(), &healthpb.HealthCheckRequest{Service: w2sv1.Node_ServiceDesc.ServiceName}); err != nil || r.Status != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health without a token: %v %v", r, err)
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:7420": true, "localhost:1": true, "[::1]:7420": true, "127.3.4.5:9": true,
		"0.0.0.0:7420": false, ":7420": false, "[::]:7420": false, "10.0.0.5:7420": false, "example.com:80": false, "garbage": false,
	} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestNodeMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	c := serve(t, New(Config{Workers: 2, Metrics: m}))
	if _, err := collect(t, c, request([2]int32{0, 7})); err != nil {
		t.Fatal(err)
	}
	bad := request([2]int32{0, 7})
	bad.Cell.N = 3
	collect(t, c, bad)
	if got := testutil.ToFloat64(m.trials); got != 7 {
		t.Errorf("w2s_node_trials_total = %v, want 7", got)
	}
	if got := testutil.ToFloat64(m.failures.WithLabelValues("invalid_argument")); got != 1 {
		t.Errorf("failures{cause=invalid_argument} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.shards); got != 0 {
		t.Errorf("shards in flight = %v after the calls", got)
	}
	if r := m.rate.Rate(); r != 0.7 {
		t.Errorf("trials per second over 10 s = %v, want 0.7", r)
	}
}

func TestRateMeter(t *testing.T) {
	now := time.Unix(1000, 0)
	r := NewRateMeter(4 * time.Second)
	r.now = func() time.Time { return now }
	r.Add(8)
	now = now.Add(time.Second)
	r.Add(4)
	if got := r.Rate(); got != 3 {
		t.Errorf("rate = %v, want 12/4 = 3", got)
	}
	now = now.Add(3 * time.Second) // the first second leaves the window
	if got := r.Rate(); got != 1 {
		t.Errorf("rate = %v, want 4/4 = 1", got)
	}
	now = now.Add(10 * time.Second)
	if got := r.Rate(); got != 0 {
		t.Errorf("rate = %v after the window, want 0", got)
	}
}

func TestCauseOf(t *testing.T) {
	for err, want := range map[error]string{
		status.Error(codes.DeadlineExceeded, "x"): "deadline_exceeded",
		status.Error(codes.Unavailable, "x"):      "unavailable",
		status.Error(codes.ResourceExhausted, ""): "resource_exhausted",
		errors.New("plain"):                       "unknown",
	} {
		if got := CauseOf(err); got != want {
			t.Errorf("CauseOf(%v) = %q, want %q", err, got, want)
		}
	}
}
