//go:build !purego

#include "textflag.h"

// AVX2+FMA kernels. Each reproduces, bit for bit, the pure-Go kernel of
// the same name in kernel.go: the same 8-lane dot product (lanes 0-3 in
// one register, 4-7 in another), the same reduction tree, the same exp
// polynomial and the same FMA order in every update.

// Lane masks for VMASKMOVPD: entry k enables the first k lanes.
DATA maskTab<>+0x00(SB)/8, $0
DATA maskTab<>+0x08(SB)/8, $0
DATA maskTab<>+0x10(SB)/8, $0
DATA maskTab<>+0x18(SB)/8, $0
DATA maskTab<>+0x20(SB)/8, $-1
DATA maskTab<>+0x28(SB)/8, $0
DATA maskTab<>+0x30(SB)/8, $0
DATA maskTab<>+0x38(SB)/8, $0
DATA maskTab<>+0x40(SB)/8, $-1
DATA maskTab<>+0x48(SB)/8, $-1
DATA maskTab<>+0x50(SB)/8, $0
DATA maskTab<>+0x58(SB)/8, $0
DATA maskTab<>+0x60(SB)/8, $-1
DATA maskTab<>+0x68(SB)/8, $-1
DATA maskTab<>+0x70(SB)/8, $-1
DATA maskTab<>+0x78(SB)/8, $0
DATA maskTab<>+0x80(SB)/8, $-1
DATA maskTab<>+0x88(SB)/8, $-1
DATA maskTab<>+0x90(SB)/8, $-1
DATA maskTab<>+0x98(SB)/8, $-1
GLOBL maskTab<>(SB), RODATA|NOPTR, $160

// Constants of Exp (mathx.go), each as 4 copies.
#define CONST4(name, bits) \
	DATA name<>+0x00(SB)/8, bits; \
	DATA name<>+0x08(SB)/8, bits; \
	DATA name<>+0x10(SB)/8, bits; \
	DATA name<>+0x18(SB)/8, bits; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

CONST4(cSign, $0x8000000000000000)
CONST4(cThresh, $0xc086200000000000) // -708.0: below it Exp leaves its plain path
CONST4(cLog2e, $0x3ff71547652b82fe)  // 1.44269504088896338700
CONST4(cMagic, $0x4338000000000000)  // 1.5·2^52
CONST4(cLn2Hi, $0x3fe62e42fee00000)  // 6.93147180369123816490e-01
CONST4(cLn2Lo, $0x3dea39ef35793c76)  // 1.90821492927058770002e-10
CONST4(cBias, $1023)
CONST4(cOne, $0x3ff0000000000000)
CONST4(c0, $0x3ff0000000000000)  // 1
CONST4(c1, $0x3ff0000000000000)  // 1
CONST4(c2, $0x3fe0000000000000)  // 1/2
CONST4(c3, $0x3fc5555555555555)  // 1/6
CONST4(c4, $0x3fa5555555555555)  // 1/24
CONST4(c5, $0x3f81111111111111)  // 1/120
CONST4(c6, $0x3f56c16c16c16c17)  // 1/720
CONST4(c7, $0x3f2a01a01a01a01a)  // 1/5040
CONST4(c8, $0x3efa01a01a01a01a)  // 1/40320
CONST4(c9, $0x3ec71de3a556c734)  // 1/362880
CONST4(c10, $0x3e927e4fb7789f5c) // 1/3628800
CONST4(c11, $0x3e5ae64567f544e4) // 1/39916800
CONST4(c12, $0x3e21eed8eff8d898) // 1/479001600
CONST4(c13, $0x3de6124613a86d09) // 1/6227020800

// REDUCE4 turns the lane accumulators of 4 rows (Y0/Y1 … Y6/Y7, lanes
// 0-3 and 4-7) into Y0 = (z0, z1, z2, z3): per row S = lo + hi,
// U = S[0:2] + S[2:4], z = U[0] + U[1], the tree of the Go dot.
#define REDUCE4 \
	VADDPD Y1, Y0, Y0; \
	VADDPD Y3, Y2, Y2; \
	VADDPD Y5, Y4, Y4; \
	VADDPD Y7, Y6, Y6; \
	VEXTRACTF128 $1, Y0, X1; \
	VADDPD X1, X0, X0; \
	VEXTRACTF128 $1, Y2, X3; \
	VADDPD X3, X2, X2; \
	VEXTRACTF128 $1, Y4, X5; \
	VADDPD X5, X4, X4; \
	VEXTRACTF128 $1, Y6, X7; \
	VADDPD X7, X6, X6; \
	VHADDPD X2, X0, X0; \
	VHADDPD X6, X4, X4; \
	VINSERTF128 $1, X4, Y0, Y0

// REDUCE8 turns the 8-lane accumulators of 8 rows (Z0 … Z7) into
// Z0 = (z0, …, z7) by the same tree; Y9 is scratch.
#define REDUCE8 \
	VEXTRACTF64X4 $1, Z0, Y9; \
	VADDPD Y9, Y0, Y0; \
	VEXTRACTF64X4 $1, Z1, Y9; \
	VADDPD Y9, Y1, Y1; \
	VEXTRACTF64X4 $1, Z2, Y9; \
	VADDPD Y9, Y2, Y2; \
	VEXTRACTF64X4 $1, Z3, Y9; \
	VADDPD Y9, Y3, Y3; \
	VEXTRACTF64X4 $1, Z4, Y9; \
	VADDPD Y9, Y4, Y4; \
	VEXTRACTF64X4 $1, Z5, Y9; \
	VADDPD Y9, Y5, Y5; \
	VEXTRACTF64X4 $1, Z6, Y9; \
	VADDPD Y9, Y6, Y6; \
	VEXTRACTF64X4 $1, Z7, Y9; \
	VADDPD Y9, Y7, Y7; \
	VEXTRACTF128 $1, Y0, X9; \
	VADDPD X9, X0, X0; \
	VEXTRACTF128 $1, Y1, X9; \
	VADDPD X9, X1, X1; \
	VEXTRACTF128 $1, Y2, X9; \
	VADDPD X9, X2, X2; \
	VEXTRACTF128 $1, Y3, X9; \
	VADDPD X9, X3, X3; \
	VEXTRACTF128 $1, Y4, X9; \
	VADDPD X9, X4, X4; \
	VEXTRACTF128 $1, Y5, X9; \
	VADDPD X9, X5, X5; \
	VEXTRACTF128 $1, Y6, X9; \
	VADDPD X9, X6, X6; \
	VEXTRACTF128 $1, Y7, X9; \
	VADDPD X9, X7, X7; \
	VHADDPD X1, X0, X0; \
	VHADDPD X3, X2, X2; \
	VHADDPD X5, X4, X4; \
	VHADDPD X7, X6, X6; \
	VINSERTF128 $1, X2, Y0, Y0; \
	VINSERTF128 $1, X6, Y4, Y4; \
	VINSERTF64X4 $1, Y4, Z0, Z0

