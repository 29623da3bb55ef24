package main

// End-to-end tests of the w2s and w2s-node binaries, run as real processes.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/w2s-lab/w2s/results"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "w2s-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	for _, b := range [][2]string{{"w2s", "."}, {"w2s-node", "../../../node/cmd/w2s-node"}} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, b[0]), b[1])
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n", b[0], err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// w2s runs the w2s binary and returns its exit status and output.
func w2s(t *testing.T, args ...string) result {
	t.Helper()
	// A hung process fails its test instead of the whole run.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "w2s"), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("w2s %v did not finish in 3 minutes; stderr:\n%s", args, errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("w2s %v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}

// Every rule under PROTOCOL.md's "Valid input" is refused by w2s run with
// exit status 2 and a message naming the field and the value, before any
// store is written.
func TestRunRefusesInvalidInput(t *testing.T) {
	dir := t.TempDir()
	spec := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		args  []string
		field string // the message must name it
		value string // and the value
	}{
		{[]string{"--n", "0"}, "n[0]", "0"},
		{[]string{"--n", "100,-5"}, "n[1]", "-5"},
		{[]string{"--n", "ten"}, "n[0]", "ten"},
		{[]string{"--n", "100,100"}, "n[1]", "100"},
		{[]string{"--d", "1"}, "d[0]", "1"},
		{[]string{"--margin", "0"}, "margin[0]", "0"},
		{[]string{"--margin", "2,-1"}, "margin[1]", "-1"},
		{[]string{"--margin", "inf"}, "margin[0]", "Inf"},
		{[]string{"--margin", "NaN"}, "margin[0]", "NaN"},
		{[]string{"--margin", "1e999"}, "margin[0]", "Inf"},
		{[]string{"--rho-s", "0"}, "rho_s", "0"},
		{[]string{"--rho-s", "1.5"}, "rho_s", "1.5"},
		{[]string{"--rho-t", "-0.2"}, "rho_t", "-0.2"},
		{[]string{"--rho-t", "nan"}, "rho_t", "NaN"},
		{[]string{"--trials", "0"}, "trials", "0"},
		{[]string{"--times", "1,1"}, "times[1]", "1"},
		{[]string{"--times", "4,2"}, "times[1]", "2"},
		{[]string{"--times", "0,1"}, "times[0]", "0"},
		{[]string{"--times", "1,+Inf"}, "times[1]", "Inf"},
		{[]string{"--eta-max", "0"}, "eta_max", "0"},
		{[]string{"--eta-max", "inf"}, "eta_max", "Inf"},
		{[]string{"--mode", "ridge", "--lambdas", "0.1,1"}, "lambdas[1]", "1"},
		{[]string{"--mode", "ridge", "--lambdas", "1,nan"}, "lambdas[1]", "NaN"},
		{[]string{"--mode", "ridge", "--lambdas", "-1"}, "lambdas[0]", "-1"},
		{[]string{"--mode", "ridge", "--labels", "hard", "--lambdas", "1,0"}, "lambdas[1]", "0"},
		{[]string{"--mode", "ridge", "--labels", "sampled", "--lambdas", "0"}, "lambdas[0]", "0"},
		{[]string{"--labels", "fuzzy"}, "labels", "fuzzy"},
		{[]string{"--mode", "sgd"}, "mode", "sgd"},
		{[]string{"--spec", spec("margin.json", `{"margin": [-1]}`)}, "margin[0]", "-1"},
		{[]string{"--spec", spec("rho.json", `{"rho_s": 0}`)}, "rho_s", "0"},
		{[]string{"--spec", spec("times.json", `{"times": [2, 1]}`)}, "times[1]", "1"},
		{[]string{"--spec", spec("trials.json", `{"trials": -3}`)}, "trials", "-3"},
		{[]string{"--spec", spec("unknown.json", `{"sigma": 3}`)}, "sigma", ""},
		{[]string{"--spec", spec("ridge.json", `{"mode": "ridge", "labels": "hard", "lambdas": [0.1, 0]}`)}, "lambdas[1]", "0"},
	}
	for _, c := range cases {
		store := filepath.Join(dir, "never.w2s")
		r := w2s(t, append([]string{"run", "--store", store}, c.args...)...)
		if r.code != 2 {
			t.Errorf("w2s run %v: exit %d, want 2 (stderr %q)", c.args, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, c.field) || !strings.Contains(r.stderr, c.value) {
			t.Errorf("w2s run %v: message %q does not name %s and %s", c.args, r.stderr, c.field, c.value)
		}
		if _, err := os.Stat(store); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("w2s run %v wrote %s", c.args, store)
		}
	}
	// Missing --store.
	if r := w2s(t, "run", "--trials", "3"); r.code != 2 || !strings.Contains(r.stderr, "--store") {
		t.Errorf("run without --store: exit %d, stderr %q", r.code, r.stderr)
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func storeDigest(t *testing.T, path string) [32]byte {
	t.Helper()
	st, err := results.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, _, err := st.RecordsDigest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A small sweep through every subcommand.
func TestSweepEndToEnd(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "e2e.w2s")
	sweep := []string{"--n", "50,200", "--d", "10", "--margin", "1,2", "--trials", "24", "--seed", "5"}
	r := w2s(t, append([]string{"run", "--store", store}, sweep...)...)
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "P(w2s)") || strings.Count(r.stdout, "\n") < 6 {
		t.Errorf("run printed no table:\n%s", r.stdout)
	}

	// run on an existing store: refused, file untouched.
	before := fileHash(t, store)
	if r := w2s(t, append([]string{"run", "--store", store}, sweep...)...); r.code != 2 || !strings.Contains(r.stderr, "resume") {
		t.Errorf("run over an existing store: exit %d, stderr %q", r.code, r.stderr)
	}
	if fileHash(t, store) != before {
		t.Error("run over an existing store changed it")
	}

	if r := w2s(t, "status", "--store", store); r.code != 0 || !strings.Contains(r.stdout, "4/4 cells complete") {
		t.Errorf("status: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := w2s(t, "resume", "--store", store); r.code != 0 || !strings.Contains(r.stderr, "0 trials") {
		t.Errorf("resume of a complete store: exit %d\n%s", r.code, r.stderr)
	}

	r = w2s(t, "export", "--store", store, "--format", "csv")
	if r.code != 0 {
		t.Fatalf("export csv: exit %d: %s", r.code, r.stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + 4*(3*9+1); len(rows) != want {
		t.Errorf("csv has %d lines, want %d", len(rows), want)
	}
	if strings.Join(rows[0][:7], ",") != "margin,n,d,checkpoint_index,checkpoint,checkpoint_kind,event" {
		t.Errorf("csv header %v", rows[0])
	}

	out := filepath.Join(dir, "surface.json")
	if r := w2s(t, "export", "--store", store, "--format", "json", "--out", out); r.code != 0 {
		t.Fatalf("export json: exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Settings map[string]any   `json:"settings"`
		Rows     []map[string]any `json:"rows"`
	}
	b, _ := os.ReadFile(out)
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Rows) != 4*(3*9+1) {
		t.Errorf("json export: err %v, %d rows", err, len(doc.Rows))
	}
	if r := w2s(t, "export", "--store", store, "--format", "xml"); r.code != 2 || !strings.Contains(r.stderr, "xml") {
		t.Errorf("export --format xml: exit %d, %q", r.code, r.stderr)
	}

	r = w2s(t, "trial", "--store", store, "--n", "200", "--d", "10", "--margin", "2", "--index", "7", "--compute")
	if r.code != 0 || !strings.Contains(r.stderr, "identical") {
		t.Fatalf("trial --compute: exit %d, %s", r.code, r.stderr)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rec); err != nil || rec["trial"] != float64(7) {
		t.Errorf("trial JSON: %v, %v", err, rec)
	}
	if cos, ok := rec["cos"].([]any); !ok || len(cos) != 9 {
		t.Errorf("trial record has cos %v", rec["cos"])
	}
	// A trial outside the store is computed.
	r = w2s(t, "trial", "--store", store, "--n", "30", "--d", "5", "--margin", "1", "--index", "1000")
	if r.code != 0 || !strings.Contains(r.stderr, "computed") {
		t.Errorf("trial outside the store: exit %d, %s", r.code, r.stderr)
	}
	if r := w2s(t, "status", "--store", filepath.Join(dir, "missing.w2s")); r.code != 2 {
		t.Errorf("status of a missing store: exit %d", r.code)
	}
	for _, sub := range []string{"run", "resume", "status", "export", "trial", "theory", "bench"} {
		if r := w2s(t, sub, "--help"); r.code != 0 || !strings.Contains(r.stderr, "Usage: w2s "+sub) {
			t.Errorf("w2s %s --help: exit %d, %q", sub, r.code, r.stderr)
		}
	}
}

// startNode starts a w2s-node process on a free loopback port and returns
// its address.
func startNode(t *testing.T, args ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "w2s-node"), append([]string{"--listen", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addrc := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`addr=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
		}
	}()
	select {
	case a := <-addrc:
		return a, cmd
	case <-time.After(30 * time.Second):
		t.Fatal("w2s-node did not report its address")
	}
	return "", nil
}

// A sweep on a separate w2s-node process stores the same records as one
// on in-process nodes.
func TestRemoteNodeMatchesInProcess(t *testing.T) {
	dir := t.TempDir()
	addr, _ := startNode(t, "--workers", "2")
	sweep := []string{"--n", "60,150", "--d", "12,90", "--margin", "1.5", "--trials", "30", "--mode", "ridge", "--labels", "sampled"}
	a, b := filepath.Join(dir, "local.w2s"), filepath.Join(dir, "remote.w2s")
	if r := w2s(t, append([]string{"run", "--store", a, "--workers", "1"}, sweep...)...); r.code != 0 {
		t.Fatalf("local run: %s", r.stderr)
	}
	if r := w2s(t, append([]string{"run", "--store", b, "--nodes", addr, "--shard-size", "5"}, sweep...)...); r.code != 0 {
		t.Fatalf("remote run: %s", r.stderr)
	}
	if storeDigest(t, a) != storeDigest(t, b) {
		t.Error("records computed by a w2s-node process differ from in-process ones")
	}
}
