//go:build !amd64 || purego

package solver

const (
	hasAVX2   = false
	hasAVX512 = false
)

func gradBlocksAVX2(x *float64, d int, nblk int, w *float64, y *float64, grad *float64) int {
	panic("solver: no AVX2 kernels in this build")
}

func gradBlocksAVX512(x *float64, d int, nblk int, w *float64, y *float64, grad *float64) int {
	panic("solver: no AVX-512 kernels in this build")
}