// SIGMOID512 sets OUT = σ(Z) as Sigmoid computes it, 8 lanes, and jumps
// to BAIL if some lane has −|z| < −708 or is NaN. Clobbers Z1-Z9, K2, K3, DI.
#define SIGMOID512(Z, OUT, BAIL) \
	VPORQ.BCST cSign<>(SB), Z, Z1; \
	VCMPPD.BCST $0x1d, cThresh<>(SB), Z1, K2; \
	KMOVW K2, DI; \
	CMPQ DI, $0xff; \
	JNE  BAIL; \
	VMULPD.BCST cLog2e<>(SB), Z1, Z3; \
	VADDPD.BCST cMagic<>(SB), Z3, Z3; \
	VSUBPD.BCST cMagic<>(SB), Z3, Z4; \
	VFNMADD231PD.BCST cLn2Hi<>(SB), Z4, Z1; \
	VFNMADD231PD.BCST cLn2Lo<>(SB), Z4, Z1; \
	VBROADCASTSD c13<>(SB), Z5; \
	VFMADD213PD.BCST c12<>(SB), Z1, Z5; \
	VFMADD213PD.BCST c11<>(SB), Z1, Z5; \
	VFMADD213PD.BCST c10<>(SB), Z1, Z5; \
	VFMADD213PD.BCST c9<>(SB), Z1, Z5; \
	VFMADD213PD.BCST c8<>(SB), Z1, Z5; \
	VFMADD213PD.BCST c7<>(SB), Z1, Z5; \
	VFMADD213PD.BCST c6<>(SB), Z1, Z5; \
	VFMADD213PD.BCST c5<>(SB), Z1, Z5; \
	VFMADD213PD.BCST c4<>(SB), Z1, Z5; \
	VFMADD213PD.BCST c3<>(SB), Z1, Z5; \
	VFMADD213PD.BCST c2<>(SB), Z1, Z5; \
	VFMADD213PD.BCST c1<>(SB), Z1, Z5; \
	VFMADD213PD.BCST c0<>(SB), Z1, Z5; \
	VPSUBQ.BCST cMagic<>(SB), Z3, Z6; \
	VPADDQ.BCST cBias<>(SB), Z6, Z6; \
	VPSLLQ $52, Z6, Z6; \
	VMULPD Z6, Z5, Z5; \
	VADDPD.BCST cOne<>(SB), Z5, Z6; \
	VBROADCASTSD cOne<>(SB), Z7; \
	VDIVPD Z6, Z7, Z7; \
	VMULPD Z7, Z5, Z8; \
	VPXORQ Z9, Z9, Z9; \
	VCMPPD $0x1d, Z9, Z, K3; \
	VBLENDMPD Z7, Z8, K3, OUT

// DOTTAIL adds the last t = d mod 8 elements of a row (at ROW+CX) to the
// accumulators LO (lanes 0-3) and HI (lanes 4-7). Y8/Y9 hold the masked w.
#define DOTTAIL(ROW, LO, HI) \
	VMASKMOVPD (ROW)(CX*1), Y12, Y10; \
	VFMADD231PD Y10, Y8, LO; \
	VMASKMOVPD 32(ROW)(CX*1), Y13, Y11; \
	VFMADD231PD Y11, Y9, HI

// func gradBlocksAVX2(x *float64, d int, nblk int, w *float64, y *float64, grad *float64) int
//
// For blocks of 4 rows of X (row-major, d columns) starting at x: z = ⟨x_i, w⟩,
// r_i = σ(z_i) − y_i, g += r_i·x_i in row order. It returns the number of
// blocks done; fewer than nblk means the next block has a z_i with
// −|z_i| < −708 or NaN, which the caller runs through the pure-Go path.
TEXT ·gradBlocksAVX2(SB), NOSPLIT, $64-56
	MOVQ x+0(FP), R8
	MOVQ d+8(FP), DX
	MOVQ w+24(FP), DI
	MOVQ y+32(FP), BX
	MOVQ grad+40(FP), R12

	// Locals: 0(SP) r[4]; 32(SP) bytes of whole 8-chunks; 40(SP) bytes of
	// whole 16-chunks; 48(SP) bytes of whole 4-chunks; 56(SP) row bytes.
	MOVQ DX, AX
	ANDQ $-8, AX
	SHLQ $3, AX
	MOVQ AX, 32(SP)
	MOVQ DX, AX
	ANDQ $-16, AX
	SHLQ $3, AX
	MOVQ AX, 40(SP)
	MOVQ DX, AX
	ANDQ $-4, AX
	SHLQ $3, AX
	MOVQ AX, 48(SP)
	MOVQ DX, AX
	SHLQ $3, AX
	MOVQ AX, 56(SP)

	// Tail masks (constant for the call): Y12 lanes 0-3, Y13 lanes 4-7.
	MOVQ DX, AX
	ANDQ $7, AX              // t
	MOVQ AX, CX
	CMPQ CX, $4
	JLE  masklo
	MOVQ $4, CX
masklo:
	SHLQ $5, CX
	LEAQ maskTab<>(SB), SI
	VMOVUPD (SI)(CX*1), Y12
	SUBQ $4, AX
	JGE  maskhi
	XORQ AX, AX
maskhi:
	SHLQ $5, AX
	VMOVUPD (SI)(AX*1), Y13

	XORQ R13, R13            // blocks done

block:
	CMPQ R13, nblk+16(FP)
	JGE  done
	MOVQ 56(SP), AX
	LEAQ (R8)(AX*1), R9
	LEAQ (R9)(AX*1), R10
	LEAQ (R10)(AX*1), R11

	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ CX, CX

