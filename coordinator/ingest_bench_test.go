package coordinator

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/w2s-lab/w2s/node"
	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/results"
)

// BenchmarkIngest measures the coordinator's ingest rate: outcomes per
// second from nodes into the bbolt file, durable commits included. Two
// nodes with the synthetic fault (outcomes of the right shape at no compute
// cost) serve on loopback TCP, so the figure is gRPC streaming, checking,
// encoding and bbolt, not the solver. Each iteration is a fresh sweep of
// 20 cells × 10,000 trials.
//
//	go test -run '^$' -bench Ingest -benchtime 5x ./coordinator
func BenchmarkIngest(b *testing.B) {
	var addrs []string
	for range 2 {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		gs := node.NewGRPCServer(node.New(node.Config{Workers: 2, Fault: node.FaultSynthetic}))
		go gs.Serve(lis)
		b.Cleanup(gs.Stop)
		addrs = append(addrs, lis.Addr().String())
	}
	s := &w2sv1.SweepSettings{ProtocolVersion: 1, N: []int32{10, 20, 30, 40}, D: []int32{10, 20, 30, 40, 50},
		Margin: []float64{2}, Trials: 10000, RhoS: 0.8, RhoT: 0.6, Labels: w2sv1.Labels_LABELS_SOFT,
		Mode: w2sv1.Mode_MODE_FLOW, Times: []float64{0.25, 0.5, 1, 2, 4, 8, 16, 32, 64}, EtaMax: 1}
	per := int64(len(s.Cells())) * int64(s.Trials)
	dir := b.TempDir()
	var elapsed time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		st, err := results.Create(filepath.Join(dir, fmt.Sprintf("ingest%d.w2s", i)), s)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		sum, err := Run(context.Background(), st, Options{Nodes: addrs})
		elapsed += time.Since(start)
		b.StopTimer()
		if err != nil || sum.Trials != per {
			b.Fatalf("run: %d trials, %v", sum.Trials, err)
		}
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(per*int64(b.N))/elapsed.Seconds(), "outcomes/s")
	b.ReportMetric(0, "ns/op")
}
