package node

import (
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
)

// Message-size limits. A ShardRequest is settings plus ranges (kilobytes);
// an outcome is a few dozen floats per checkpoint. Anything near these
// limits is not a w2s message.
const (
	MaxRecvMsgSize = 1 << 20
	MaxSendMsgSize = 1 << 20
)

// NewGRPCServer returns a gRPC server serving s and the standard health
// service (reporting SERVING for the whole server and for w2s.v1.Node), with
// deliberate message-size limits and keepalive enforcement. Extra options
// (credentials, interceptors) come after the defaults.
func NewGRPCServer(s *Server, opts ...grpc.ServerOption) *grpc.Server {
	base := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(MaxRecvMsgSize),
		grpc.MaxSendMsgSize(MaxSendMsgSize),
		grpc.KeepaliveParams(keepalive.ServerParameters{
			Time:    30 * time.Second, // ping an idle client after 30 s
			Timeout: 10 * time.Second, // and drop it if no answer in 10 s
		}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime:             10 * time.Second, // clients may ping every 10 s
			PermitWithoutStream: true,
		}),
	}
	gs := grpc.NewServer(append(base, opts...)...)
	w2sv1.RegisterNodeServer(gs, s)
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus(w2sv1.Node_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(gs, hs)
	return gs
}