dotloop:
	CMPQ CX, 32(SP)
	JGE  dottail
	VMOVUPD (DI)(CX*1), Y8
	VMOVUPD 32(DI)(CX*1), Y9
	VFMADD231PD (R8)(CX*1), Y8, Y0
	VFMADD231PD 32(R8)(CX*1), Y9, Y1
	VFMADD231PD (R9)(CX*1), Y8, Y2
	VFMADD231PD 32(R9)(CX*1), Y9, Y3
	VFMADD231PD (R10)(CX*1), Y8, Y4
	VFMADD231PD 32(R10)(CX*1), Y9, Y5
	VFMADD231PD (R11)(CX*1), Y8, Y6
	VFMADD231PD 32(R11)(CX*1), Y9, Y7
	ADDQ $64, CX
	JMP  dotloop

dottail:
	CMPQ CX, 56(SP)
	JGE  reduce
	VMASKMOVPD (DI)(CX*1), Y12, Y8
	VMASKMOVPD 32(DI)(CX*1), Y13, Y9
	DOTTAIL(R8, Y0, Y1)
	DOTTAIL(R9, Y2, Y3)
	DOTTAIL(R10, Y4, Y5)
	DOTTAIL(R11, Y6, Y7)

reduce:
	// Row k: S = lo + hi; U = S[0:2] + S[2:4]; z = U[0] + U[1].
	REDUCE4

	// σ(z) − y, as Sigmoid and Exp compute it, 4 lanes at once.
	VORPD   cSign<>(SB), Y0, Y1           // x = −|z|
	VCMPPD  $0x1d, cThresh<>(SB), Y1, Y2  // x ≥ −708 (false for NaN)
	VMOVMSKPD Y2, AX
	CMPQ AX, $15
	JNE  done                             // this block takes the Go path
	VMULPD  cLog2e<>(SB), Y1, Y3
	VADDPD  cMagic<>(SB), Y3, Y3          // t = x·log2e + magic
	VSUBPD  cMagic<>(SB), Y3, Y4          // k
	VFNMADD231PD cLn2Hi<>(SB), Y4, Y1     // r = x − k·ln2Hi
	VFNMADD231PD cLn2Lo<>(SB), Y4, Y1     // r −= k·ln2Lo
	VMOVUPD c13<>(SB), Y5
	VFMADD213PD c12<>(SB), Y1, Y5
	VFMADD213PD c11<>(SB), Y1, Y5
	VFMADD213PD c10<>(SB), Y1, Y5
	VFMADD213PD c9<>(SB), Y1, Y5
	VFMADD213PD c8<>(SB), Y1, Y5
	VFMADD213PD c7<>(SB), Y1, Y5
	VFMADD213PD c6<>(SB), Y1, Y5
	VFMADD213PD c5<>(SB), Y1, Y5
	VFMADD213PD c4<>(SB), Y1, Y5
	VFMADD213PD c3<>(SB), Y1, Y5
	VFMADD213PD c2<>(SB), Y1, Y5
	VFMADD213PD c1<>(SB), Y1, Y5
	VFMADD213PD c0<>(SB), Y1, Y5          // p
	VPSUBQ  cMagic<>(SB), Y3, Y6          // k as an integer
	VPADDQ  cBias<>(SB), Y6, Y6
	VPSLLQ  $52, Y6, Y6                   // 2^k
	VMULPD  Y6, Y5, Y5                    // e = p·2^k
	VADDPD  cOne<>(SB), Y5, Y6            // 1 + e
	VMOVUPD cOne<>(SB), Y7
	VDIVPD  Y6, Y7, Y7                    // s = 1/(1+e)
	VMULPD  Y7, Y5, Y8                    // e·s
	VXORPD  Y9, Y9, Y9
	VCMPPD  $0x1d, Y9, Y0, Y10            // z ≥ 0
	VBLENDVPD Y10, Y7, Y8, Y11            // σ = z ≥ 0 ? s : e·s
	VSUBPD  (BX), Y11, Y11                // r = σ − y
	VMOVUPD Y11, 0(SP)

	// g += r0·x0 + r1·x1 + r2·x2 + r3·x3, element by element in row order.
	VBROADCASTSD 0(SP), Y10
	VBROADCASTSD 8(SP), Y11
	VBROADCASTSD 16(SP), Y12
	VBROADCASTSD 24(SP), Y13
	XORQ CX, CX

axpy16:
	CMPQ CX, 40(SP)
	JGE  axpy4
	VMOVUPD (R12)(CX*1), Y0
	VMOVUPD 32(R12)(CX*1), Y1
	VMOVUPD 64(R12)(CX*1), Y2
	VMOVUPD 96(R12)(CX*1), Y3
	VFMADD231PD (R8)(CX*1), Y10, Y0
	VFMADD231PD 32(R8)(CX*1), Y10, Y1
	VFMADD231PD 64(R8)(CX*1), Y10, Y2
	VFMADD231PD 96(R8)(CX*1), Y10, Y3
	VFMADD231PD (R9)(CX*1), Y11, Y0
	VFMADD231PD 32(R9)(CX*1), Y11, Y1
	VFMADD231PD 64(R9)(CX*1), Y11, Y2
	VFMADD231PD 96(R9)(CX*1), Y11, Y3
	VFMADD231PD (R10)(CX*1), Y12, Y0
	VFMADD231PD 32(R10)(CX*1), Y12, Y1
	VFMADD231PD 64(R10)(CX*1), Y12, Y2
	VFMADD231PD 96(R10)(CX*1), Y12, Y3
	VFMADD231PD (R11)(CX*1), Y13, Y0
	VFMADD231PD 32(R11)(CX*1), Y13, Y1
	VFMADD231PD 64(R11)(CX*1), Y13, Y2
	VFMADD231PD 96(R11)(CX*1), Y13, Y3
	VMOVUPD Y0, (R12)(CX*1)
	VMOVUPD Y1, 32(R12)(CX*1)
	VMOVUPD Y2, 64(R12)(CX*1)
	VMOVUPD Y3, 96(R12)(CX*1)
	ADDQ $128, CX
	JMP  axpy16

axpy4:
	CMPQ CX, 48(SP)
	JGE  axpy1
	VMOVUPD (R12)(CX*1), Y0
	VFMADD231PD (R8)(CX*1), Y10, Y0
	VFMADD231PD (R9)(CX*1), Y11, Y0
	VFMADD231PD (R10)(CX*1), Y12, Y0
	VFMADD231PD (R11)(CX*1), Y13, Y0
	VMOVUPD Y0, (R12)(CX*1)
	ADDQ $32, CX
	JMP  axpy4

axpy1:
	CMPQ CX, 56(SP)
	JGE  nextblock
	VMOVSD (R12)(CX*1), X0
	VFMADD231SD (R8)(CX*1), X10, X0
	VFMADD231SD (R9)(CX*1), X11, X0
	VFMADD231SD (R10)(CX*1), X12, X0
	VFMADD231SD (R11)(CX*1), X13, X0
	VMOVSD X0, (R12)(CX*1)
	ADDQ $8, CX
	JMP  axpy1

