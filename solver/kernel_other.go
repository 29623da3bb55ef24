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

func normalRoundsAVX2(st *[4][Lanes]uint64, dst *float64, rounds int, rej *[Lanes]uint64) (done int, mask int) {
	panic("solver: no AVX2 kernels in this build")
}

func matVecAVX512(x *float64, d int, nblk int, v *float64, out *float64) {
	panic("solver: no AVX-512 kernels in this build")
}

func matVecAVX2(x *float64, d int, nblk int, v *float64, out *float64) {
	panic("solver: no AVX2 kernels in this build")
}

func sigmoidAVX512(z *float64, scale float64, y *float64, out *float64, nblk int) int {
	panic("solver: no AVX-512 kernels in this build")
}

func axpyRowsAVX512(x *float64, d int, nblk int, coef *float64, grad *float64) {
	panic("solver: no AVX-512 kernels in this build")
}

func normalRoundsAVX512(st *[4][Lanes]uint64, dst *float64, rounds int, rej *[Lanes]uint64) (done int, mask int) {
	panic("solver: no AVX-512 kernels in this build")
}

func syrkRowsAVX512(x *float64, d int, coef *float64, h *float64) {
	panic("solver: no AVX-512 kernels in this build")
}

func dotAVX512(x *float64, y *float64, n int) float64 {
	panic("solver: no AVX-512 kernels in this build")
}
