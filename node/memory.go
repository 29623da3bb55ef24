package node

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// DefaultMaxMemory is three quarters of the memory this process may use:
// the smaller of the machine's MemTotal and the cgroup's memory.max, or
// 4 GiB when neither can be read.
func DefaultMaxMemory() int64 {
	limit := memTotal()
	if cg := cgroupLimit(); cg > 0 && (limit == 0 || cg < limit) {
		limit = cg
	}
	if limit <= 0 {
		return 4 << 30
	}
	return limit / 4 * 3
}

func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

func cgroupLimit() int64 {
	b, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return 0
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil { // "max"
		return 0
	}
	return v
}