nextblock:
	// Restore the tail masks (Y12, Y13 held broadcasts).
	MOVQ d+8(FP), AX
	ANDQ $7, AX
	MOVQ AX, CX
	CMPQ CX, $4
	JLE  masklo2
	MOVQ $4, CX
masklo2:
	SHLQ $5, CX
	LEAQ maskTab<>(SB), SI
	VMOVUPD (SI)(CX*1), Y12
	SUBQ $4, AX
	JGE  maskhi2
	XORQ AX, AX
maskhi2:
	SHLQ $5, AX
	VMOVUPD (SI)(AX*1), Y13

	MOVQ 56(SP), AX
	LEAQ (R11)(AX*1), R8     // next block starts after row 3
	ADDQ $32, BX
	INCQ R13
	JMP  block

done:
	VZEROUPPER
	MOVQ R13, ret+48(FP)
	RET

// DOT8ROWS and AXPY8 address the 8 rows of a block: R8-R13, SI, AX.

// func gradBlocksAVX512(x *float64, d int, nblk int, w *float64, y *float64, grad *float64) int
//
// gradBlocksAVX2 for blocks of 8 rows, one 8-lane register per row (the
// same lanes as the AVX2 kernel's two 4-lane halves), with masked tails.
TEXT ·gradBlocksAVX512(SB), NOSPLIT, $128-56
	MOVQ x+0(FP), R8
	MOVQ R8, 80(SP)          // base: row 0 of the current block
	MOVQ d+8(FP), DX
	MOVQ DX, CX
	ANDQ $-8, CX
	SHLQ $3, CX
	MOVQ CX, 64(SP)          // bytes of whole 8-chunks
	MOVQ DX, CX
	ANDQ $-32, CX
	SHLQ $3, CX
	MOVQ CX, 96(SP)          // bytes of whole 32-chunks
	MOVQ DX, CX
	SHLQ $3, CX
	MOVQ CX, 72(SP)          // row bytes
	// K1: the d mod 8 tail lanes.
	MOVQ DX, CX
	ANDQ $7, CX
	MOVQ $1, DI
	SHLQ CX, DI
	DECQ DI
	KMOVW DI, K1
	MOVQ $0, 88(SP)          // blocks done
	MOVQ y+32(FP), BX
	MOVQ grad+40(FP), DX

block512:
	MOVQ 88(SP), CX
	CMPQ CX, nblk+16(FP)
	JGE  done512
	MOVQ w+24(FP), DI
	MOVQ 80(SP), R8
	MOVQ 72(SP), CX
	LEAQ (R8)(CX*1), R9
	LEAQ (R9)(CX*1), R10
	LEAQ (R10)(CX*1), R11
	LEAQ (R11)(CX*1), R12
	LEAQ (R12)(CX*1), R13
	LEAQ (R13)(CX*1), SI
	LEAQ (SI)(CX*1), AX

	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	XORQ CX, CX

dot512:
	CMPQ CX, 64(SP)
	JGE  dottail512
	VMOVUPD (DI)(CX*1), Z8
	VFMADD231PD (R8)(CX*1), Z8, Z0
	VFMADD231PD (R9)(CX*1), Z8, Z1
	VFMADD231PD (R10)(CX*1), Z8, Z2
	VFMADD231PD (R11)(CX*1), Z8, Z3
	VFMADD231PD (R12)(CX*1), Z8, Z4
	VFMADD231PD (R13)(CX*1), Z8, Z5
	VFMADD231PD (SI)(CX*1), Z8, Z6
	VFMADD231PD (AX)(CX*1), Z8, Z7
	ADDQ $64, CX
	JMP  dot512

dottail512:
	KORTESTW K1, K1
	JZ   reduce512
	VMOVUPD.Z (DI)(CX*1), K1, Z8
	VFMADD231PD (R8)(CX*1), Z8, K1, Z0
	VFMADD231PD (R9)(CX*1), Z8, K1, Z1
	VFMADD231PD (R10)(CX*1), Z8, K1, Z2
	VFMADD231PD (R11)(CX*1), Z8, K1, Z3
	VFMADD231PD (R12)(CX*1), Z8, K1, Z4
	VFMADD231PD (R13)(CX*1), Z8, K1, Z5
	VFMADD231PD (SI)(CX*1), Z8, K1, Z6
	VFMADD231PD (AX)(CX*1), Z8, K1, Z7

reduce512:
	// Row k: S = lanes 0-3 + lanes 4-7; U = S[0:2] + S[2:4]; z = U[0] + U[1].
	REDUCE8

	// σ(z) − y for 8 rows, as Sigmoid and Exp compute it.
	SIGMOID512(Z0, Z10, done512)
	VSUBPD (BX), Z10, Z10                      // r = σ − y
	VMOVUPD Z10, 0(SP)

	VBROADCASTSD 0(SP), Z16
	VBROADCASTSD 8(SP), Z17
	VBROADCASTSD 16(SP), Z18
	VBROADCASTSD 24(SP), Z19
	VBROADCASTSD 32(SP), Z20
	VBROADCASTSD 40(SP), Z21
	VBROADCASTSD 48(SP), Z22
	VBROADCASTSD 56(SP), Z23
	XORQ CX, CX

