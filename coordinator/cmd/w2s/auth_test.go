package main

// Authentication between real w2s and w2s-node processes: a node off
// loopback refuses to start without authentication, tokens and TLS client
// certificates are checked, and a refused coordinator gets a clear error.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var tinySweep = []string{"--n", "50", "--d", "5", "--trials", "12", "--times", "0.5,1"}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A node asked to listen beyond loopback without a token or TLS refuses to
// start (exit 2, saying why) unless --insecure is given.
func TestNodeRefusesOpenNetworkWithoutAuth(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0"} {
		cmd := exec.Command(filepath.Join(binDir, "w2s-node"), "--listen", addr)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 2 || !strings.Contains(errb.String(), "without authentication") || !strings.Contains(errb.String(), "--insecure") {
			t.Errorf("w2s-node --listen %s: %v, %q", addr, err, errb.String())
		}
	}
	// With --insecure it serves.
	cmd := exec.Command(filepath.Join(binDir, "w2s-node"), "--listen", "0.0.0.0:0", "--insecure")
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	buf := make([]byte, 4096)
	n, _ := out.Read(buf)
	if !strings.Contains(string(buf[:n]), "serving") {
		t.Errorf("w2s-node --insecure did not serve: %q", buf[:n])
	}
}

// A wrong or missing token: the coordinator reports UNAUTHENTICATED and
// stops; the right token completes the sweep.
func TestTokenBetweenProcesses(t *testing.T) {
	dir := t.TempDir()
	tokFile := writeFile(t, dir, "token", "correct horse battery staple\n")
	addr, _ := startNode(t, "--token-file", tokFile)
	for _, args := range [][]string{nil, {"--token", "wrong"}} {
		store := filepath.Join(dir, "refused.w2s")
		os.Remove(store)
		r := w2s(t, append(append([]string{"run", "--store", store, "--nodes", addr}, args...), tinySweep...)...)
		if r.code != 1 || !strings.Contains(r.stderr, "Unauthenticated") {
			t.Errorf("run with token args %v: exit %d, %q", args, r.code, r.stderr)
		}
	}
	store := filepath.Join(dir, "ok.w2s")
	if r := w2s(t, append([]string{"run", "--store", store, "--nodes", addr, "--token-file", tokFile}, tinySweep...)...); r.code != 0 {
		t.Errorf("run with the token: exit %d, %q", r.code, r.stderr)
	}
	// The token from the environment works too.
	cmd := exec.Command(filepath.Join(binDir, "w2s"), append([]string{"run", "--store", filepath.Join(dir, "env.w2s"), "--nodes", addr}, tinySweep...)...)
	cmd.Env = append(os.Environ(), "W2S_TOKEN=correct horse battery staple")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("run with W2S_TOKEN: %v\n%s", err, out)
	}
}

// TLS with client certificates: a coordinator with a certificate signed by
// the node's client CA runs; one without a certificate, or speaking
// plaintext, is refused.
func TestTLSClientCertificates(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := newCA(t, "w2s test CA")
	writeFile(t, dir, "ca.pem", pemCert(ca))
	serverCert, serverKey := newLeaf(t, ca, caKey, "node", true)
	writeFile(t, dir, "server.pem", serverCert)
	writeFile(t, dir, "server.key", serverKey)
	clientCert, clientKey := newLeaf(t, ca, caKey, "coordinator", false)
	writeFile(t, dir, "client.pem", clientCert)
	writeFile(t, dir, "client.key", clientKey)
	p := func(n string) string { return filepath.Join(dir, n) }

	addr, _ := startNode(t, "--tls-cert", p("server.pem"), "--tls-key", p("server.key"), "--tls-client-ca", p("ca.pem"))
	ok := w2s(t, append([]string{"run", "--store", p("tls.w2s"), "--nodes", addr,
		"--tls-ca", p("ca.pem"), "--tls-cert", p("client.pem"), "--tls-key", p("client.key")}, tinySweep...)...)
	if ok.code != 0 {
		t.Errorf("run with a client certificate: exit %d, %q", ok.code, ok.stderr)
	}
	noCert := w2s(t, append([]string{"run", "--store", p("nocert.w2s"), "--nodes", addr, "--tls-ca", p("ca.pem")}, tinySweep...)...)
	if noCert.code != 1 || !strings.Contains(noCert.stderr, "no node reachable") {
		t.Errorf("run without a client certificate: exit %d, %q", noCert.code, noCert.stderr)
	}
	plain := w2s(t, append([]string{"run", "--store", p("plain.w2s"), "--nodes", addr}, tinySweep...)...)
	if plain.code != 1 {
		t.Errorf("plaintext run against a TLS node: exit %d, %q", plain.code, plain.stderr)
	}
	// Bad TLS flags are input errors.
	if r := w2s(t, append([]string{"run", "--store", p("bad.w2s"), "--nodes", addr, "--tls-cert", p("client.pem")}, tinySweep...)...); r.code != 2 {
		t.Errorf("--tls-cert without --tls-key: exit %d", r.code)
	}
	if _, err := os.Stat(p("bad.w2s")); err == nil {
		t.Error("a refused run left a store behind")
	}
}

func newCA(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func newLeaf(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, name string, server bool) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		tmpl.DNSNames = []string{"localhost"}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
}

func pemCert(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}
