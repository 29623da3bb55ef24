package main

// Hostile conditions through the real binaries: files that are not stores,
// stores of another format, truncated and corrupted stores, resume with
// contradicting settings, a full disk, and a node without memory for a cell.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/w2s-lab/w2s/results"
)

var smallSweep = []string{"--n", "50,100", "--d", "5,10", "--trials", "40", "--times", "0.5,1,2"}

// makeStore runs smallSweep into a new store and returns its path.
func makeStore(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if r := w2s(t, append([]string{"run", "--store", p}, smallSweep...)...); r.code != 0 {
		t.Fatalf("run: %s", r.stderr)
	}
	return p
}

// refusedUntouched runs every command that reads a store on path and checks
// each exits 2 with a message containing want, and that the file's bytes
// did not change.
func refusedUntouched(t *testing.T, what, path, want string) {
	t.Helper()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"status", "--store", path},
		{"export", "--store", path, "--format", "csv"},
		{"trial", "--store", path, "--cell", "0", "--index", "0"},
		{"resume", "--store", path},
	} {
		r := w2s(t, args...)
		if r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: w2s %s: exit %d, %q; want exit 2 and %q", what, args[0], r.code, r.stderr, want)
		}
		if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine") {
			t.Errorf("%s: w2s %s panicked:\n%s", what, args[0], r.stderr)
		}
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Errorf("%s: the file changed", what)
	}
}

func TestDamagedStoresRefused(t *testing.T) {
	dir := t.TempDir()
	notStore := writeFile(t, dir, "notes.txt", "these are my notes, not a store\n")
	refusedUntouched(t, "a text file", notStore, "not a w2s store")

	// A store of another format version.
	other := makeStore(t, dir, "other.w2s")
	db, err := bolt.Open(other, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("format"), []byte("w2s-store/7"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	refusedUntouched(t, "another format", other, "w2s-store/7")

	// Truncated: cut inside the pages in use.
	full := makeStore(t, dir, "full.w2s")
	b, _ := os.ReadFile(full)
	trunc := writeFile(t, dir, "trunc.w2s", string(b[:len(b)/3]))
	refusedUntouched(t, "a truncated store", trunc, "damaged")

	// Corrupted: a flipped byte in a record's value.
	st, err := results.OpenReadOnly(full)
	if err != nil {
		t.Fatal(err)
	}
	o, _, err := st.Get(1, 3)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := results.EncodeOutcome(o)
	at := bytes.Index(b, enc)
	if at < 0 {
		t.Fatal("record bytes not found in the file")
	}
	c := bytes.Clone(b)
	c[at+len(enc)/2] ^= 0x10
	corrupt := writeFile(t, dir, "corrupt.w2s", string(c))
	refusedUntouched(t, "a corrupted record", corrupt, "damaged")
}

// resume takes settings flags only to check them: one that contradicts the
// stored settings is refused, naming the field and both values, and the
// store is not touched; matching ones are accepted.
func TestResumeContradictingSettings(t *testing.T) {
	dir := t.TempDir()
	p := makeStore(t, dir, "s.w2s")
	before, _ := os.ReadFile(p)
	spec := writeFile(t, dir, "spec.json", `{"rho_t": 0.3}`)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--trials", "80"}, []string{"trials = 80", "trials = 40"}},
		{[]string{"--n", "50,200"}, []string{"n = [50,200]", "n = [50,100]"}},
		{[]string{"--mode", "ridge"}, []string{"mode = MODE_RIDGE", "MODE_FLOW"}},
		{[]string{"--rho-s", "0.7"}, []string{"rho_s = 0.7", "rho_s = 0.8"}},
		{[]string{"--spec", spec}, []string{"rho_t = 0.3", "rho_t = 0.6"}},
	} {
		r := w2s(t, append([]string{"resume", "--store", p}, c.args...)...)
		if r.code != 2 {
			t.Errorf("resume %v: exit %d, %q", c.args, r.code, r.stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("resume %v: message %q lacks %q", c.args, r.stderr, w)
			}
		}
	}
	if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
		t.Error("a refused resume changed the store")
	}
	if r := w2s(t, "resume", "--store", p, "--trials", "40", "--n", "50,100"); r.code != 0 {
		t.Errorf("resume with matching settings: exit %d, %q", r.code, r.stderr)
	}
}