axpy32x:
	CMPQ CX, 96(SP)
	JGE  axpy8x
	VMOVUPD (DX)(CX*1), Z24
	VMOVUPD 64(DX)(CX*1), Z25
	VMOVUPD 128(DX)(CX*1), Z26
	VMOVUPD 192(DX)(CX*1), Z27
	VFMADD231PD (R8)(CX*1), Z16, Z24
	VFMADD231PD 64(R8)(CX*1), Z16, Z25
	VFMADD231PD 128(R8)(CX*1), Z16, Z26
	VFMADD231PD 192(R8)(CX*1), Z16, Z27
	VFMADD231PD (R9)(CX*1), Z17, Z24
	VFMADD231PD 64(R9)(CX*1), Z17, Z25
	VFMADD231PD 128(R9)(CX*1), Z17, Z26
	VFMADD231PD 192(R9)(CX*1), Z17, Z27
	VFMADD231PD (R10)(CX*1), Z18, Z24
	VFMADD231PD 64(R10)(CX*1), Z18, Z25
	VFMADD231PD 128(R10)(CX*1), Z18, Z26
	VFMADD231PD 192(R10)(CX*1), Z18, Z27
	VFMADD231PD (R11)(CX*1), Z19, Z24
	VFMADD231PD 64(R11)(CX*1), Z19, Z25
	VFMADD231PD 128(R11)(CX*1), Z19, Z26
	VFMADD231PD 192(R11)(CX*1), Z19, Z27
	VFMADD231PD (R12)(CX*1), Z20, Z24
	VFMADD231PD 64(R12)(CX*1), Z20, Z25
	VFMADD231PD 128(R12)(CX*1), Z20, Z26
	VFMADD231PD 192(R12)(CX*1), Z20, Z27
	VFMADD231PD (R13)(CX*1), Z21, Z24
	VFMADD231PD 64(R13)(CX*1), Z21, Z25
	VFMADD231PD 128(R13)(CX*1), Z21, Z26
	VFMADD231PD 192(R13)(CX*1), Z21, Z27
	VFMADD231PD (SI)(CX*1), Z22, Z24
	VFMADD231PD 64(SI)(CX*1), Z22, Z25
	VFMADD231PD 128(SI)(CX*1), Z22, Z26
	VFMADD231PD 192(SI)(CX*1), Z22, Z27
	VFMADD231PD (AX)(CX*1), Z23, Z24
	VFMADD231PD 64(AX)(CX*1), Z23, Z25
	VFMADD231PD 128(AX)(CX*1), Z23, Z26
	VFMADD231PD 192(AX)(CX*1), Z23, Z27
	VMOVUPD Z24, (DX)(CX*1)
	VMOVUPD Z25, 64(DX)(CX*1)
	VMOVUPD Z26, 128(DX)(CX*1)
	VMOVUPD Z27, 192(DX)(CX*1)
	ADDQ $256, CX
	JMP  axpy32x

axpy8x:
	CMPQ CX, 64(SP)
	JGE  axpytail
	VMOVUPD (DX)(CX*1), Z24
	VFMADD231PD (R8)(CX*1), Z16, Z24
	VFMADD231PD (R9)(CX*1), Z17, Z24
	VFMADD231PD (R10)(CX*1), Z18, Z24
	VFMADD231PD (R11)(CX*1), Z19, Z24
	VFMADD231PD (R12)(CX*1), Z20, Z24
	VFMADD231PD (R13)(CX*1), Z21, Z24
	VFMADD231PD (SI)(CX*1), Z22, Z24
	VFMADD231PD (AX)(CX*1), Z23, Z24
	VMOVUPD Z24, (DX)(CX*1)
	ADDQ $64, CX
	JMP  axpy8x

axpytail:
	KORTESTW K1, K1
	JZ   next512
	VMOVUPD.Z (DX)(CX*1), K1, Z24
	VFMADD231PD (R8)(CX*1), Z16, K1, Z24
	VFMADD231PD (R9)(CX*1), Z17, K1, Z24
	VFMADD231PD (R10)(CX*1), Z18, K1, Z24
	VFMADD231PD (R11)(CX*1), Z19, K1, Z24
	VFMADD231PD (R12)(CX*1), Z20, K1, Z24
	VFMADD231PD (R13)(CX*1), Z21, K1, Z24
	VFMADD231PD (SI)(CX*1), Z22, K1, Z24
	VFMADD231PD (AX)(CX*1), Z23, K1, Z24
	VMOVUPD Z24, K1, (DX)(CX*1)

next512:
	MOVQ 72(SP), CX
	LEAQ (AX)(CX*1), CX
	MOVQ CX, 80(SP)
	ADDQ $64, BX
	INCQ 88(SP)
	JMP  block512

done512:
	VZEROUPPER
	MOVQ 88(SP), AX
	MOVQ AX, ret+48(FP)
	RET

// Constants of the normal sampler.
CONST4(cLayers, $1023)
CONST4(c2p52, $0x4330000000000000)  // 2^52
CONST4(c2m52, $0x3cb0000000000000)  // 2^-52

// XOSHIRO advances 4 lanes of xoshiro256++ (state S0-S3) and leaves the
// output in R, using T and U as scratch.
#define XOSHIRO(S0, S1, S2, S3, R, T, U) \
	VPADDQ S3, S0, R; \
	VPSLLQ $23, R, T; \
	VPSRLQ $41, R, R; \
	VPOR T, R, R; \
	VPADDQ S0, R, R; \
	VPSLLQ $17, S1, T; \
	VPXOR S0, S2, S2; \
	VPXOR S1, S3, S3; \
	VPXOR S2, S1, S1; \
	VPXOR S3, S0, S0; \
	VPXOR T, S2, S2; \
	VPSLLQ $45, S3, T; \
	VPSRLQ $19, S3, S3; \
	VPOR T, S3, S3

// ZIGFAST runs the rectangle test on 4 draws R: X gets ±mag·zigX[i] and
// AX the 4-bit mask of lanes inside their rectangles. Clobbers T, U, V, W.
#define ZIGFAST(R, X, T, U, V, W) \
	VPAND cLayers<>(SB), R, T; \
	VPSRLQ $12, R, X; \
	VPOR c2p52<>(SB), X, X; \
	VSUBPD c2p52<>(SB), X, X; \
	VMULPD c2m52<>(SB), X, X; \
	VPCMPEQQ U, U, U; \
	VGATHERQPD U, (R10)(T*8), V; \
	VCMPPD $0x11, V, X, W; \
	VMOVMSKPD W, AX; \
	VPCMPEQQ U, U, U; \
	VGATHERQPD U, (R11)(T*8), V; \
	VMULPD V, X, X; \
	VPSLLQ $53, R, T; \
	VPAND cSign<>(SB), T, T; \
	VXORPD T, X, X

// func normalRoundsAVX2(st *[4][8]uint64, dst *float64, rounds int, rej *[8]uint64) (done int, mask int)
TEXT ·normalRoundsAVX2(SB), NOSPLIT, $0-48
	MOVQ st+0(FP), SI
	MOVQ dst+8(FP), DI
	MOVQ rounds+16(FP), DX
	MOVQ rej+24(FP), R9
	LEAQ ·zigRatio(SB), R10
	LEAQ ·zigX(SB), R11
	VMOVDQU 0(SI), Y0        // word 0, lanes 0-3
	VMOVDQU 32(SI), Y1       // word 0, lanes 4-7
	VMOVDQU 64(SI), Y2
	VMOVDQU 96(SI), Y3
	VMOVDQU 128(SI), Y4
	VMOVDQU 160(SI), Y5
	VMOVDQU 192(SI), Y6
	VMOVDQU 224(SI), Y7
	XORQ CX, CX              // rounds done

