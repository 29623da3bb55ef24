package node

// Authentication of coordinators. A node reachable from a network checks
// every call of the Node service: a bearer token in the "authorization"
// metadata, compared in constant time, and/or TLS with client certificates.
// The standard health service stays open (it does no work and reveals
// nothing), so that schedulers can probe nodes.

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
)

// Auth is how a node authenticates coordinators.
type Auth struct {
	// Token, if not empty, must arrive with every call as
	// "authorization: Bearer <token>".
	Token string
	// TLS, if not nil, is the server's TLS configuration (certificate, and
	// ClientCAs with RequireAndVerifyClientCert for client certificates).
	TLS *tls.Config
}

// Enabled reports whether the node authenticates at all.
func (a Auth) Enabled() bool { return a.Token != "" || a.TLS != nil }

// ServerOptions returns the gRPC options that enforce a.
func (a Auth) ServerOptions() []grpc.ServerOption {
	var opts []grpc.ServerOption
	if a.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(a.TLS)))
	}
	if a.Token != "" {
		opts = append(opts,
			grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
				if err := a.check(ctx, info.FullMethod); err != nil {
					return nil, err
				}
				return h(ctx, req)
			}),
			grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
				if err := a.check(ss.Context(), info.FullMethod); err != nil {
					return err
				}
				return h(srv, ss)
			}))
	}
	return opts
}

// check refuses a call to the Node service without the right token.
func (a Auth) check(ctx context.Context, method string) error {
	if !strings.HasPrefix(method, "/"+w2sv1.Node_ServiceDesc.ServiceName+"/") {
		return nil // the health service
	}
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("authorization")
	if len(vals) == 0 {
		return status.Error(codes.Unauthenticated, "missing bearer token (w2s run --token or --token-file)")
	}
	got, ok := strings.CutPrefix(vals[0], "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(a.Token)) != 1 {
		return status.Error(codes.Unauthenticated, "wrong bearer token")
	}
	return nil
}

// ServerTLS loads a server certificate and key, and, when clientCA is not
// empty, requires client certificates signed by it.
func ServerTLS(certFile, keyFile, clientCA string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls: load certificate %s and key %s: %w", certFile, keyFile, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if clientCA != "" {
		pool, err := LoadCAs(clientCA)
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// LoadCAs reads PEM certificates into a pool.
func LoadCAs(file string) (*x509.CertPool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("tls: read CA %s: %w", file, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("tls: %s holds no PEM certificate", file)
	}
	return pool, nil
}

// ReadToken returns the token given directly or in a file (trimmed).
func ReadToken(token, file string) (string, error) {
	if token != "" && file != "" {
		return "", fmt.Errorf("give a token or a token file, not both")
	}
	if file == "" {
		return token, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("token file %s is empty", file)
	}
	return t, nil
}

// IsLoopback reports whether a listen address (host:port) accepts
// connections only from this machine. An empty host or 0.0.0.0/:: means
// every interface, which is not loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
