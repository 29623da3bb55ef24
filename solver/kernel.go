package solver

// Numerical kernels. Every kernel fixes its order of operations so that its
// result is the same bits on every platform and every future SIMD
// implementation: a dot product keeps 8 partial sums, element j going to
// lane j mod 8 in increasing j, each updated by a fused multiply-add, and the
// lanes are then added as ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)), which is
// the tree a vector register's horizontal sum follows. Kernels state their
// preconditions and allocate nothing.

import "math"

// useAVX2 and useAVX512 select the SIMD kernels where the CPU has them.
// Tests turn them off to compare the implementations bit for bit.
var (
	useAVX2   = hasAVX2
	useAVX512 = hasAVX512
)

// Kernels names the kernel implementation in use.
func Kernels() string {
	switch {
	case useAVX512 && useAVX2:
		return "AVX-512 kernels"
	case useAVX2:
		return "AVX2+FMA kernels"
	}
	return "pure-Go kernels"
}

// dot returns Σ_j x[j]·y[j] in the canonical 8-lane order.
// Precondition: len(y) ≥ len(x).
func dot(x, y []float64) float64 {
	y = y[:len(x)]
	if useAVX512 && len(x) >= 16 {
		return dotAVX512(&x[0], &y[0], len(x))
	}
	var a0, a1, a2, a3, a4, a5, a6, a7 float64
	j := 0
	for ; j+8 <= len(x); j += 8 {
		xs, ys := x[j:j+8:j+8], y[j:j+8:j+8]
		a0 = math.FMA(xs[0], ys[0], a0)
		a1 = math.FMA(xs[1], ys[1], a1)
		a2 = math.FMA(xs[2], ys[2], a2)
		a3 = math.FMA(xs[3], ys[3], a3)
		a4 = math.FMA(xs[4], ys[4], a4)
		a5 = math.FMA(xs[5], ys[5], a5)
		a6 = math.FMA(xs[6], ys[6], a6)
		a7 = math.FMA(xs[7], ys[7], a7)
	}
	if r := len(x) - j; r > 0 {
		xs, ys := x[j:], y[j:]
		a0 = math.FMA(xs[0], ys[0], a0)
		if r > 1 {
			a1 = math.FMA(xs[1], ys[1], a1)
		}
		if r > 2 {
			a2 = math.FMA(xs[2], ys[2], a2)
		}
		if r > 3 {
			a3 = math.FMA(xs[3], ys[3], a3)
		}
		if r > 4 {
			a4 = math.FMA(xs[4], ys[4], a4)
		}
		if r > 5 {
			a5 = math.FMA(xs[5], ys[5], a5)
		}
		if r > 6 {
			a6 = math.FMA(xs[6], ys[6], a6)
		}
	}
	return ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))
}

// axpy sets y[j] = a·x[j] + y[j] (one rounding each, by FMA).
// Precondition: len(y) ≥ len(x).
func axpy(a float64, x, y []float64) {
	y = y[:len(x)]
	for j, v := range x {
		y[j] = math.FMA(a, v, y[j])
	}
}

// gradPass makes one pass over the rows of X (n×d, row-major, n = len(y))
// and sets g = Σ_i (σ(⟨x_i, w⟩) − y_i)·x_i, the unnormalised gradient of
// the empirical logistic risk. Each row's dot product and update happen
// together, while the row is in cache.
// Preconditions: len(X) = n·d, len(w) = len(g) = d.
func gradPass(X []float64, d int, w, y, g []float64) {
	clear(g)
	n := len(y)
	i := 0
	if useAVX2 && n >= 4 {
		_ = X[n*d-1]
		_ = w[d-1]
		_ = g[d-1]
		for useAVX512 && i+8 <= n {
			nb := (n - i) / 8
			done := gradBlocksAVX512(&X[i*d], d, nb, &w[0], &y[i], &g[0])
			i += 8 * done
			if done < nb {
				gradRows(X, d, w, y, g, i, i+8)
				i += 8
			}
		}
		for i+4 <= n {
			nb := (n - i) / 4
			done := gradBlocksAVX2(&X[i*d], d, nb, &w[0], &y[i], &g[0])
			i += 4 * done
			if done < nb { // a block with an extreme or NaN z: the plain path
				gradRows(X, d, w, y, g, i, i+4)
				i += 4
			}
		}
	}
	gradRows(X, d, w, y, g, i, n)
}

// gradRows is gradPass's plain path for rows [from, to).
func gradRows(X []float64, d int, w, y, g []float64, from, to int) {
	for i := from; i < to; i++ {
		x := X[i*d : i*d+d : i*d+d]
		r := Sigmoid(dot(x, w)) - y[i]
		axpy(r, x, g)
	}
}