round:
	CMPQ CX, DX
	JGE  finish
	XOSHIRO(Y0, Y2, Y4, Y6, Y8, Y9, Y10)
	ZIGFAST(Y8, Y11, Y9, Y10, Y12, Y13)
	MOVQ AX, BX
	VMOVUPD Y11, 0(DI)
	XOSHIRO(Y1, Y3, Y5, Y7, Y14, Y9, Y10)
	ZIGFAST(Y14, Y11, Y9, Y10, Y12, Y13)
	SHLQ $4, AX
	ORQ  AX, BX
	VMOVUPD Y11, 32(DI)
	CMPQ BX, $0xff
	JNE  reject
	ADDQ $64, DI
	INCQ CX
	JMP  round

reject:
	VMOVDQU Y8, 0(R9)
	VMOVDQU Y14, 32(R9)
	XORQ $0xff, BX
	MOVQ BX, mask+40(FP)
	JMP  save

finish:
	MOVQ $0, mask+40(FP)

save:
	VMOVDQU Y0, 0(SI)
	VMOVDQU Y1, 32(SI)
	VMOVDQU Y2, 64(SI)
	VMOVDQU Y3, 96(SI)
	VMOVDQU Y4, 128(SI)
	VMOVDQU Y5, 160(SI)
	VMOVDQU Y6, 192(SI)
	VMOVDQU Y7, 224(SI)
	VZEROUPPER
	MOVQ CX, done+32(FP)
	RET

// func matVecAVX512(x *float64, d int, nblk int, v *float64, out *float64)
//
// out_i = ⟨x_i, v⟩ for blocks of 8 rows, in the canonical 8-lane order.
TEXT ·matVecAVX512(SB), NOSPLIT, $16-40
	MOVQ x+0(FP), R8
	MOVQ d+8(FP), DX
	MOVQ nblk+16(FP), BX
	MOVQ v+24(FP), DI
	MOVQ out+32(FP), CX
	MOVQ CX, 0(SP)           // out
	MOVQ DX, CX
	ANDQ $-8, CX
	SHLQ $3, CX
	MOVQ CX, 8(SP)           // bytes of whole 8-chunks
	MOVQ DX, CX
	ANDQ $7, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1             // tail lanes
	SHLQ $3, DX              // row bytes

mvblock512:
	TESTQ BX, BX
	JZ   mvdone512
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R11
	LEAQ (R11)(DX*1), R12
	LEAQ (R12)(DX*1), R13
	LEAQ (R13)(DX*1), SI
	LEAQ (SI)(DX*1), AX
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	XORQ CX, CX

mvdot512:
	CMPQ CX, 8(SP)
	JGE  mvtail512
	VMOVUPD (DI)(CX*1), Z8
	VFMADD231PD (R8)(CX*1), Z8, Z0
	VFMADD231PD (R9)(CX*1), Z8, Z1
	VFMADD231PD (R10)(CX*1), Z8, Z2
	VFMADD231PD (R11)(CX*1), Z8, Z3
	VFMADD231PD (R12)(CX*1), Z8, Z4
	VFMADD231PD (R13)(CX*1), Z8, Z5
	VFMADD231PD (SI)(CX*1), Z8, Z6
	VFMADD231PD (AX)(CX*1), Z8, Z7
	ADDQ $64, CX
	JMP  mvdot512

mvtail512:
	KORTESTW K1, K1
	JZ   mvreduce512
	VMOVUPD.Z (DI)(CX*1), K1, Z8
	VFMADD231PD (R8)(CX*1), Z8, K1, Z0
	VFMADD231PD (R9)(CX*1), Z8, K1, Z1
	VFMADD231PD (R10)(CX*1), Z8, K1, Z2
	VFMADD231PD (R11)(CX*1), Z8, K1, Z3
	VFMADD231PD (R12)(CX*1), Z8, K1, Z4
	VFMADD231PD (R13)(CX*1), Z8, K1, Z5
	VFMADD231PD (SI)(CX*1), Z8, K1, Z6
	VFMADD231PD (AX)(CX*1), Z8, K1, Z7

mvreduce512:
	REDUCE8
	MOVQ 0(SP), CX
	VMOVUPD Z0, (CX)
	ADDQ $64, 0(SP)
	LEAQ (AX)(DX*1), R8
	DECQ BX
	JMP  mvblock512

mvdone512:
	VZEROUPPER
	RET

// func matVecAVX2(x *float64, d int, nblk int, v *float64, out *float64)
//
// out_i = ⟨x_i, v⟩ for blocks of 4 rows, in the canonical 8-lane order.
TEXT ·matVecAVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), R8
	MOVQ d+8(FP), DX
	MOVQ nblk+16(FP), BX
	MOVQ v+24(FP), DI
	MOVQ out+32(FP), R12
	MOVQ DX, R13
	ANDQ $-8, R13
	SHLQ $3, R13             // bytes of whole 8-chunks
	// Tail masks: Y12 lanes 0-3, Y13 lanes 4-7.
	MOVQ DX, AX
	ANDQ $7, AX
	MOVQ AX, CX
	CMPQ CX, $4
	JLE  mvmasklo
	MOVQ $4, CX
mvmasklo:
	SHLQ $5, CX
	LEAQ maskTab<>(SB), SI
	VMOVUPD (SI)(CX*1), Y12
	SUBQ $4, AX
	JGE  mvmaskhi
	XORQ AX, AX
mvmaskhi:
	SHLQ $5, AX
	VMOVUPD (SI)(AX*1), Y13
	SHLQ $3, DX              // row bytes

mvblock2:
	TESTQ BX, BX
	JZ   mvdone2
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ CX, CX

mvdot2:
	CMPQ CX, R13
	JGE  mvtail2
	VMOVUPD (DI)(CX*1), Y8
	VMOVUPD 32(DI)(CX*1), Y9
	VFMADD231PD (R8)(CX*1), Y8, Y0
	VFMADD231PD 32(R8)(CX*1), Y9, Y1
	VFMADD231PD (R9)(CX*1), Y8, Y2
	VFMADD231PD 32(R9)(CX*1), Y9, Y3
	VFMADD231PD (R10)(CX*1), Y8, Y4
	VFMADD231PD 32(R10)(CX*1), Y9, Y5
	VFMADD231PD (R11)(CX*1), Y8, Y6
	VFMADD231PD 32(R11)(CX*1), Y9, Y7
	ADDQ $64, CX
	JMP  mvdot2

