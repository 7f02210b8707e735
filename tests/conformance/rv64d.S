/* RV64D: FLD, FSD, FADD/FSUB/FMUL/FDIV/FSQRT.D, FMADD/FMSUB/FNMSUB/FNMADD.D,
 * FMIN/FMAX.D, FSGNJ/FSGNJN/FSGNJX.D, FMV.X.D, FMV.D.X, FCVT.{W,WU,L,LU}.D,
 * FCVT.D.{W,WU,L,LU}, FCVT.S.D, FCVT.D.S, FEQ/FLT/FLE.D, FCLASS.D.
 * Rounding modes, flags, canonical NaN, +-0 / NaN in fmin/fmax, saturation,
 * fclass of every class, NaN-boxing of FCVT.S.D results and of FCVT.D.S input. */
#include "test.h"

#define D1     0x3ff0000000000000
#define D2     0x4000000000000000
#define D3     0x4008000000000000
#define DHALF  0x3fe0000000000000
#define DM1    0xbff0000000000000
#define DPZ    0x0000000000000000
#define DNZ    0x8000000000000000
#define DPINF  0x7ff0000000000000
#define DNINF  0xfff0000000000000
#define DQNAN  0x7ff8000000000000
#define DSNAN  0x7ff0000000000001
#define DMAX   0x7fefffffffffffff
#define DTINY  0x3ca0000000000000     /* 2^-53: half an ulp of 1.0 */
#define DCNAN  0x7ff8000000000000

    .text
    .globl test_main
