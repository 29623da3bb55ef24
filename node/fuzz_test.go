package node

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/solver"
)

// FuzzCheckShard feeds arbitrary bytes, as a node receives them, through
// request decoding and validation. No input panics or allocates in
// proportion to a claimed trial count; every refusal says what is wrong;
// an accepted request is consistent with its settings, and its cell's
// memory need is a real number of bytes.
func FuzzCheckShard(f *testing.F) {
	good, _ := proto.Marshal(request([2]int32{0, 5}, [2]int32{7, 9}))
	f.Add(good)
	huge := request([2]int32{0, 1 << 30})
	huge.Settings.Trials = 1<<31 - 1
	hb, _ := proto.Marshal(huge)
	f.Add(hb)
	big := request([2]int32{0, 1})
	big.Settings.N, big.Settings.D = []int32{1<<31 - 1}, []int32{1<<31 - 1}
	big.Cell = &w2sv1.Cell{N: 1<<31 - 1, D: 1<<31 - 1, Margin: 2}
	bb, _ := proto.Marshal(big)
	f.Add(bb)
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x02, 0x08, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var req w2sv1.ShardRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			return
		}
		s, cell, ranges, total, err := CheckShard(&req)
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "invalid ") {
				t.Fatalf("refusal does not name what is invalid: %q", msg)
			}
			return
		}
		n := 0
		for _, r := range ranges {
			if r.GetStart() < 0 || r.GetEnd() > int32(s.Trials) || r.GetEnd() <= r.GetStart() {
				t.Fatalf("accepted range [%d, %d) outside [0, %d)", r.GetStart(), r.GetEnd(), s.Trials)
			}
			n += int(r.GetEnd() - r.GetStart())
		}
		if n != total || total < 1 {
			t.Fatalf("total %d, ranges hold %d", total, n)
		}
		if need := solver.WorkspaceBytes(s.Mode, cell); need < 8*int64(cell.N) {
			t.Fatalf("workspace of %v is %d bytes", cell, need)
		}
	})
}
