// Package deploy holds the container image recipe and the Kubernetes
// manifests of w2s; this test checks that they parse and agree with each
// other and with the binaries' flags.
package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
)

type doc = map[string]any

// load parses every YAML document of every manifest.
func load(t *testing.T) map[string][]doc {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	out := map[string][]doc{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var d doc
			err := dec.Decode(&d)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if d == nil {
				continue
			}
			for _, k := range []string{"apiVersion", "kind"} {
				if _, ok := d[k]; !ok {
					t.Errorf("%s: a document without %s", f, k)
				}
			}
			out[filepath.Base(f)] = append(out[filepath.Base(f)], d)
		}
	}
	return out
}

// get walks a path of map keys and list indices.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: not a map", path)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at %v: not a list of %d", path, k+1)
			}
			v = l[k]
		}
	}
	return v
}

func find(t *testing.T, docs map[string][]doc, kind, name string) doc {
	t.Helper()
	for _, ds := range docs {
		for _, d := range ds {
			if d["kind"] == kind && get(t, d, "metadata", "name") == name {
				return d
			}
		}
	}
	t.Fatalf("no %s %s", kind, name)
	return nil
}

// help returns a binary's --help text, building it first.
func help(t *testing.T, pkg string, args ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	out, _ := exec.Command(bin, append(args, "--help")...).CombinedOutput()
	return string(out)
}

// checkFlags fails for every --flag in args that the help text lacks.
func checkFlags(t *testing.T, where string, args []any, helpText string) {
	t.Helper()
	for _, a := range args {
		s := fmt.Sprint(a)
		if !strings.HasPrefix(s, "--") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(s, "--"), "=")
		if !strings.Contains(helpText, "-"+name+" ") && !strings.Contains(helpText, "-"+name+"\n") {
			t.Errorf("%s: flag --%s is not a flag of the binary", where, name)
		}
	}
}

func TestManifests(t *testing.T) {
	docs := load(t)

	// The kustomization lists every manifest.
	kz := docs["kustomization.yaml"][0]
	var listed []string
	for _, r := range get(t, kz, "resources").([]any) {
		listed = append(listed, r.(string))
	}
	for f := range docs {
		if f != "kustomization.yaml" && !slices.Contains(listed, f) {
			t.Errorf("kustomization.yaml does not list %s", f)
		}
	}

	// Nodes: a Deployment behind a headless Service, probed through the
	// gRPC health service of the Node service.
	dep := find(t, docs, "Deployment", "w2s-node")
	svc := find(t, docs, "Service", "w2s-node")
	if get(t, svc, "spec", "clusterIP") != "None" {
		t.Error("the nodes' Service is not headless (clusterIP: None)")
	}
	labels := get(t, dep, "spec", "template", "metadata", "labels").(map[string]any)
	for k, v := range get(t, svc, "spec", "selector").(map[string]any) {
		if labels[k] != v {
			t.Errorf("Service selector %s=%v does not match the pods", k, v)
		}
	}
	for k, v := range get(t, dep, "spec", "selector", "matchLabels").(map[string]any) {
		if labels[k] != v {
			t.Errorf("Deployment selector %s=%v does not match its pods", k, v)
		}
	}
	c := get(t, dep, "spec", "template", "spec", "containers", 0)
	grpcPort := -1
	for _, p := range get(t, c, "ports").([]any) {
		if get(t, p, "name") == "grpc" {
			grpcPort = get(t, p, "containerPort").(int)
		}
	}
	for _, probe := range []string{"readinessProbe", "livenessProbe"} {
		if got := get(t, c, probe, "grpc", "port"); got != grpcPort {
			t.Errorf("%s port %v, the grpc port is %d", probe, got, grpcPort)
		}
		if got := get(t, c, probe, "grpc", "service"); got != w2sv1.Node_ServiceDesc.ServiceName {
			t.Errorf("%s service %v, want %s", probe, got, w2sv1.Node_ServiceDesc.ServiceName)
		}
	}
	nodeArgs := get(t, c, "args").([]any)
	if !slices.Contains(nodeArgs, any("--listen=0.0.0.0:"+fmt.Sprint(grpcPort))) {
		t.Errorf("node args %v do not listen on the grpc port", nodeArgs)
	}
	checkFlags(t, "nodes.yaml", nodeArgs, help(t, "github.com/w2s-lab/w2s/node/cmd/w2s-node"))

	// The coordinator Job: a store on the persistent volume, the nodes by
	// the Service's DNS name, the same token.
	job := find(t, docs, "Job", "w2s-sweep")
	jc := get(t, job, "spec", "template", "spec", "containers", 0)
	args := get(t, jc, "args").([]any)
	ns := get(t, svc, "metadata", "namespace")
	wantNodes := fmt.Sprintf("--nodes=dns:///%s.%s.svc.cluster.local:%d", get(t, svc, "metadata", "name"), ns, grpcPort)
	if !slices.Contains(args, any(wantNodes)) {
		t.Errorf("Job args %v lack %s", args, wantNodes)
	}
	if !slices.Contains(args, any("--resume-existing")) || args[0] != "run" {
		t.Errorf("Job args %v: want 'run … --resume-existing' so a restarted pod finishes its store", args)
	}
	mounts := map[string]string{}
	for _, m := range get(t, jc, "volumeMounts").([]any) {
		mounts[get(t, m, "name").(string)] = get(t, m, "mountPath").(string)
	}
	var store string
	for _, a := range args {
		if s, ok := strings.CutPrefix(fmt.Sprint(a), "--store="); ok {
			store = s
		}
	}
	if !strings.HasPrefix(store, mounts["store"]+"/") {
		t.Errorf("store %q is not on the persistent volume mounted at %q", store, mounts["store"])
	}
	pvc := find(t, docs, "PersistentVolumeClaim", "w2s-store")
	vols := get(t, job, "spec", "template", "spec", "volumes").([]any)
	for _, v := range vols {
		if get(t, v, "name") == "store" && get(t, v, "persistentVolumeClaim", "claimName") != get(t, pvc, "metadata", "name") {
			t.Error("the store volume does not use the PVC")
		}
	}
	for _, where := range []struct {
		name string
		args []any
	}{{"nodes.yaml", nodeArgs}, {"coordinator-job.yaml", args}} {
		var tok string
		for _, a := range where.args {
			if s, ok := strings.CutPrefix(fmt.Sprint(a), "--token-file="); ok {
				tok = s
			}
		}
		if tok != "/etc/w2s/token" {
			t.Errorf("%s: --token-file %q, want the secret's /etc/w2s/token", where.name, tok)
		}
	}
	checkFlags(t, "coordinator-job.yaml", args[1:], help(t, "github.com/w2s-lab/w2s/coordinator/cmd/w2s", "run"))
}

