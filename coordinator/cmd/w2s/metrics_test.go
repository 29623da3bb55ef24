package main

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// scrape fetches a Prometheus text page.
func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The node's and the coordinator's /metrics, from real processes.
func TestMetricsEndpoints(t *testing.T) {
	cmd := exec.Command(filepath.Join(binDir, "w2s-node"), "--listen", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--workers", "2")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var addr, murl string
	sc := bufio.NewScanner(pipe)
	for (addr == "" || murl == "") && sc.Scan() {
		if m := regexp.MustCompile(`url=(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			murl = m[1]
		}
		if m := regexp.MustCompile(`msg=serving addr=(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
		}
	}
	go io.Copy(io.Discard, pipe)

	store := filepath.Join(t.TempDir(), "m.w2s")
	run := startW2S(t, []string{"W2S_FAULT_COMMIT_PAUSE=300ms"}, append([]string{"run", "--store", store, "--nodes", addr,
		"--metrics-addr", "127.0.0.1:0", "-v"}, faultSweep...)...)
	var curl string
	run.waitFor(t, "the coordinator's metrics address", func(l string) bool {
		if m := regexp.MustCompile(`msg=metrics url=(\S+)`).FindStringSubmatch(l); m != nil {
			curl = m[1]
			return true
		}
		return false
	})
	run.waitFor(t, "some progress", doneFraction(0.2))
	page := scrape(t, curl)
	for _, name := range []string{"w2s_coordinator_trials_stored_total", "w2s_coordinator_trials_per_second", "w2s_coordinator_trials_remaining",
		"w2s_coordinator_shards_in_flight", "w2s_coordinator_store_commit_seconds_bucket", `w2s_coordinator_nodes{state="ready"} 1`} {
		if !strings.Contains(page, name) {
			t.Errorf("coordinator metrics lack %s", name)
		}
	}
	if code := run.wait(t); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, run.log())
	}
	time.Sleep(100 * time.Millisecond)
	page = scrape(t, murl)
	if !strings.Contains(page, "w2s_node_trials_total 2400") {
		t.Errorf("node metrics after 2400 trials:\n%s", grepLines(page, "w2s_"))
	}
	for _, name := range []string{"w2s_node_trials_per_second", "w2s_node_shards_in_flight 0", "w2s_node_workers_busy 0", "go_goroutines"} {
		if !strings.Contains(page, name) {
			t.Errorf("node metrics lack %s", name)
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