// riskPass is gradPass for Newton's method: it sets z_i = ⟨x_i, w⟩,
// r_i = σ(z_i) − y_i, e_i = e^−|z_i| and g = Σ_i r_i·x_i (the unnormalised
// gradient, row after row), and returns Σ_i [log(1+e^z_i) − y_i z_i], the
// unnormalised empirical risk.
// Preconditions: len(X) = n·d; len(z) = len(e) = len(r) = n = len(y);
// len(w) = len(g) = d.
func riskPass(X []float64, d int, w, y, g, z, e, r []float64) float64 {
	matVec(X, d, w, z)
	sigmoidResid(z, 1, y, r)
	matTVec(X, d, r, g)
	risk := 0.0
	for i, zi := range z {
		ei := Exp(-math.Abs(zi))
		e[i] = ei
		risk += math.Max(zi, 0) + Log1p(ei) - float64(y[i]*zi)
	}
	return risk
}

// matVec sets out_i = ⟨x_i, v⟩ for the n rows of X, each in the canonical
// dot-product order.
// Preconditions: len(X) ≥ len(out)·d, len(v) ≥ d.
func matVec(X []float64, d int, v, out []float64) {
	n := len(out)
	i := 0
	if useAVX2 && n >= 4 {
		_ = X[n*d-1]
		_ = v[d-1]
		if useAVX512 && n >= 8 {
			nb := n / 8
			matVecAVX512(&X[0], d, nb, &v[0], &out[0])
			i = 8 * nb
		}
		if nb := (n - i) / 4; nb > 0 {
			matVecAVX2(&X[i*d], d, nb, &v[0], &out[i])
			i += 4 * nb
		}
	}
	for ; i < n; i++ {
		out[i] = dot(X[i*d:i*d+d:i*d+d], v)
	}
}

// matTVec sets out = Σ_i b_i·x_i = Xᵀb, row after row.
// Preconditions: len(X) ≥ len(b)·d, len(out) = d.
func matTVec(X []float64, d int, b, out []float64) {
	clear(out)
	addRows(X, d, b, out)
}

// addRows adds Σ_i b_i·x_i to out, row after row, each element by FMA.
func addRows(X []float64, d int, b, out []float64) {
	n := len(b)
	i := 0
	if useAVX512 && n >= 8 {
		_ = X[n*d-1]
		_ = out[d-1]
		nb := n / 8
		axpyRowsAVX512(&X[0], d, nb, &b[0], &out[0])
		i = 8 * nb
	}
	for ; i < n; i++ {
		axpy(b[i], X[i*d:i*d+d:i*d+d], out)
	}
}

// sigmoidResid sets out_i = σ(scale·z_i) − y_i, as Sigmoid computes it.
// Preconditions: len(y) ≥ len(z), len(out) ≥ len(z).
func sigmoidResid(z []float64, scale float64, y, out []float64) {
	n := len(z)
	i := 0
	if useAVX512 && n >= 8 {
		_ = y[n-1]
		_ = out[n-1]
		for i+8 <= n {
			nb := (n - i) / 8
			done := sigmoidAVX512(&z[i], scale, &y[i], &out[i], nb)
			i += 8 * done
			if done < nb { // a block outside the vector exp's range
				for k := i; k < i+8; k++ {
					out[k] = Sigmoid(float64(scale*z[k])) - y[k]
				}
				i += 8
			}
		}
	}
	for ; i < n; i++ {
		out[i] = Sigmoid(float64(scale*z[i])) - y[i]
	}
}

// cholesky overwrites the lower triangle of the m×m row-major matrix A with
// its Cholesky factor L (A = LLᵀ) and reports whether A was positive
// definite. The strict upper triangle is not read.
func cholesky(A []float64, m int) bool {
	for j := 0; j < m; j++ {
		rj := A[j*m : j*m+j]
		s := A[j*m+j] - dot(rj, rj)
		if !(s > 0) || math.IsInf(s, 0) {
			return false
		}
		ljj := math.Sqrt(s)
		A[j*m+j] = ljj
		for i := j + 1; i < m; i++ {
			A[i*m+j] = (A[i*m+j] - dot(A[i*m:i*m+j], rj)) / ljj
		}
	}
	return true
}

// cholSolve solves LLᵀx = b in place (b becomes x), L from cholesky.
func cholSolve(L []float64, m int, b []float64) {
	for i := 0; i < m; i++ { // L y = b
		b[i] = (b[i] - dot(L[i*m:i*m+i], b[:i])) / L[i*m+i]
	}
	for i := m - 1; i >= 0; i-- { // Lᵀ x = y, column by column
		b[i] /= L[i*m+i]
		axpy(-b[i], L[i*m:i*m+i], b[:i])
	}
}