mvtail2:
	CMPQ CX, DX
	JGE  mvreduce2
	VMASKMOVPD (DI)(CX*1), Y12, Y8
	VMASKMOVPD 32(DI)(CX*1), Y13, Y9
	DOTTAIL(R8, Y0, Y1)
	DOTTAIL(R9, Y2, Y3)
	DOTTAIL(R10, Y4, Y5)
	DOTTAIL(R11, Y6, Y7)

mvreduce2:
	REDUCE4
	VMOVUPD Y0, (R12)
	ADDQ $32, R12
	LEAQ (R11)(DX*1), R8
	DECQ BX
	JMP  mvblock2

mvdone2:
	VZEROUPPER
	RET

// func sigmoidAVX512(z *float64, scale float64, y *float64, out *float64, nblk int) int
//
// out_i = σ(scale·z_i) − y_i for blocks of 8; returns the blocks done (fewer
// than nblk: the next block needs the Go path).
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-48
	MOVQ z+0(FP), SI
	VBROADCASTSD scale+8(FP), Z12
	MOVQ y+16(FP), BX
	MOVQ out+24(FP), DX
	MOVQ nblk+32(FP), R8
	XORQ CX, CX
sgloop512:
	CMPQ CX, R8
	JGE  sgdone512
	VMULPD (SI), Z12, Z0
	SIGMOID512(Z0, Z10, sgdone512)
	VSUBPD (BX), Z10, Z10
	VMOVUPD Z10, (DX)
	ADDQ $64, SI
	ADDQ $64, BX
	ADDQ $64, DX
	INCQ CX
	JMP  sgloop512
sgdone512:
	VZEROUPPER
	MOVQ CX, ret+40(FP)
	RET

// func axpyRowsAVX512(x *float64, d int, nblk int, coef *float64, grad *float64)
//
// grad += coef_0·x_0 + … + coef_7·x_7 for blocks of 8 rows, element by
// element in row order (the pure-Go axpy row after row).
TEXT ·axpyRowsAVX512(SB), NOSPLIT, $24-40
	MOVQ x+0(FP), R8
	MOVQ d+8(FP), DX
	MOVQ coef+24(FP), BX
	MOVQ grad+32(FP), DI
	MOVQ DX, CX
	ANDQ $-8, CX
	SHLQ $3, CX
	MOVQ CX, 0(SP)           // bytes of whole 8-chunks
	MOVQ DX, CX
	ANDQ $7, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	SHLQ $3, DX              // row bytes
	MOVQ nblk+16(FP), CX
	MOVQ CX, 8(SP)
arblock:
	CMPQ 8(SP), $0
	JE   ardone
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R11
	LEAQ (R11)(DX*1), R12
	LEAQ (R12)(DX*1), R13
	LEAQ (R13)(DX*1), SI
	LEAQ (SI)(DX*1), AX
	VBROADCASTSD 0(BX), Z16
	VBROADCASTSD 8(BX), Z17
	VBROADCASTSD 16(BX), Z18
	VBROADCASTSD 24(BX), Z19
	VBROADCASTSD 32(BX), Z20
	VBROADCASTSD 40(BX), Z21
	VBROADCASTSD 48(BX), Z22
	VBROADCASTSD 56(BX), Z23
	XORQ CX, CX
arloop:
	CMPQ CX, 0(SP)
	JGE  artail
	VMOVUPD (DI)(CX*1), Z24
	VFMADD231PD (R8)(CX*1), Z16, Z24
	VFMADD231PD (R9)(CX*1), Z17, Z24
	VFMADD231PD (R10)(CX*1), Z18, Z24
	VFMADD231PD (R11)(CX*1), Z19, Z24
	VFMADD231PD (R12)(CX*1), Z20, Z24
	VFMADD231PD (R13)(CX*1), Z21, Z24
	VFMADD231PD (SI)(CX*1), Z22, Z24
	VFMADD231PD (AX)(CX*1), Z23, Z24
	VMOVUPD Z24, (DI)(CX*1)
	ADDQ $64, CX
	JMP  arloop
artail:
	KORTESTW K1, K1
	JZ   arnext
	VMOVUPD.Z (DI)(CX*1), K1, Z24
	VFMADD231PD (R8)(CX*1), Z16, K1, Z24
	VFMADD231PD (R9)(CX*1), Z17, K1, Z24
	VFMADD231PD (R10)(CX*1), Z18, K1, Z24
	VFMADD231PD (R11)(CX*1), Z19, K1, Z24
	VFMADD231PD (R12)(CX*1), Z20, K1, Z24
	VFMADD231PD (R13)(CX*1), Z21, K1, Z24
	VFMADD231PD (SI)(CX*1), Z22, K1, Z24
	VFMADD231PD (AX)(CX*1), Z23, K1, Z24
	VMOVUPD Z24, K1, (DI)(CX*1)
arnext:
	LEAQ (AX)(DX*1), R8
	ADDQ $64, BX
	DECQ 8(SP)
	JMP  arblock
ardone:
	VZEROUPPER
	RET

// func normalRoundsAVX512(st *[4][8]uint64, dst *float64, rounds int, rej *[8]uint64) (done int, mask int)
//
// normalRoundsAVX2 with all 8 lanes in one register.
TEXT ·normalRoundsAVX512(SB), NOSPLIT, $0-48
	MOVQ st+0(FP), SI
	MOVQ dst+8(FP), DI
	MOVQ rounds+16(FP), DX
	MOVQ rej+24(FP), R9
	LEAQ ·zigRatio(SB), R10
	LEAQ ·zigX(SB), R11
	VMOVDQU64 0(SI), Z0
	VMOVDQU64 64(SI), Z1
	VMOVDQU64 128(SI), Z2
	VMOVDQU64 192(SI), Z3
	XORQ CX, CX

