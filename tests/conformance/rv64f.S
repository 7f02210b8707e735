/* RV64F: FLW, FSW, FADD/FSUB/FMUL/FDIV/FSQRT.S, FMADD/FMSUB/FNMSUB/FNMADD.S,
 * FMIN/FMAX.S, FSGNJ/FSGNJN/FSGNJX.S, FMV.X.W, FMV.W.X, FCVT.{W,WU,L,LU}.S,
 * FCVT.S.{W,WU,L,LU}, FEQ/FLT/FLE.S, FCLASS.S, fcsr/frm/fflags access.
 * Covers: static and dynamic rounding modes (all five), fflags values,
 * NaN-boxing (a non-boxed single reads as the canonical NaN), canonical NaN
 * results, fmin/fmax with +-0 and NaNs, conversion saturation and NV, fclass
 * for every class, sign-injection bit exactness, reserved rounding modes. */
#include "test.h"

#define ONE    BOX(0x3f800000)
#define TWO    BOX(0x40000000)
#define THREE  BOX(0x40400000)
#define HALF   BOX(0x3f000000)
#define MONE   BOX(0xbf800000)
#define PZERO  BOX(0x00000000)
#define NZERO  BOX(0x80000000)
#define PINF   BOX(0x7f800000)
#define NINF   BOX(0xff800000)
#define QNAN   BOX(0x7fc00000)
#define SNAN   BOX(0x7f800001)
#define FMAX   BOX(0x7f7fffff)
#define TINY   BOX(0x33800000)       /* 2^-24: half an ulp of 1.0 */
#define CNAN   BOX(0x7fc00000)       /* canonical NaN result */

    .text
    .globl test_main