test_main:
    TEST_FP(1, 0, D3, D1, D2, 0, fadd.d f3, f0, f1)
    TEST_FP(2, 0, DM1, D1, D2, 0, fsub.d f3, f0, f1)
    TEST_FP(3, 0, 0x4018000000000000, D2, D3, 0, fmul.d f3, f0, f1)
    TEST_FP(4, FF_NX, 0x3fd5555555555555, D1, D3, 0, fdiv.d f3, f0, f1)
    TEST_FP(5, FF_NX, 0x3fd5555555555556, D1, D3, 0, fdiv.d f3, f0, f1, rup)
    TEST_FP(6, FF_NX, 0x3ff6a09e667f3bcd, D2, 0, 0, fsqrt.d f3, f0)
    TEST_FP(7, 0, D2, 0x4010000000000000, 0, 0, fsqrt.d f3, f0)
    TEST_FP(8, FF_NV, DCNAN, DM1, 0, 0, fsqrt.d f3, f0)
    TEST_FP(9, 0, DNZ, DNZ, 0, 0, fsqrt.d f3, f0)
    TEST_FP(10, FF_NV, DCNAN, DPINF, DNINF, 0, fadd.d f3, f0, f1)
    TEST_FP(11, FF_NV, DCNAN, DNZ, DPINF, 0, fmul.d f3, f0, f1)
    TEST_FP(12, FF_DZ, DNINF, D1, DNZ, 0, fdiv.d f3, f0, f1)
    TEST_FP(13, FF_NV, DCNAN, DPINF, DPINF, 0, fdiv.d f3, f0, f1)
    TEST_FP(14, FF_OF | FF_NX, DPINF, DMAX, D2, 0, fmul.d f3, f0, f1)
    TEST_FP(15, FF_OF | FF_NX, DMAX, DMAX, D2, 0, fmul.d f3, f0, f1, rdn)
    TEST_FP(16, FF_UF | FF_NX, 0x0008000000000000, 0x0010000000000001, DHALF, 0, fmul.d f3, f0, f1)
    TEST_FP(17, 0, 0x0008000000000000, 0x0010000000000000, DHALF, 0, fmul.d f3, f0, f1)
    TEST_FP(18, 0, DNZ, D1, DM1, 0, fadd.d f3, f0, f1, rdn)
    TEST_FP(19, 0, DCNAN, 0x7ff8000000012345, D1, 0, fadd.d f3, f0, f1)
    TEST_FP(20, FF_NV, DCNAN, D1, DSNAN, 0, fsub.d f3, f0, f1)

    /* rounding modes on a tie: 1 + 2^-53 */
    TEST_FP(30, FF_NX, D1, D1, DTINY, 0, fadd.d f3, f0, f1, rne)
    TEST_FP(31, FF_NX, D1, D1, DTINY, 0, fadd.d f3, f0, f1, rtz)
    TEST_FP(32, FF_NX, D1, D1, DTINY, 0, fadd.d f3, f0, f1, rdn)
    TEST_FP(33, FF_NX, 0x3ff0000000000001, D1, DTINY, 0, fadd.d f3, f0, f1, rup)
    TEST_FP(34, FF_NX, 0x3ff0000000000001, D1, DTINY, 0, fadd.d f3, f0, f1, rmm)
    TEST_FP(35, FF_NX, 0xbff0000000000001, DM1, 0xbca0000000000000, 0, fadd.d f3, f0, f1, rdn)
    TEST_FP(36, FF_NX, 0x3ff0000000000001, D1, DTINY, 0, fsrmi RM_RUP; fadd.d f3, f0, f1, dyn)
    TEST_FP(37, FF_NX, 0x3ff0000000000001, D1, DTINY, 0, fsrmi RM_RMM; fadd.d f3, f0, f1)
    TEST_FP(38, FF_NX, D1, D1, DTINY, 0, fsrmi RM_RNE; fadd.d f3, f0, f1)
    TEST_ILLEGAL(39, .word 0x021051d3)     /* fadd.d f3, f0, f1, rm=5 */

    /* FMA */
    TEST_FP(40, 0, 0x4014000000000000, D1, D2, D3, fmadd.d f3, f0, f1, f2)
    TEST_FP(41, 0, DM1, D1, D2, D3, fmsub.d f3, f0, f1, f2)
    TEST_FP(42, 0, D1, D1, D2, D3, fnmsub.d f3, f0, f1, f2)
    TEST_FP(43, 0, 0xc014000000000000, D1, D2, D3, fnmadd.d f3, f0, f1, f2)
    TEST_FP(44, FF_NV, DCNAN, DPZ, DNINF, DQNAN, fmadd.d f3, f0, f1, f2)
    /* (1+2^-52)(1-2^-52) - 1 = -2^-104 exactly (fused) */
    TEST_FP(45, 0, 0xb970000000000000, 0x3ff0000000000001, 0x3feffffffffffffe, D1, fmsub.d f3, f0, f1, f2)

    /* min / max */
    TEST_FP(50, 0, DNZ, DPZ, DNZ, 0, fmin.d f3, f0, f1)
    TEST_FP(51, 0, DPZ, DNZ, DPZ, 0, fmax.d f3, f0, f1)
    TEST_FP(52, 0, D1, DQNAN, D1, 0, fmin.d f3, f0, f1)
    TEST_FP(53, FF_NV, D1, D1, DSNAN, 0, fmax.d f3, f0, f1)
    TEST_FP(54, 0, DCNAN, 0x7ff8000000000abc, 0xfff8000000000000, 0, fmax.d f3, f0, f1)
    TEST_FP(55, FF_NV, DCNAN, DSNAN, DSNAN, 0, fmin.d f3, f0, f1)
    TEST_FP(56, 0, DM1, D2, DM1, 0, fmin.d f3, f0, f1)

    /* sign injection, moves */
    TEST_FP(60, 0, 0xfff0000000000001, DSNAN, DM1, 0, fsgnj.d f3, f0, f1)
    TEST_FP(61, 0, 0x7ff0000000000001, DSNAN, DM1, 0, fsgnjn.d f3, f0, f1)
    TEST_FP(62, 0, 0x3ff0000000000000, DM1, DM1, 0, fsgnjx.d f3, f0, f1)
    TEST_FP(63, 0, 0xbff0000000000000, DM1, D1, 0, fsgnjx.d f3, f0, f1)
    TEST_FP(64, 0, 0x7ff8000000000000, 0xfff8000000000000, 0, 0, fabs.d f3, f0)
    TEST_FP_INT(65, 0, 0x7ff0000000000001, DSNAN, 0, 0, fmv.x.d a0, f0)
    TEST_FP(66, 0, 0x123456789abcdef0, 0, 0, 0, li a1, 0x123456789abcdef0; fmv.d.x f3, a1)
    TEST_FP_INT(67, 0, 0x7ff0000000000001, DSNAN, 0, 0, la a1, ddata; fsd f0, 8(a1); ld a0, 8(a1))
    TEST_FP(68, 0, 0xfedcba9876543210, 0, 0, 0, la a1, ddata; fld f3, 0(a1))
    /* a single-precision result is NaN-boxed; a double read as single is not boxed */
    TEST_FP(69, 0, BOX(0x7fc00000), 0x3ff0000000000000, BOX(0x3f800000), 0, fadd.s f3, f0, f1)

    /* precision conversions */
    TEST_FP(70, 0, BOX(0x3f800000), D1, 0, 0, fcvt.s.d f3, f0)
    TEST_FP(71, FF_NX, BOX(0x3eaaaaab), 0x3fd5555555555555, 0, 0, fcvt.s.d f3, f0)
    TEST_FP(72, FF_NX, BOX(0x3eaaaaaa), 0x3fd5555555555555, 0, 0, fcvt.s.d f3, f0, rtz)
    TEST_FP(73, FF_OF | FF_NX, BOX(0x7f800000), DMAX, 0, 0, fcvt.s.d f3, f0)
    TEST_FP(74, FF_OF | FF_NX, BOX(0x7f7fffff), DMAX, 0, 0, fcvt.s.d f3, f0, rtz)
    TEST_FP(75, FF_NV, BOX(0x7fc00000), DSNAN, 0, 0, fcvt.s.d f3, f0)
    TEST_FP(76, 0, BOX(0x7fc00000), 0x7ff8000012345678, 0, 0, fcvt.s.d f3, f0)
    TEST_FP(77, FF_UF | FF_NX, BOX(0x00000000), 0x3690000000000000, 0, 0, fcvt.s.d f3, f0)  /* 2^-150 */
    TEST_FP(78, 0, D1, BOX(0x3f800000), 0, 0, fcvt.d.s f3, f0)
    TEST_FP(79, 0, 0x3810000000000000, BOX(0x00800000), 0, 0, fcvt.d.s f3, f0)
    TEST_FP(80, 0, 0x36a0000000000000, BOX(0x00000001), 0, 0, fcvt.d.s f3, f0)   /* subnormal -> normal */
    TEST_FP(81, FF_NV, DCNAN, BOX(0x7f800001), 0, 0, fcvt.d.s f3, f0)
    TEST_FP(82, 0, DCNAN, 0x000000003f800000, 0, 0, fcvt.d.s f3, f0)             /* unboxed input */
    TEST_FP(83, 0, DNINF, BOX(0xff800000), 0, 0, fcvt.d.s f3, f0)

    /* to integer */
    TEST_FP_INT(90, 0, 0x7fffffff, 0x41dfffffffc00000, 0, 0, fcvt.w.d a0, f0)
    TEST_FP_INT(91, FF_NX, 0x7fffffff, 0x41dfffffffe00000, 0, 0, fcvt.w.d a0, f0, rtz)   /* 2^31-0.5 */
    TEST_FP_INT(92, FF_NV, 0x7fffffff, 0x41dfffffffe00000, 0, 0, fcvt.w.d a0, f0, rne)   /* rounds to 2^31 */
    TEST_FP_INT(93, 0, 0xffffffff80000000, 0xc1e0000000000000, 0, 0, fcvt.w.d a0, f0)
    TEST_FP_INT(94, FF_NV, 0xffffffff80000000, 0xc1e0000000200000, 0, 0, fcvt.w.d a0, f0, rtz)
    TEST_FP_INT(95, FF_NV, 0x7fffffff, DQNAN, 0, 0, fcvt.w.d a0, f0)
    TEST_FP_INT(96, FF_NX, -1, 0xbff8000000000000, 0, 0, fcvt.w.d a0, f0, rtz)
    TEST_FP_INT(97, FF_NX, -2, 0xbff8000000000000, 0, 0, fcvt.w.d a0, f0, rne)
    TEST_FP_INT(98, FF_NX, -1, 0xbff8000000000000, 0, 0, fcvt.w.d a0, f0, rup)
    TEST_FP_INT(99, FF_NX, -2, 0xbff8000000000000, 0, 0, fcvt.w.d a0, f0, rmm)
    TEST_FP_INT(100, 0, 0xffffffffffffffff, 0x41efffffffe00000, 0, 0, fcvt.wu.d a0, f0)  /* 2^32-1 */
    TEST_FP_INT(101, FF_NV, 0xffffffffffffffff, 0x41f0000000000000, 0, 0, fcvt.wu.d a0, f0)
    TEST_FP_INT(102, FF_NV, 0, DM1, 0, 0, fcvt.wu.d a0, f0, rtz)
    TEST_FP_INT(103, FF_NX, 0, 0xbfe0000000000000, 0, 0, fcvt.wu.d a0, f0, rtz)
    TEST_FP_INT(104, FF_NV, 0xffffffffffffffff, DSNAN, 0, 0, fcvt.wu.d a0, f0)
    TEST_FP_INT(105, FF_NV, 0x7fffffffffffffff, 0x43e0000000000000, 0, 0, fcvt.l.d a0, f0)
    TEST_FP_INT(106, 0, 0x8000000000000000, 0xc3e0000000000000, 0, 0, fcvt.l.d a0, f0)
    TEST_FP_INT(107, FF_NV, 0x8000000000000000, DNINF, 0, 0, fcvt.l.d a0, f0)
    TEST_FP_INT(108, FF_NV, 0x7fffffffffffffff, DQNAN, 0, 0, fcvt.l.d a0, f0)
    TEST_FP_INT(109, 0, 0x7ffffffffffffc00, 0x43dfffffffffffff, 0, 0, fcvt.l.d a0, f0)
    TEST_FP_INT(110, FF_NX, 3, 0x4004000000000000, 0, 0, fcvt.l.d a0, f0, rup)          /* 2.5 */
    TEST_FP_INT(111, 0, 0x8000000000000000, 0x43e0000000000000, 0, 0, fcvt.lu.d a0, f0)
    TEST_FP_INT(112, FF_NV, 0xffffffffffffffff, 0x43f0000000000000, 0, 0, fcvt.lu.d a0, f0)
    TEST_FP_INT(113, FF_NV, 0, DNINF, 0, 0, fcvt.lu.d a0, f0)
    TEST_FP_INT(114, FF_NV, 0xffffffffffffffff, DQNAN, 0, 0, fcvt.lu.d a0, f0)
    TEST_FP_INT(115, FF_NX, 0, 0xbfe0000000000000, 0, 0, fcvt.lu.d a0, f0, rtz)

    /* from integer */
    TEST_FP(120, 0, DM1, 0, 0, 0, li a1, 0xffffffff; fcvt.d.w f3, a1)        /* low word -1 */
    TEST_FP(121, 0, 0x41efffffffe00000, 0, 0, 0, li a1, -1; fcvt.d.wu f3, a1)
    TEST_FP(122, FF_NX, 0x43e0000000000000, 0, 0, 0, li a1, 0x7fffffffffffffff; fcvt.d.l f3, a1)
    TEST_FP(123, FF_NX, 0x43dfffffffffffff, 0, 0, 0, li a1, 0x7fffffffffffffff; fcvt.d.l f3, a1, rtz)
    TEST_FP(124, 0, 0xc3e0000000000000, 0, 0, 0, li a1, 0x8000000000000000; fcvt.d.l f3, a1)
    TEST_FP(125, FF_NX, 0x43f0000000000000, 0, 0, 0, li a1, -1; fcvt.d.lu f3, a1)
    TEST_FP(126, 0, DPZ, 0, 0, 0, fcvt.d.l f3, x0)
    TEST_FP(127, 0, 0xc1e0000000000000, 0, 0, 0, li a1, 0x80000000; fcvt.d.w f3, a1)

    /* compares */
    TEST_FP_INT(130, 0, 1, DNZ, DPZ, 0, feq.d a0, f0, f1)
    TEST_FP_INT(131, 0, 0, DQNAN, D1, 0, feq.d a0, f0, f1)
    TEST_FP_INT(132, FF_NV, 0, DSNAN, D1, 0, feq.d a0, f0, f1)
    TEST_FP_INT(133, FF_NV, 0, DQNAN, D1, 0, flt.d a0, f0, f1)
    TEST_FP_INT(134, 0, 1, DM1, D1, 0, flt.d a0, f0, f1)
    TEST_FP_INT(135, 0, 0, D1, D1, 0, flt.d a0, f0, f1)
    TEST_FP_INT(136, 0, 1, D1, D1, 0, fle.d a0, f0, f1)
    TEST_FP_INT(137, FF_NV, 0, D1, DQNAN, 0, fle.d a0, f0, f1)

    /* fclass */
    TEST_FP_INT(140, 0, 0x001, DNINF, 0, 0, fclass.d a0, f0)
    TEST_FP_INT(141, 0, 0x002, DM1, 0, 0, fclass.d a0, f0)
    TEST_FP_INT(142, 0, 0x004, 0x800fffffffffffff, 0, 0, fclass.d a0, f0)
    TEST_FP_INT(143, 0, 0x008, DNZ, 0, 0, fclass.d a0, f0)
    TEST_FP_INT(144, 0, 0x010, DPZ, 0, 0, fclass.d a0, f0)
    TEST_FP_INT(145, 0, 0x020, 0x0000000000000001, 0, 0, fclass.d a0, f0)
    TEST_FP_INT(146, 0, 0x040, DMAX, 0, 0, fclass.d a0, f0)
    TEST_FP_INT(147, 0, 0x080, DPINF, 0, 0, fclass.d a0, f0)
    TEST_FP_INT(148, 0, 0x100, DSNAN, 0, 0, fclass.d a0, f0)
    TEST_FP_INT(149, 0, 0x200, DQNAN, 0, 0, fclass.d a0, f0)
    TEST_FP_INT(150, 0, 0x200, BOX(0x3f800000), 0, 0, fclass.d a0, f0)   /* boxed single = a NaN as double */
    TEST_PASS

    .data
    .balign 8
ddata:
    .dword 0xfedcba9876543210, 0