round512:
	CMPQ CX, DX
	JGE  finish512
	// xoshiro256++ on 8 lanes: R = rotl(s0+s3, 23) + s0, then the state.
	VPADDQ Z3, Z0, Z4
	VPROLQ $23, Z4, Z4
	VPADDQ Z0, Z4, Z4
	VPSLLQ $17, Z1, Z5
	VPXORQ Z0, Z2, Z2
	VPXORQ Z1, Z3, Z3
	VPXORQ Z2, Z1, Z1
	VPXORQ Z3, Z0, Z0
	VPXORQ Z5, Z2, Z2
	VPROLQ $45, Z3, Z3
	// The rectangle test.
	VPANDQ.BCST cLayers<>(SB), Z4, Z5           // layer i
	VPSRLQ $12, Z4, Z6
	VPORQ.BCST c2p52<>(SB), Z6, Z6
	VSUBPD.BCST c2p52<>(SB), Z6, Z6
	VMULPD.BCST c2m52<>(SB), Z6, Z6           // magnitude
	KXNORW K1, K1, K1
	VGATHERQPD (R10)(Z5*8), K1, Z7            // zigRatio[i]
	VCMPPD $0x11, Z7, Z6, K2                  // magnitude < ratio
	KMOVW K2, AX
	KXNORW K1, K1, K1
	VGATHERQPD (R11)(Z5*8), K1, Z8            // zigX[i]
	VMULPD Z8, Z6, Z6
	VPSLLQ $53, Z4, Z9
	VPANDQ.BCST cSign<>(SB), Z9, Z9
	VPXORQ Z9, Z6, Z6                         // sign from bit 10
	VMOVUPD Z6, (DI)
	CMPQ AX, $0xff
	JNE  reject512
	ADDQ $64, DI
	INCQ CX
	JMP  round512

reject512:
	VMOVDQU64 Z4, (R9)
	XORQ $0xff, AX
	MOVQ AX, mask+40(FP)
	JMP  save512

finish512:
	MOVQ $0, mask+40(FP)

save512:
	VMOVDQU64 Z0, 0(SI)
	VMOVDQU64 Z1, 64(SI)
	VMOVDQU64 Z2, 128(SI)
	VMOVDQU64 Z3, 192(SI)
	VZEROUPPER
	MOVQ CX, done+32(FP)
	RET

// func syrkRowsAVX512(x *float64, d int, coef *float64, h *float64)
//
// For one block of 8 rows x_0…x_7 of length d: for j = 0 … d−1,
// h[j][0:j+1] += Σ_k coef[8j+k]·x_k[0:j+1], element by element in k order
// (the lower triangle of a weighted Gram matrix, as the pure-Go loop
// builds it row after row).
TEXT ·syrkRowsAVX512(SB), NOSPLIT, $32-32
	MOVQ x+0(FP), R8
	MOVQ d+8(FP), DX
	MOVQ coef+16(FP), BX
	MOVQ BX, 24(SP)          // coef of row j
	MOVQ h+24(FP), DI
	MOVQ DX, 8(SP)           // d
	SHLQ $3, DX              // row bytes
	MOVQ DX, 16(SP)
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R11
	LEAQ (R11)(DX*1), R12
	LEAQ (R12)(DX*1), R13
	LEAQ (R13)(DX*1), SI
	LEAQ (SI)(DX*1), AX
	XORQ DX, DX              // j

syrkrow:
	CMPQ DX, 8(SP)
	JGE  syrkdone
	MOVQ 24(SP), BX
	VBROADCASTSD 0(BX), Z16
	VBROADCASTSD 8(BX), Z17
	VBROADCASTSD 16(BX), Z18
	VBROADCASTSD 24(BX), Z19
	VBROADCASTSD 32(BX), Z20
	VBROADCASTSD 40(BX), Z21
	VBROADCASTSD 48(BX), Z22
	VBROADCASTSD 56(BX), Z23
	// length j+1: whole chunks' bytes at 0(SP), tail lanes in K1.
	LEAQ 1(DX), CX
	ANDQ $-8, CX
	SHLQ $3, CX
	MOVQ CX, 0(SP)
	LEAQ 1(DX), CX
	ANDQ $7, CX
	MOVQ $1, BX
	SHLQ CX, BX
	DECQ BX
	KMOVW BX, K1
	XORQ CX, CX
syrkchunk:
	CMPQ CX, 0(SP)
	JGE  syrktail
	VMOVUPD (DI)(CX*1), Z24
	VFMADD231PD (R8)(CX*1), Z16, Z24
	VFMADD231PD (R9)(CX*1), Z17, Z24
	VFMADD231PD (R10)(CX*1), Z18, Z24
	VFMADD231PD (R11)(CX*1), Z19, Z24
	VFMADD231PD (R12)(CX*1), Z20, Z24
	VFMADD231PD (R13)(CX*1), Z21, Z24
	VFMADD231PD (SI)(CX*1), Z22, Z24
	VFMADD231PD (AX)(CX*1), Z23, Z24
	VMOVUPD Z24, (DI)(CX*1)
	ADDQ $64, CX
	JMP  syrkchunk
syrktail:
	KORTESTW K1, K1
	JZ   syrknext
	VMOVUPD.Z (DI)(CX*1), K1, Z24
	VFMADD231PD (R8)(CX*1), Z16, K1, Z24
	VFMADD231PD (R9)(CX*1), Z17, K1, Z24
	VFMADD231PD (R10)(CX*1), Z18, K1, Z24
	VFMADD231PD (R11)(CX*1), Z19, K1, Z24
	VFMADD231PD (R12)(CX*1), Z20, K1, Z24
	VFMADD231PD (R13)(CX*1), Z21, K1, Z24
	VFMADD231PD (SI)(CX*1), Z22, K1, Z24
	VFMADD231PD (AX)(CX*1), Z23, K1, Z24
	VMOVUPD Z24, K1, (DI)(CX*1)
syrknext:
	ADDQ 16(SP), DI
	ADDQ $64, 24(SP)
	INCQ DX
	JMP  syrkrow
syrkdone:
	VZEROUPPER
	RET

// func dotAVX512(x *float64, y *float64, n int) float64
//
// Σ x_j·y_j in the canonical 8-lane order and reduction tree.
TEXT ·dotAVX512(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), DX
	MOVQ DX, BX
	ANDQ $-8, BX
	SHLQ $3, BX
	MOVQ DX, CX
	ANDQ $7, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	VPXORQ Z0, Z0, Z0
	XORQ CX, CX
dotloop1:
	CMPQ CX, BX
	JGE  dottail1
	VMOVUPD (DI)(CX*1), Z1
	VFMADD231PD (SI)(CX*1), Z1, Z0
	ADDQ $64, CX
	JMP  dotloop1
dottail1:
	KORTESTW K1, K1
	JZ   dotreduce1
	VMOVUPD.Z (DI)(CX*1), K1, Z1
	VFMADD231PD (SI)(CX*1), Z1, K1, Z0
dotreduce1:
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0
	VZEROUPPER
	MOVSD X0, ret+24(FP)
	RET
