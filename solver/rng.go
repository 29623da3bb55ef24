package solver

// The random stream of one trial.
//
// A trial's stream is xoshiro256++ seeded from a 256-bit key that is a hash
// of (sweep seed, n, d, γ, trial index) alone, so the same trial draws the
// same numbers on any node, in any shard, on any retry. Normals come from a
// 256-layer ziggurat (Marsaglia & Tsang 2000, in Doornik's 2005 ZIGNOR form)
// whose tables are built with this package's portable Exp and Log, so they
// too are identical everywhere.

import (
	"math"
	"math/bits"
)

// Stream is a xoshiro256++ generator (Blackman & Vigna 2019). The zero value
// is not usable; make one with NewStream.
type Stream struct {
	s0, s1, s2, s3 uint64
}

// mix64 is the SplitMix64 finaliser (Stafford's variant 13), a bijection of
// uint64 with full avalanche.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// NewStream returns the random stream of trial index i of cell (n, d, γ) in
// a sweep with the given seed. Four independently salted hash chains over
// the five inputs fill the 256-bit state.
func NewStream(seed uint64, n, d int, margin float64, i int) Stream {
	in := [5]uint64{seed, uint64(n), uint64(d), math.Float64bits(margin), uint64(i)}
	var st [4]uint64
	for lane := range st {
		h := mix64(0x9e3779b97f4a7c15 * uint64(lane+1))
		for k, v := range in {
			h = mix64(h ^ mix64(v+0x632be59bd9b4e019*uint64(k+1)))
		}
		st[lane] = h
	}
	if st == [4]uint64{} { // the one state xoshiro cannot leave
		st[0] = 1
	}
	return Stream{st[0], st[1], st[2], st[3]}
}

// Uint64 returns the next 64 random bits.
func (s *Stream) Uint64() uint64 {
	r := bits.RotateLeft64(s.s0+s.s3, 23) + s.s0
	t := s.s1 << 17
	s.s2 ^= s.s0
	s.s3 ^= s.s1
	s.s1 ^= s.s2
	s.s0 ^= s.s3
	s.s2 ^= t
	s.s3 = bits.RotateLeft64(s.s3, 45)
	return r
}

// Float64 returns a uniform number in [0, 1) with 53 random bits.
func (s *Stream) Float64() float64 {
	return float64(s.Uint64()>>11) * 0x1p-53
}

// Ziggurat tables: 256 layers of equal area zigV under the standard normal
// density's kernel f(x) = exp(−x²/2); zigR is where the tail starts.
const (
	zigLayers = 256
	zigR      = 3.6541528853610088
	zigV      = 4.92867323399e-3
)

var (
	zigX     [zigLayers + 1]float64 // layer edges; zigX[0] is the base layer's pseudo-width V/f(R)
	zigRatio [zigLayers]float64     // zigX[i+1]/zigX[i]: |u| below it is inside layer i's rectangle
)

func init() {
	f := Exp(-0.5 * float64(zigR*zigR))
	zigX[0] = zigV / f
	zigX[1] = zigR
	for i := 2; i < zigLayers; i++ {
		zigX[i] = math.Sqrt(-2 * Log(zigV/zigX[i-1]+f))
		f = Exp(-0.5 * float64(zigX[i]*zigX[i]))
	}
	zigX[zigLayers] = 0
	for i := 0; i < zigLayers; i++ {
		zigRatio[i] = zigX[i+1] / zigX[i]
	}
}

// Normal returns a standard normal number. One 64-bit draw gives the layer
// (low 8 bits) and a signed uniform (high 53 bits); about 99% of calls
// return after that single draw.
func (s *Stream) Normal() float64 {
	for {
		b := s.Uint64()
		i := b & (zigLayers - 1)
		u := float64(int64(b)>>11) * 0x1p-52 // uniform in [−1, 1)
		if math.Abs(u) < zigRatio[i] {
			return u * zigX[i]
		}
		if z, ok := s.normalSlow(i, u); ok {
			return z
		}
	}
}

// FillNormal sets every element of dst to a standard normal number. It
// draws exactly what len(dst) calls of Normal would, in the same order,
// but keeps the generator's state in registers.
func (s *Stream) FillNormal(dst []float64) {
	s0, s1, s2, s3 := s.s0, s.s1, s.s2, s.s3
	for j := range dst {
		// xoshiro256++ step, as in Uint64.
		b := bits.RotateLeft64(s0+s3, 23) + s0
		t := s1 << 17
		s2 ^= s0
		s3 ^= s1
		s1 ^= s2
		s0 ^= s3
		s2 ^= t
		s3 = bits.RotateLeft64(s3, 45)

		i := b & (zigLayers - 1)
		u := float64(int64(b)>>11) * 0x1p-52
		if math.Abs(u) < zigRatio[i] {
			dst[j] = u * zigX[i]
			continue
		}
		// Rare: finish this normal through the general path.
		s.s0, s.s1, s.s2, s.s3 = s0, s1, s2, s3
		z, ok := s.normalSlow(i, u)
		if !ok {
			z = s.Normal()
		}
		dst[j] = z
		s0, s1, s2, s3 = s.s0, s.s1, s.s2, s.s3
	}
	s.s0, s.s1, s.s2, s.s3 = s0, s1, s2, s3
}

// normalSlow handles the rare draws outside a layer's rectangle: the base
// layer's tail beyond zigR, or the wedge between two layer edges.
func (s *Stream) normalSlow(i uint64, u float64) (float64, bool) {
	if i == 0 {
		// Marsaglia's tail method: exact for x > zigR.
		for {
			x := Log(1-s.Float64()) / zigR
			y := Log(1 - s.Float64())
			if -2*y >= float64(x*x) {
				if u < 0 {
					return x - zigR, true
				}
				return zigR - x, true
			}
		}
	}
	x := u * zigX[i]
	xx := float64(x * x)
	f0 := Exp(-0.5 * (float64(zigX[i]*zigX[i]) - xx))
	f1 := Exp(-0.5 * (float64(zigX[i+1]*zigX[i+1]) - xx))
	if float64(s.Float64()*(f0-f1))+f1 < 1 {
		return x, true
	}
	return 0, false
}