// A full disk stops the run cleanly (exit 1, the reason, how to resume);
// the store stays sound, and once space returns resume finishes with
// exactly the records of an uninterrupted run.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a size-limited tmpfs")
	}
	if _, err := exec.LookPath("mount"); err != nil {
		t.Skip("needs mount(8)")
	}
	dir := t.TempDir()
	mnt := filepath.Join(dir, "small")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	defer exec.Command("umount", mnt).Run()

	sweep := []string{"--n", "50,100", "--d", "5,10", "--trials", "3000", "--times", "0.5,1", "--seed", "9"}
	ref := filepath.Join(dir, "ref.w2s")
	if r := w2s(t, append([]string{"run", "--store", ref}, sweep...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	store := filepath.Join(mnt, "s.w2s")
	r := w2s(t, append([]string{"run", "--store", store}, sweep...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "no space left on device") || !strings.Contains(r.stderr, "w2s resume") {
		t.Fatalf("run on a full disk: exit %d, %q", r.code, r.stderr)
	}
	st := openStoreT(t, store) // sound: opens and verifies
	_, n, err := st.RecordsDigest()
	st.Close()
	if err != nil || n == 0 || n >= 12000 {
		t.Fatalf("after the failed run: %d records, %v", n, err)
	}
	if out, err := exec.Command("mount", "-o", "remount,size=64M", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	if r := w2s(t, "resume", "--store", store); r.code != 0 {
		t.Fatalf("resume after space returned: exit %d, %q", r.code, r.stderr)
	}
	if storeDigest(t, store) != storeDigest(t, ref) {
		t.Error("records after resume differ from an uninterrupted run")
	}
}

// A node refuses a cell beyond its memory budget; the coordinator names the
// cell and the numbers, and stops before any work.
func TestNodeMemoryBudget(t *testing.T) {
	addr, _ := startNode(t, "--max-memory", "64M", "--workers", "1")
	store := filepath.Join(t.TempDir(), "big.w2s")
	r := w2s(t, "run", "--store", store, "--nodes", addr, "--n", "100,20000", "--d", "1000", "--trials", "2", "--times", "0.5")
	if r.code != 1 || !strings.Contains(r.stderr, "n=20000 d=1000") || !strings.Contains(r.stderr, "MiB") || !strings.Contains(r.stderr, "--max-memory") {
		t.Errorf("run beyond a node's memory: exit %d, %q", r.code, r.stderr)
	}
	if r := w2s(t, "status", "--store", store); !strings.Contains(r.stdout, "0/4 trials") {
		t.Errorf("status after the refusal: %s", r.stdout)
	}
}

// run --resume-existing continues a store with the same settings and
// refuses one with others, untouched.
func TestRunResumeExisting(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "job.w2s")
	sweep := append([]string{"run", "--store", p, "--resume-existing"}, smallSweep...)
	if r := w2s(t, sweep...); r.code != 0 {
		t.Fatalf("first run: %s", r.stderr)
	}
	if r := w2s(t, sweep...); r.code != 0 || !strings.Contains(r.stderr, "0 trials") {
		t.Errorf("second run with --resume-existing: exit %d, %q", r.code, r.stderr)
	}
	before, _ := os.ReadFile(p)
	r := w2s(t, append(sweep, "--seed", "5")...)
	if r.code != 2 || !strings.Contains(r.stderr, "seed = 5") {
		t.Errorf("--resume-existing with other settings: exit %d, %q", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
		t.Error("a refused --resume-existing changed the store")
	}
}
