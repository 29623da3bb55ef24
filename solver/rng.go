package solver

// The random stream of one trial.
//
// A trial's stream is eight xoshiro256++ generators ("lanes") seeded from
// a hash of (sweep seed, n, d, γ, trial index) alone, so the same trial
// draws the same numbers on any node, in any shard, on any retry. Draws go
// round-robin over the lanes: the k-th draw of a trial (a uniform, or a
// whole normal with any extra draws its rejection step needs) comes from
// lane k mod 8. Eight lanes let SIMD kernels draw eight at a time; the
// pure-Go code below defines the numbers, and the kernels reproduce them.
//
// Normals come from a 1024-layer ziggurat (Marsaglia & Tsang 2000, in
// Doornik's 2005 ZIGNOR form) whose tables are built with this package's
// portable Exp and Log, so they too are identical everywhere. One 64-bit
// draw b gives the layer (b & 1023), the sign (bit 10) and a magnitude in
// [0, 1) with 52 bits (b >> 12); about 99.7% of normals need nothing more.

import (
	"math"
	"math/bits"
)

// Lanes is the number of generators in a Stream.
const Lanes = 8

// Stream is a trial's random stream. The zero value is not usable; make
// one with NewStream.
type Stream struct {
	// s[w][l] is word w of lane l's xoshiro256++ state: each word of all
	// lanes is contiguous, as a vector register holds it.
	s    [4][Lanes]uint64
	next int // lane of the next draw
}

// mix64 is the SplitMix64 finaliser (Stafford's variant 13), a bijection of
// uint64 with full avalanche.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// NewStream returns the random stream of trial index i of cell (n, d, γ) in
// a sweep with the given seed. Each of the 32 state words is its own
// salted hash chain over the five inputs.
func NewStream(seed uint64, n, d int, margin float64, i int) Stream {
	in := [5]uint64{seed, uint64(n), uint64(d), math.Float64bits(margin), uint64(i)}
	var st Stream
	for w := range 4 {
		for l := range Lanes {
			h := mix64(0x9e3779b97f4a7c15 * uint64(w*Lanes+l+1))
			for k, v := range in {
				h = mix64(h ^ mix64(v+0x632be59bd9b4e019*uint64(k+1)))
			}
			st.s[w][l] = h
		}
	}
	for l := range Lanes {
		if st.s[0][l]|st.s[1][l]|st.s[2][l]|st.s[3][l] == 0 { // the one state xoshiro cannot leave
			st.s[0][l] = 1
		}
	}
	return st
}

// lane returns the next 64 bits of lane l (xoshiro256++, Blackman & Vigna
// 2019).
func (s *Stream) lane(l int) uint64 {
	s0, s1, s2, s3 := s.s[0][l], s.s[1][l], s.s[2][l], s.s[3][l]
	r := bits.RotateLeft64(s0+s3, 23) + s0
	t := s1 << 17
	s2 ^= s0
	s3 ^= s1
	s1 ^= s2
	s0 ^= s3
	s2 ^= t
	s3 = bits.RotateLeft64(s3, 45)
	s.s[0][l], s.s[1][l], s.s[2][l], s.s[3][l] = s0, s1, s2, s3
	return r
}

// Uint64 returns the next 64 random bits.
func (s *Stream) Uint64() uint64 {
	l := s.next
	s.next = (l + 1) % Lanes
	return s.lane(l)
}

// Float64 returns a uniform number in [0, 1) with 53 random bits.
func (s *Stream) Float64() float64 {
	return float64(s.Uint64()>>11) * 0x1p-53
}

// Ziggurat tables: 1024 layers of equal area zigV under the standard
// normal density's kernel f(x) = exp(−x²/2); zigR is where the tail starts.
// zigR solves the layers' closing condition (the last layer reaches
// f = 1) by bisection in float64, and zigV = zigR·f(zigR) + ∫_zigR^∞ f;
// 1024 layers put 99.7% of draws inside a rectangle (256 layers: 98.8%),
// so the eight lanes rarely leave the vector kernel.
const (
	zigLayers = 1024
	zigR      = 4.0388498461095033
	zigV      = 0.0012263246463530932
	zigSign   = 10 // bit of a draw that gives the sign
)

