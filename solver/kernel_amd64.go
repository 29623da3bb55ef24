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