// The Dockerfile builds static binaries and runs them as a non-root user,
// with the node's default command made of real flags.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	stages := regexp.MustCompile(`(?m)^FROM (\S+) AS (\S+)$`).FindAllStringSubmatch(s, -1)
	names := map[string]string{}
	for _, m := range stages {
		names[m[2]] = m[1]
	}
	for _, st := range []string{"build", "node", "coordinator"} {
		if names[st] == "" {
			t.Errorf("no stage %s", st)
		}
	}
	if !strings.Contains(s, "CGO_ENABLED=0") {
		t.Error("binaries are not built static (CGO_ENABLED=0)")
	}
	parts := regexp.MustCompile(`(?m)^FROM `).Split(s, -1)
	for _, p := range parts[2:] { // the runtime stages
		if !regexp.MustCompile(`(?m)^USER nonroot`).MatchString(p) {
			t.Errorf("a runtime stage does not switch to a non-root user:\n%s", p)
		}
		copyTo := regexp.MustCompile(`(?m)^COPY --from=build \S+ (\S+)$`).FindStringSubmatch(p)
		entry := regexp.MustCompile(`(?m)^ENTRYPOINT \["([^"]+)"\]$`).FindStringSubmatch(p)
		if copyTo == nil || entry == nil || copyTo[1] != entry[1] {
			t.Errorf("a runtime stage's ENTRYPOINT is not the binary it copies: %v %v", copyTo, entry)
		}
	}
	cmd := regexp.MustCompile(`(?m)^CMD \[(.*)\]$`).FindAllStringSubmatch(s, -1)
	if len(cmd) == 0 {
		t.Fatal("no CMD")
	}
	var args []any
	for _, a := range strings.Split(cmd[0][1], ",") {
		args = append(args, strings.Trim(strings.TrimSpace(a), `"`))
	}
	checkFlags(t, "Dockerfile node CMD", args, help(t, "github.com/w2s-lab/w2s/node/cmd/w2s-node"))
}