var (
	zigX     [zigLayers + 1]float64 // layer edges; zigX[0] is the base layer's pseudo-width V/f(R)
	zigRatio [zigLayers]float64     // zigX[i+1]/zigX[i]: a magnitude below it is inside layer i's rectangle
	zigF     [zigLayers + 1]float64 // f(zigX[i]) for i ≥ 1; zigF[zigLayers] = f(0) = 1
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
	for i := 1; i <= zigLayers; i++ {
		zigF[i] = Exp(-0.5 * float64(zigX[i]*zigX[i]))
	}
}

// Normal returns a standard normal number drawn from the next lane.
func (s *Stream) Normal() float64 {
	l := s.next
	s.next = (l + 1) % Lanes
	return s.laneNormal(l)
}

// laneNormal draws a standard normal from lane l alone.
func (s *Stream) laneNormal(l int) float64 {
	for {
		b := s.lane(l)
		i := b & (zigLayers - 1)
		mag := float64(b>>12) * 0x1p-52
		if mag < zigRatio[i] {
			x := mag * zigX[i]
			if b&(1<<zigSign) != 0 {
				x = -x
			}
			return x
		}
		if z, ok := s.normalSlow(l, b); ok {
			return z
		}
	}
}

// normalSlow finishes a draw b of lane l that fell outside its layer's
// rectangle: the base layer's tail beyond zigR, or the wedge between two
// layer edges. It reports false when the draw is rejected.
func (s *Stream) normalSlow(l int, b uint64) (float64, bool) {
	i := b & (zigLayers - 1)
	neg := b&(1<<zigSign) != 0
	mag := float64(b>>12) * 0x1p-52
	if i == 0 {
		// Marsaglia's tail method: exact for |x| > zigR.
		for {
			x := Log(1-float64(s.lane(l)>>11)*0x1p-53) / zigR
			y := Log(1 - float64(s.lane(l)>>11)*0x1p-53)
			if -2*y >= float64(x*x) {
				if neg {
					return x - zigR, true
				}
				return zigR - x, true
			}
		}
	}
	// The wedge of layer i: a point uniform in height between f(x_i) and
	// f(x_{i+1}) lies under the density at x.
	x := mag * zigX[i]
	u := float64(s.lane(l)>>11) * 0x1p-53
	if float64(u*(zigF[i+1]-zigF[i]))+zigF[i] < Exp(-0.5*float64(x*x)) {
		if neg {
			return -x, true
		}
		return x, true
	}
	return 0, false
}

// FillNormal sets dst[j] to the stream's next normal numbers, exactly as
// len(dst) calls of Normal would. Whole rounds of 8 lanes go through a
// SIMD kernel where there is one.
func (s *Stream) FillNormal(dst []float64) {
	j := 0
	for ; j < len(dst) && s.next != 0; j++ {
		dst[j] = s.Normal()
	}
	for j+Lanes <= len(dst) {
		j += s.fillRounds(dst[j : j+(len(dst)-j)/Lanes*Lanes])
	}
	for ; j < len(dst); j++ {
		dst[j] = s.Normal()
	}
}

// fillRounds fills whole rounds of 8 normals (len(dst) a multiple of 8,
// s.next = 0) and returns how many values it filled: all of dst, unless the
// SIMD kernel stopped at a round with lanes outside their rectangles, which
// fillRounds then finishes itself.
func (s *Stream) fillRounds(dst []float64) int {
	if !useAVX2 {
		for k := 0; k < len(dst); k += Lanes {
			for l := range Lanes {
				dst[k+l] = s.laneNormal(l)
			}
		}
		return len(dst)
	}
	var rej [Lanes]uint64
	rounds := len(dst) / Lanes
	var done, mask int
	if useAVX512 {
		done, mask = normalRoundsAVX512(&s.s, &dst[0], rounds, &rej)
	} else {
		done, mask = normalRoundsAVX2(&s.s, &dst[0], rounds, &rej)
	}
	if done == rounds {
		return len(dst)
	}
	// In round done every lane made its first draw (rej); the kernel stored
	// the accepted normals. Finish the others, lane by lane.
	out := dst[done*Lanes : done*Lanes+Lanes]
	for l := range Lanes {
		if mask&(1<<l) != 0 {
			out[l] = s.finishNormal(l, rej[l])
		}
	}
	return (done + 1) * Lanes
}

// finishNormal continues laneNormal after its first draw b failed the
// rectangle test.
func (s *Stream) finishNormal(l int, b uint64) float64 {
	if z, ok := s.normalSlow(l, b); ok {
		return z
	}
	return s.laneNormal(l)
}
