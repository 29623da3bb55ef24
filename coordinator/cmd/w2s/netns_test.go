package main

// A multi-host test: separate network namespaces (one for the coordinator,
// one per node) joined by veth pairs to a bridge in a switch namespace, the
// real binaries in them, and one node's link cut in the middle of a sweep
// (ip link set down) and restored later. The sweep must complete with the
// records of a single-process run.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// netHost is one namespace on the test network.
type netHost struct {
	ns, ip, swPort string
}

func sh(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// testNetwork builds the switch and one namespace per name, each with an
// address 10.77.0.(10+i)/24, and removes them at the end of the test.
func testNetwork(t *testing.T, names ...string) (sw string, hosts []netHost) {
	t.Helper()
	tag := fmt.Sprintf("%d", os.Getpid()%100000)
	sw = "w2ssw" + tag
	sh(t, "ip", "netns", "add", sw)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", sw).Run() })
	sh(t, "ip", "-n", sw, "link", "add", "br0", "type", "bridge")
	sh(t, "ip", "-n", sw, "link", "set", "br0", "up")
	for i, name := range names {
		h := netHost{ns: "w2s" + name + tag, ip: fmt.Sprintf("10.77.0.%d", 10+i), swPort: fmt.Sprintf("p%d", i)}
		sh(t, "ip", "netns", "add", h.ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", h.ns).Run() })
		// One veth pair: eth0 in the host's namespace, pN on the switch.
		sh(t, "ip", "-n", sw, "link", "add", h.swPort, "type", "veth", "peer", "name", "eth0", "netns", h.ns)
		sh(t, "ip", "-n", sw, "link", "set", h.swPort, "master", "br0")
		sh(t, "ip", "-n", sw, "link", "set", h.swPort, "up")
		sh(t, "ip", "-n", h.ns, "addr", "add", h.ip+"/24", "dev", "eth0")
		sh(t, "ip", "-n", h.ns, "link", "set", "eth0", "up")
		sh(t, "ip", "-n", h.ns, "link", "set", "lo", "up")
		hosts = append(hosts, h)
	}
	return sw, hosts
}

func TestMultiHostLinkCut(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces (CI runs as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip(8) from iproute2 (.ci/run installs it)")
	}
	if err := exec.Command("ip", "netns", "list").Run(); err != nil {
		t.Skipf("network namespaces are not available here: %v", err)
	}
	want := reference(t)
	sw, hosts := testNetwork(t, "coord", "node1", "node2", "node3")
	coord, nodes := hosts[0], hosts[1:]
	dir := t.TempDir()
	tok := writeFile(t, dir, "token", "multi-host test token")

	// Nodes listen on their own (non-loopback) addresses, with a token.
	var addrs []string
	for _, h := range nodes {
		addr := h.ip + ":7420"
		cmd := exec.Command("ip", "netns", "exec", h.ns, filepath.Join(binDir, "w2s-node"),
			"--listen", addr, "--token-file", tok, "--workers", "1")
		var log strings.Builder
		cmd.Stderr = &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		addrs = append(addrs, addr)
	}
	time.Sleep(300 * time.Millisecond) // the nodes bind; the coordinator's probe retries anyway

	store := filepath.Join(dir, "multi.w2s")
	run := startW2SCmd(t, exec.Command("ip", append([]string{"netns", "exec", coord.ns, filepath.Join(binDir, "w2s"),
		"run", "--store", store, "--nodes", strings.Join(addrs, ","), "--token-file", tok,
		"--shard-timeout", "3s", "-v"}, faultSweep...)...))
	run.waitFor(t, "a quarter of the trials", doneFraction(0.25))

	// Cut node 2's cable at the switch: its packets vanish, no reset.
	cut := nodes[1]
	sh(t, "ip", "-n", sw, "link", "set", cut.swPort, "down")
	time.Sleep(4 * time.Second)
	sh(t, "ip", "-n", sw, "link", "set", cut.swPort, "up")

	if code := run.wait(t); code != 0 {
		t.Fatalf("sweep exited %d:\n%s", code, run.log())
	}
	if !strings.Contains(run.log(), cut.ip) || !strings.Contains(run.log(), "shard failed") {
		t.Errorf("no shard failure logged for the cut node %s:\n%s", cut.ip, run.log())
	}
	if storeDigest(t, store) != want {
		t.Error("records differ from a single-process run")
	}
}
