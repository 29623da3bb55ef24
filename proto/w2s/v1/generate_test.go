package w2sv1

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// protocLine is the generated header line naming protoc's own version,
// which differs between machines without changing any code.
var protocLine = regexp.MustCompile(`(?m)^// \tprotoc +v.*\n`)

// TestGeneratedCodeIsFresh regenerates the Go code from w2s.proto with
// scripts/gen-proto.sh and fails if the committed files differ.
func TestGeneratedCodeIsFresh(t *testing.T) {
	if _, err := exec.LookPath("protoc"); err != nil {
		if os.Getenv("W2S_REQUIRE_PROTOC") != "" {
			t.Fatal("protoc is not installed, and W2S_REQUIRE_PROTOC is set: install protobuf-compiler")
		}
		t.Skip("protoc is not installed (apt-get install protobuf-compiler); .ci/run installs it and requires this test")
	}
	out := t.TempDir()
	cmd := exec.Command("bash", "../../../scripts/gen-proto.sh", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/gen-proto.sh: %v\n%s", err, b)
	}
	for _, name := range []string{"w2s.pb.go", "w2s_grpc.pb.go"} {
		committed, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := os.ReadFile(filepath.Join(out, "proto", "w2s", "v1", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(protocLine.ReplaceAll(committed, nil), protocLine.ReplaceAll(fresh, nil)) {
			t.Errorf("proto/w2s/v1/%s is stale: run scripts/gen-proto.sh and commit the result", name)
		}
	}
}