test_main:
    /* arithmetic, RNE */
    TEST_FP(1, 0, THREE, ONE, TWO, 0, fadd.s f3, f0, f1)
    TEST_FP(2, 0, MONE, ONE, TWO, 0, fsub.s f3, f0, f1)
    TEST_FP(3, 0, BOX(0x40c00000), TWO, THREE, 0, fmul.s f3, f0, f1)
    TEST_FP(4, FF_NX, BOX(0x3eaaaaab), ONE, THREE, 0, fdiv.s f3, f0, f1)
    TEST_FP(5, 0, TWO, BOX(0x40800000), 0, 0, fsqrt.s f3, f0)
    TEST_FP(6, FF_NX, BOX(0x3fb504f3), TWO, 0, 0, fsqrt.s f3, f0)
    TEST_FP(7, 0, NZERO, NZERO, 0, 0, fsqrt.s f3, f0)
    TEST_FP(8, FF_NV, CNAN, MONE, 0, 0, fsqrt.s f3, f0)
    TEST_FP(9, FF_NV, CNAN, PINF, PINF, 0, fsub.s f3, f0, f1)
    TEST_FP(10, FF_NV, CNAN, PZERO, PINF, 0, fmul.s f3, f0, f1)
    TEST_FP(11, FF_DZ, PINF, ONE, PZERO, 0, fdiv.s f3, f0, f1)
    TEST_FP(12, FF_DZ, NINF, MONE, PZERO, 0, fdiv.s f3, f0, f1)
    TEST_FP(13, FF_NV, CNAN, PZERO, PZERO, 0, fdiv.s f3, f0, f1)
    TEST_FP(14, FF_OF | FF_NX, PINF, FMAX, TWO, 0, fmul.s f3, f0, f1)
    TEST_FP(15, FF_OF | FF_NX, FMAX, FMAX, TWO, 0, fmul.s f3, f0, f1, rtz)
    TEST_FP(16, 0, BOX(0x00400000), BOX(0x00800000), HALF, 0, fmul.s f3, f0, f1)   /* exact subnormal: no UF */
    TEST_FP(17, FF_UF | FF_NX, BOX(0x00400000), BOX(0x00800001), HALF, 0, fmul.s f3, f0, f1)
    TEST_FP(18, 0, PZERO, ONE, MONE, 0, fadd.s f3, f0, f1)                 /* x - x = +0 in RNE */
    TEST_FP(19, 0, NZERO, ONE, MONE, 0, fadd.s f3, f0, f1, rdn)            /* ... and -0 in RDN */
    TEST_FP(20, 0, PINF, PINF, ONE, 0, fadd.s f3, f0, f1)

    /* NaN handling: results are the canonical NaN; sNaN inputs raise NV */
    TEST_FP(25, 0, CNAN, BOX(0x7fc12345), ONE, 0, fadd.s f3, f0, f1)
    TEST_FP(26, FF_NV, CNAN, SNAN, ONE, 0, fadd.s f3, f0, f1)
    TEST_FP(27, 0, CNAN, BOX(0xffc00001), ONE, 0, fmul.s f3, f0, f1)
    TEST_FP(28, FF_NV, CNAN, ONE, BOX(0xff800005), 0, fdiv.s f3, f0, f1)
    /* NaN-boxing: a value whose upper 32 bits are not all ones is a qNaN */
    TEST_FP(29, 0, CNAN, 0x000000003f800000, ONE, 0, fadd.s f3, f0, f1)
    TEST_FP(30, 0, CNAN, ONE, 0xfffffffe40000000, 0, fmul.s f3, f0, f1)
    TEST_FP(31, 0, CNAN, 0x3ff0000000000000, 0, 0, fsqrt.s f3, f0)

    /* static rounding modes: 1 + 2^-24 is a tie */
    TEST_FP(40, FF_NX, ONE, ONE, TINY, 0, fadd.s f3, f0, f1, rne)
    TEST_FP(41, FF_NX, ONE, ONE, TINY, 0, fadd.s f3, f0, f1, rtz)
    TEST_FP(42, FF_NX, ONE, ONE, TINY, 0, fadd.s f3, f0, f1, rdn)
    TEST_FP(43, FF_NX, BOX(0x3f800001), ONE, TINY, 0, fadd.s f3, f0, f1, rup)
    TEST_FP(44, FF_NX, BOX(0x3f800001), ONE, TINY, 0, fadd.s f3, f0, f1, rmm)
    TEST_FP(45, FF_NX, BOX(0xbf800000), MONE, BOX(0xb3800000), 0, fadd.s f3, f0, f1, rne)
    TEST_FP(46, FF_NX, BOX(0xbf800000), MONE, BOX(0xb3800000), 0, fadd.s f3, f0, f1, rtz)
    TEST_FP(47, FF_NX, BOX(0xbf800001), MONE, BOX(0xb3800000), 0, fadd.s f3, f0, f1, rdn)
    TEST_FP(48, FF_NX, BOX(0xbf800000), MONE, BOX(0xb3800000), 0, fadd.s f3, f0, f1, rup)
    TEST_FP(49, FF_NX, BOX(0xbf800001), MONE, BOX(0xb3800000), 0, fadd.s f3, f0, f1, rmm)
    TEST_FP(50, FF_NX, BOX(0x3f800001), ONE, BOX(0x33c00000), 0, fadd.s f3, f0, f1, rne) /* 0.75 ulp */
    TEST_FP(51, FF_NX, BOX(0x3eaaaaaa), ONE, THREE, 0, fdiv.s f3, f0, f1, rdn)
    /* dynamic rounding mode from frm */
    TEST_FP(55, FF_NX, BOX(0x3f800001), ONE, TINY, 0, fsrmi RM_RUP; fadd.s f3, f0, f1, dyn)
    TEST_FP(56, FF_NX, ONE, ONE, TINY, 0, fsrmi RM_RTZ; fadd.s f3, f0, f1, dyn)
    TEST_FP(57, FF_NX, BOX(0x3f800001), ONE, TINY, 0, fsrmi RM_RMM; fadd.s f3, f0, f1)
    TEST_FP(58, FF_NX, BOX(0xbf800001), MONE, BOX(0xb3800000), 0, fsrmi RM_RDN; fadd.s f3, f0, f1)
    TEST_FP(59, FF_NX, BOX(0x3f800001), ONE, TINY, 0, fsrmi RM_RUP; fadd.s f3, f0, f1, rne; fsrmi RM_RNE; \
        fadd.s f3, f0, f1, rup)   /* static overrides dyn: rne gives 1.0, then rup */
    SET_TESTNUM(60); fsrmi RM_RNE
    /* reserved rounding modes are illegal (static 5, 6; dynamic with frm 5..7) */
    TEST_ILLEGAL(61, .word 0x001051d3)     /* fadd.s f3, f0, f1, rm=5 */
    TEST_ILLEGAL(62, .word 0x001061d3)     /* rm=6 */
    SET_TESTNUM(63); fsrmi 5
    TEST_ILLEGAL(64, fadd.s f3, f0, f1, dyn)
    SET_TESTNUM(65); fsrmi 7
    TEST_ILLEGAL(66, fcvt.w.s a0, f0, dyn)
    SET_TESTNUM(67); fsrmi RM_RNE

    /* fused multiply-add */
    TEST_FP(70, 0, BOX(0x40a00000), ONE, TWO, THREE, fmadd.s f3, f0, f1, f2)     /* 1*2+3 = 5 */
    TEST_FP(71, 0, MONE, ONE, TWO, THREE, fmsub.s f3, f0, f1, f2)                /* 1*2-3 = -1 */
    TEST_FP(72, 0, ONE, ONE, TWO, THREE, fnmsub.s f3, f0, f1, f2)                /* -(1*2)+3 = 1 */
    TEST_FP(73, 0, BOX(0xc0a00000), ONE, TWO, THREE, fnmadd.s f3, f0, f1, f2)    /* -(1*2)-3 = -5 */
    TEST_FP(74, FF_NV, CNAN, PINF, PZERO, QNAN, fmadd.s f3, f0, f1, f2)          /* inf*0 + qNaN: NV */
    TEST_FP(75, FF_NV, CNAN, PINF, ONE, NINF, fmadd.s f3, f0, f1, f2)
    /* single rounding: (1+2^-23)*(1-2^-23) - 1 = -2^-46 exactly */
    TEST_FP(76, 0, BOX(0xa8800000), BOX(0x3f800001), BOX(0x3f7ffffe), ONE, fmsub.s f3, f0, f1, f2)
    TEST_FP(77, FF_NX, ONE, ONE, ONE, TINY, fmadd.s f3, f0, f1, f2, rdn)
    TEST_FP(78, FF_NX, BOX(0x3f800001), ONE, ONE, TINY, fmadd.s f3, f0, f1, f2, rup)

    /* fmin / fmax */
    TEST_FP(80, 0, NZERO, NZERO, PZERO, 0, fmin.s f3, f0, f1)
    TEST_FP(81, 0, NZERO, PZERO, NZERO, 0, fmin.s f3, f0, f1)
    TEST_FP(82, 0, PZERO, NZERO, PZERO, 0, fmax.s f3, f0, f1)
    TEST_FP(83, 0, PZERO, PZERO, NZERO, 0, fmax.s f3, f0, f1)
    TEST_FP(84, 0, ONE, QNAN, ONE, 0, fmin.s f3, f0, f1)
    TEST_FP(85, 0, ONE, ONE, QNAN, 0, fmax.s f3, f0, f1)
    TEST_FP(86, FF_NV, ONE, SNAN, ONE, 0, fmin.s f3, f0, f1)
    TEST_FP(87, FF_NV, ONE, ONE, SNAN, 0, fmax.s f3, f0, f1)
    TEST_FP(88, 0, CNAN, BOX(0x7fc00abc), BOX(0xffc00001), 0, fmin.s f3, f0, f1)
    TEST_FP(89, FF_NV, CNAN, SNAN, QNAN, 0, fmax.s f3, f0, f1)
    TEST_FP(90, 0, MONE, MONE, TWO, 0, fmin.s f3, f0, f1)
    TEST_FP(91, 0, TWO, MONE, TWO, 0, fmax.s f3, f0, f1)
    TEST_FP(92, 0, NINF, NINF, PINF, 0, fmin.s f3, f0, f1)
    TEST_FP(93, 0, ONE, 0x000000003f800000, ONE, 0, fmin.s f3, f0, f1)  /* unboxed = qNaN */

    /* sign injection: bit exact, no flags, NaN payloads kept */
    TEST_FP(100, 0, BOX(0xbf800000), ONE, MONE, 0, fsgnj.s f3, f0, f1)
    TEST_FP(101, 0, BOX(0x3f800000), MONE, ONE, 0, fsgnj.s f3, f0, f1)
    TEST_FP(102, 0, BOX(0xff800001), SNAN, MONE, 0, fsgnj.s f3, f0, f1)
    TEST_FP(103, 0, BOX(0x7f800001), SNAN, MONE, 0, fsgnjn.s f3, f0, f1)
    TEST_FP(104, 0, BOX(0xbf800000), ONE, ONE, 0, fsgnjn.s f3, f0, f1)
    TEST_FP(105, 0, BOX(0xbf800000), MONE, ONE, 0, fsgnjx.s f3, f0, f1)
    TEST_FP(106, 0, BOX(0x3f800000), MONE, MONE, 0, fsgnjx.s f3, f0, f1)
    TEST_FP(107, 0, BOX(0xffc00000), 0x00000000bf800000, MONE, 0, fsgnjx.s f3, f0, f1) /* unboxed rs1 */
    TEST_FP(108, 0, BOX(0x3f800000), MONE, 0, 0, fabs.s f3, f0)
    TEST_FP(109, 0, BOX(0xffc12345), BOX(0x7fc12345), 0, 0, fneg.s f3, f0)
    TEST_FP(110, 0, BOX(0x7fc12345), BOX(0x7fc12345), 0, 0, fmv.s f3, f0)

    /* moves and loads/stores */
    TEST_FP_INT(115, 0, 0xffffffff80000000, NZERO, 0, 0, fmv.x.w a0, f0)
    TEST_FP_INT(116, 0, 0x000000003f800000, 0x123456783f800000, 0, 0, fmv.x.w a0, f0)  /* no box check */
    TEST_FP(117, 0, 0xffffffffabcdef01, 0, 0, 0, li a1, 0x12345678abcdef01; fmv.w.x f3, a1)
    TEST_FP(118, 0, BOX(0x7f800001), 0, 0, 0, la a1, fdata; flw f3, 0(a1))           /* sNaN loads raw */
    TEST_FP_INT(119, 0, 0x555555557f800001, SNAN, 0, 0, \
        la a1, fdata; li a2, 0x5555555555555555; sd a2, 8(a1); fsw f0, 8(a1); ld a0, 8(a1))
    TEST_FP_INT(120, 0, 0x555555553f800000, 0x123456783f800000, 0, 0, \
        la a1, fdata; li a2, 0x5555555555555555; sd a2, 8(a1); fsw f0, 8(a1); ld a0, 8(a1))  /* fsw: no box check */
    TEST_FP(121, 0, BOX(0x3f800000), 0, 0, 0, la a1, fdata; flw f3, 4(a1))

    /* conversions to integer */
    TEST_FP_INT(130, 0, 2, TWO, 0, 0, fcvt.w.s a0, f0)
    TEST_FP_INT(131, FF_NX, 2, BOX(0x40200000), 0, 0, fcvt.w.s a0, f0, rne)      /* 2.5 */
    TEST_FP_INT(132, FF_NX, 2, BOX(0x40200000), 0, 0, fcvt.w.s a0, f0, rtz)
    TEST_FP_INT(133, FF_NX, 2, BOX(0x40200000), 0, 0, fcvt.w.s a0, f0, rdn)
    TEST_FP_INT(134, FF_NX, 3, BOX(0x40200000), 0, 0, fcvt.w.s a0, f0, rup)
    TEST_FP_INT(135, FF_NX, 3, BOX(0x40200000), 0, 0, fcvt.w.s a0, f0, rmm)
    TEST_FP_INT(136, FF_NX, -2, BOX(0xc0200000), 0, 0, fcvt.w.s a0, f0, rne)     /* -2.5 */
    TEST_FP_INT(137, FF_NX, -2, BOX(0xc0200000), 0, 0, fcvt.w.s a0, f0, rtz)
    TEST_FP_INT(138, FF_NX, -3, BOX(0xc0200000), 0, 0, fcvt.w.s a0, f0, rdn)
    TEST_FP_INT(139, FF_NX, -2, BOX(0xc0200000), 0, 0, fcvt.w.s a0, f0, rup)
    TEST_FP_INT(140, FF_NX, -3, BOX(0xc0200000), 0, 0, fcvt.w.s a0, f0, rmm)
    TEST_FP_INT(141, FF_NX, 2, BOX(0x3fc00000), 0, 0, fcvt.w.s a0, f0)           /* 1.5 -> 2 */
    TEST_FP_INT(142, FF_NV, 0x7fffffff, BOX(0x4f32d05e), 0, 0, fcvt.w.s a0, f0, rtz)   /* 3e9 */
    TEST_FP_INT(143, FF_NV, 0xffffffff80000000, BOX(0xcf32d05e), 0, 0, fcvt.w.s a0, f0, rtz)
    TEST_FP_INT(144, 0, 0xffffffff80000000, BOX(0xcf000000), 0, 0, fcvt.w.s a0, f0, rtz)  /* -2^31 exact */
    TEST_FP_INT(145, FF_NV, 0x7fffffff, QNAN, 0, 0, fcvt.w.s a0, f0, rtz)
    TEST_FP_INT(146, FF_NV, 0x7fffffff, PINF, 0, 0, fcvt.w.s a0, f0, rtz)
    TEST_FP_INT(147, FF_NV, 0xffffffff80000000, NINF, 0, 0, fcvt.w.s a0, f0, rtz)
    TEST_FP_INT(148, FF_NV, 0x7fffffff, SNAN, 0, 0, fcvt.w.s a0, f0, rtz)
    TEST_FP_INT(150, 0, 0xffffffffb2d05e00, BOX(0x4f32d05e), 0, 0, fcvt.wu.s a0, f0, rtz)  /* 3e9, sign-extended */
    TEST_FP_INT(151, FF_NV, 0, MONE, 0, 0, fcvt.wu.s a0, f0, rtz)
    TEST_FP_INT(152, FF_NX, 0, BOX(0xbf000000), 0, 0, fcvt.wu.s a0, f0, rtz)     /* -0.5 -> 0, only NX */
    TEST_FP_INT(153, FF_NV, 0xffffffffffffffff, QNAN, 0, 0, fcvt.wu.s a0, f0, rtz)
    TEST_FP_INT(154, FF_NV, 0xffffffffffffffff, BOX(0x4f800000), 0, 0, fcvt.wu.s a0, f0, rtz) /* 2^32 */
    TEST_FP_INT(155, FF_NV, 0, NINF, 0, 0, fcvt.wu.s a0, f0, rtz)
    TEST_FP_INT(156, 0, 0x0000000100000000, BOX(0x4f800000), 0, 0, fcvt.l.s a0, f0, rtz)
    TEST_FP_INT(157, FF_NV, 0x7fffffffffffffff, BOX(0x5f000000), 0, 0, fcvt.l.s a0, f0, rtz)  /* 2^63 */
    TEST_FP_INT(158, 0, 0x8000000000000000, BOX(0xdf000000), 0, 0, fcvt.l.s a0, f0, rtz)      /* -2^63 */
    TEST_FP_INT(159, FF_NV, 0x8000000000000000, NINF, 0, 0, fcvt.l.s a0, f0, rtz)
    TEST_FP_INT(160, FF_NV, 0x7fffffffffffffff, QNAN, 0, 0, fcvt.l.s a0, f0, rtz)
    TEST_FP_INT(161, FF_NX, -1, BOX(0xbfc00000), 0, 0, fcvt.l.s a0, f0, rtz)     /* -1.5 */
    TEST_FP_INT(162, 0, 0x8000000000000000, BOX(0x5f000000), 0, 0, fcvt.lu.s a0, f0, rtz)
    TEST_FP_INT(163, FF_NV, 0xffffffffffffffff, BOX(0x5f800000), 0, 0, fcvt.lu.s a0, f0, rtz) /* 2^64 */
    TEST_FP_INT(164, FF_NV, 0, MONE, 0, 0, fcvt.lu.s a0, f0, rtz)
    TEST_FP_INT(165, FF_NV, 0xffffffffffffffff, SNAN, 0, 0, fcvt.lu.s a0, f0, rtz)
    TEST_FP_INT(166, FF_NX, 0, BOX(0xbf000000), 0, 0, fcvt.lu.s a0, f0, rtz)
    TEST_FP_INT(167, FF_NV, 0x7fffffff, 0x000000003f800000, 0, 0, fcvt.w.s a0, f0, rtz)   /* unboxed = NaN */

    /* conversions from integer */
    TEST_FP(170, 0, MONE, 0, 0, 0, li a1, -1; fcvt.s.w f3, a1)
    TEST_FP(171, 0, ONE, 0, 0, 0, li a1, 0x100000001; fcvt.s.w f3, a1)      /* low 32 bits only */
    TEST_FP(172, FF_NX, BOX(0x4f800000), 0, 0, 0, li a1, 0xffffffff; fcvt.s.wu f3, a1)
    TEST_FP(173, FF_NX, BOX(0x4f7fffff), 0, 0, 0, li a1, 0xffffffff; fcvt.s.wu f3, a1, rtz)
    TEST_FP(174, FF_NX, BOX(0x5f000000), 0, 0, 0, li a1, 0x7fffffffffffffff; fcvt.s.l f3, a1)
    TEST_FP(175, 0, BOX(0xdf000000), 0, 0, 0, li a1, 0x8000000000000000; fcvt.s.l f3, a1)
    TEST_FP(176, FF_NX, BOX(0x5f800000), 0, 0, 0, li a1, -1; fcvt.s.lu f3, a1)
    TEST_FP(177, 0, PZERO, 0, 0, 0, fcvt.s.lu f3, x0)
    TEST_FP(178, FF_NX, BOX(0x4b800001), 0, 0, 0, li a1, 16777219; fcvt.s.w f3, a1, rdn)  /* 2^24+3 */
    TEST_FP(179, FF_NX, BOX(0x4b800002), 0, 0, 0, li a1, 16777219; fcvt.s.w f3, a1, rne)

    /* comparisons */
    TEST_FP_INT(180, 0, 1, ONE, ONE, 0, feq.s a0, f0, f1)
    TEST_FP_INT(181, 0, 1, NZERO, PZERO, 0, feq.s a0, f0, f1)
    TEST_FP_INT(182, 0, 0, QNAN, QNAN, 0, feq.s a0, f0, f1)        /* quiet: no NV */
    TEST_FP_INT(183, FF_NV, 0, SNAN, ONE, 0, feq.s a0, f0, f1)
    TEST_FP_INT(184, 0, 1, MONE, ONE, 0, flt.s a0, f0, f1)
    TEST_FP_INT(185, 0, 0, NZERO, PZERO, 0, flt.s a0, f0, f1)
    TEST_FP_INT(186, FF_NV, 0, QNAN, ONE, 0, flt.s a0, f0, f1)     /* signaling compare */
    TEST_FP_INT(187, 0, 1, NZERO, PZERO, 0, fle.s a0, f0, f1)
    TEST_FP_INT(188, 0, 0, TWO, ONE, 0, fle.s a0, f0, f1)
    TEST_FP_INT(189, FF_NV, 0, ONE, QNAN, 0, fle.s a0, f0, f1)
    TEST_FP_INT(190, 0, 1, NINF, FMAX, 0, flt.s a0, f0, f1)
    TEST_FP_INT(191, 0, 0, 0x000000003f800000, ONE, 0, feq.s a0, f0, f1)   /* unboxed = qNaN */

    /* fclass: one input per class */
    TEST_FP_INT(200, 0, 0x001, NINF, 0, 0, fclass.s a0, f0)
    TEST_FP_INT(201, 0, 0x002, MONE, 0, 0, fclass.s a0, f0)
    TEST_FP_INT(202, 0, 0x004, BOX(0x807fffff), 0, 0, fclass.s a0, f0)
    TEST_FP_INT(203, 0, 0x008, NZERO, 0, 0, fclass.s a0, f0)
    TEST_FP_INT(204, 0, 0x010, PZERO, 0, 0, fclass.s a0, f0)
    TEST_FP_INT(205, 0, 0x020, BOX(0x00000001), 0, 0, fclass.s a0, f0)
    TEST_FP_INT(206, 0, 0x040, FMAX, 0, 0, fclass.s a0, f0)
    TEST_FP_INT(207, 0, 0x080, PINF, 0, 0, fclass.s a0, f0)
    TEST_FP_INT(208, 0, 0x100, SNAN, 0, 0, fclass.s a0, f0)
    TEST_FP_INT(209, 0, 0x200, QNAN, 0, 0, fclass.s a0, f0)
    TEST_FP_INT(210, 0, 0x100, BOX(0xffbfffff), 0, 0, fclass.s a0, f0)   /* negative sNaN */
    TEST_FP_INT(211, 0, 0x200, 0x000000003f800000, 0, 0, fclass.s a0, f0) /* unboxed */

    /* fcsr, frm, fflags */
    TEST_CASE(220, a0, 0xff, li a1, 0xff; fscsr a1; frcsr a0)
    TEST_CASE(221, a0, 0x1f, frflags a0)
    TEST_CASE(222, a0, 0x7, frrm a0)
    TEST_CASE(223, a0, 0xff, li a1, 0x3; fscsr a0, a1)           /* swap returns old */
    TEST_CASE(224, a0, 0x3, frcsr a0)
    TEST_CASE(225, a0, 0x0, fsrmi a0, RM_RDN)                    /* old frm */
    TEST_CASE(226, a0, 0x43, frcsr a0)
    TEST_CASE(227, a0, 0x3, fsflagsi a0, 0x1c)
    TEST_CASE(228, a0, 0x5c, frcsr a0)
    TEST_CASE(229, a0, 0x5c, li a1, 0xffffffffffffff5c; csrw fcsr, a1; csrr a0, fcsr; li a1, 0x5c; fscsr a0, a1)  /* upper bits read 0 */
    TEST_CASE(230, a0, 0x1f, li a1, 0xff; csrw fflags, a1; csrr a0, fflags)
    TEST_CASE(231, a0, 0x02, li a1, 0xfa; csrw frm, a1; csrr a0, frm)
    /* flags accumulate */
    TEST_CASE(232, a0, FF_NX | FF_DZ, csrwi fcsr, 0; la a1, fdata; flw f0, 4(a1); fmv.w.x f1, x0; \
        fdiv.s f2, f0, f1; li a2, 3; fcvt.s.w f3, a2; fdiv.s f2, f0, f3; frflags a0)
    TEST_CASE(233, a0, 0, csrwi fcsr, 0; frcsr a0)
    TEST_PASS

    .data
    .balign 8
fdata:
    .word 0x7f800001, 0x3f800000, 0, 0
