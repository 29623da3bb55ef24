//go:build !purego

package solver

import "golang.org/x/sys/cpu"

// hasAVX2 reports whether this CPU runs the AVX2+FMA kernels of
// kernel_amd64.s; without it (or built with -tags purego) the pure-Go
// kernels run, with identical results.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasAVX

// hasAVX512 reports whether the AVX-512 kernels run (with the same results).
var hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F

//go:noescape
func gradBlocksAVX2(x *float64, d int, nblk int, w *float64, y *float64, grad *float64) int

//go:noescape
func gradBlocksAVX512(x *float64, d int, nblk int, w *float64, y *float64, grad *float64) int

// normalRoundsAVX2 draws rounds of 8 normals (one per lane) into dst, the
// ziggurat's rectangle test only. It stops at the first round with a lane
// outside its rectangle: it returns that round's index and the mask of such
// lanes, having stored the round's accepted normals and every lane's draw
// in rej. The state is updated to after the last draw made.
//
//go:noescape
func normalRoundsAVX2(st *[4][Lanes]uint64, dst *float64, rounds int, rej *[Lanes]uint64) (done int, mask int)

// matVecAVX512 and matVecAVX2 set out_i = dot(x_i, v) for nblk blocks of
// 8 and 4 rows.
//
//go:noescape
func matVecAVX512(x *float64, d int, nblk int, v *float64, out *float64)

//go:noescape
func matVecAVX2(x *float64, d int, nblk int, v *float64, out *float64)

// sigmoidAVX512 sets out_i = σ(scale·z_i) − y_i for nblk blocks of 8 and
// returns the blocks done; a smaller count means the next block has a
// value outside the vector exp's plain range.
//
//go:noescape
func sigmoidAVX512(z *float64, scale float64, y *float64, out *float64, nblk int) int

// axpyRowsAVX512 adds coef_k·x_k for nblk blocks of 8 rows to grad.
//
//go:noescape
func axpyRowsAVX512(x *float64, d int, nblk int, coef *float64, grad *float64)

//go:noescape
func normalRoundsAVX512(st *[4][Lanes]uint64, dst *float64, rounds int, rej *[Lanes]uint64) (done int, mask int)

// syrkRowsAVX512 adds, for one block of 8 rows of length d, Σ_k
// coef[8j+k]·x_k[0:j+1] to row j of the lower triangle h, for every j.
//
//go:noescape
func syrkRowsAVX512(x *float64, d int, coef *float64, h *float64)

// dotAVX512 is dot for one pair of vectors of length n ≥ 1.
//
//go:noescape
func dotAVX512(x *float64, y *float64, n int) float64
