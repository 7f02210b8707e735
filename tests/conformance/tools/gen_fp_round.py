#!/usr/bin/env python3
"""Generate rv64f_round.S / rv64d_round.S: every arithmetic F/D instruction
and the FP<->integer conversions under all five rounding modes, with expected
results computed here by exact rational arithmetic (not by any FPU).

Inputs are normal numbers of moderate magnitude, so results are normal
(no underflow); fflags are NX or 0 (NV for out-of-range conversions).
Usage: tools/gen_fp_round.py   (rewrites ../rv64f_round.S and ../rv64d_round.S)
"""
from fractions import Fraction as Q
import math, os, random

RMS = ["rne", "rtz", "rdn", "rup", "rmm"]
FMT = {"s": (8, 24), "d": (11, 53)}   # exponent bits, precision


def decode(bits, f):
    eb, p = FMT[f]
    sign = bits >> (eb + p - 1)
    exp = (bits >> (p - 1)) & ((1 << eb) - 1)
    man = bits & ((1 << (p - 1)) - 1)
    bias = (1 << (eb - 1)) - 1
    assert 0 < exp < (1 << eb) - 1, "normal inputs only"
    v = Q((1 << (p - 1)) | man) * Q(2) ** (exp - bias - (p - 1))
    return -v if sign else v


def round_int(n_floor, frac_cmp_half, inexact, neg, rm):
    """n_floor: floor of |x| scaled; frac_cmp_half: -1/0/1 of the remainder vs 1/2."""
    if not inexact:
        return n_floor
    up = {"rne": frac_cmp_half > 0 or (frac_cmp_half == 0 and n_floor & 1),
          "rtz": False, "rdn": neg, "rup": not neg, "rmm": frac_cmp_half >= 0}[rm]
    return n_floor + 1 if up else n_floor


def encode(sign, sig, e, f):
    """sig has p bits (leading 1), value = sig * 2^e."""
    eb, p = FMT[f]
    bias = (1 << (eb - 1)) - 1
    if sig == 1 << p:
        sig >>= 1
        e += 1
    exp = e + (p - 1) + bias
    assert 0 < exp < (1 << eb) - 1, "result must stay normal"
    return (sign << (eb + p - 1)) | (exp << (p - 1)) | (sig & ((1 << (p - 1)) - 1))


def round_q(x, f, rm):
    """Correctly round a nonzero rational."""
    eb, p = FMT[f]
    neg = x < 0
    a = -x if neg else x
    e = math.floor(math.log2(a.numerator) - math.log2(a.denominator))
    while Q(2) ** e > a:
        e -= 1
    while Q(2) ** (e + 1) <= a:
        e += 1
    scaled = a * Q(2) ** (p - 1 - e)
    n = scaled.numerator // scaled.denominator
    rem = scaled - n
    cmp = (rem > Q(1, 2)) - (rem < Q(1, 2))
    sig = round_int(n, cmp, rem != 0, neg, rm)
    return encode(int(neg), sig, e - (p - 1), f), rem != 0


def round_sqrt(x, f, rm):
    eb, p = FMT[f]
    assert x > 0
    e = 0
    while Q(2) ** (2 * e) > x:
        e -= 1
    while Q(2) ** (2 * (e + 1)) <= x:
        e += 1
    # sqrt(x) in [2^e, 2^(e+1)); n = floor(sqrt(x) * 2^(p-1-e))
    k = p - 1 - e
    y = x * Q(4) ** k          # sqrt(y) = sqrt(x) * 2^k
    num, den = y.numerator, y.denominator
    n = math.isqrt(num // den)  # floor(sqrt(y)) = isqrt(floor(y))
    while (n + 1) * (n + 1) * den <= num:
        n += 1
    while n * n * den > num:
        n -= 1
    inexact = n * n * den != num
    # compare remainder with 1/2: sqrt(y) vs n + 1/2  <=> 4*num vs (2n+1)^2 * den
    lhs, rhs = 4 * num, (2 * n + 1) ** 2 * den
    cmp = (lhs > rhs) - (lhs < rhs)
    sig = round_int(n, cmp, inexact, False, rm)
    return encode(0, sig, e - (p - 1), f), inexact


def to_int(x, bits, signed, rm):
    neg = x < 0
    a = -x if neg else x
    n = a.numerator // a.denominator
    rem = a - n
    cmp = (rem > Q(1, 2)) - (rem < Q(1, 2))
    r = round_int(n, cmp, rem != 0, neg, rm)
    v = -r if neg else r
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if v < lo:
        return lo, 0x10
    if v > hi:
        return hi, 0x10
    return v, (0x01 if rem != 0 else 0)


def rand_float(rng, f, lo=-8, hi=8):
    eb, p = FMT[f]
    bias = (1 << (eb - 1)) - 1
    sign = rng.randrange(2)
    exp = bias + rng.randrange(lo, hi)
    man = rng.getrandbits(p - 1) | 1
    return (sign << (eb + p - 1)) | (exp << (p - 1)) | man


def box(bits, f):
    return bits | 0xffffffff00000000 if f == "s" else bits


def sext(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def gen(f, seed):
    rng = random.Random(seed)
    out = []
    n = [0]

    def emit(macro, flags, exp, a=0, b=0, c=0, code=""):
        n[0] += 1
        assert n[0] <= 255
        out.append("    %s(%d, 0x%02x, 0x%016x, 0x%016x, 0x%016x, 0x%016x, %s)" % (
            macro, n[0], flags, exp & (2**64 - 1), a, b, c, code))

    o = "f" + f
    for rm in RMS:
        a, b, c = (rand_float(rng, f) for _ in range(3))
        A, B, C = decode(a, f), decode(b, f), decode(c, f)
        for op, val in [("fadd", A + B), ("fsub", A - B), ("fmul", A * B), ("fdiv", A / B)]:
            r, nx = round_q(val, f, rm)
            emit("TEST_FP", nx, box(r, f), box(a, f), box(b, f), 0,
                 "%s.%s f3, f0, f1, %s" % (op, f, rm))
        r, nx = round_sqrt(abs(A), f, rm)
        emit("TEST_FP", nx, box(r, f), box(a & ~(1 << (FMT[f][0] + FMT[f][1] - 1)), f), 0, 0,
             "fsqrt.%s f3, f0, %s" % (f, rm))
        for op, val in [("fmadd", A * B + C), ("fmsub", A * B - C),
                        ("fnmsub", -(A * B) + C), ("fnmadd", -(A * B) - C)]:
            r, nx = round_q(val, f, rm)
            emit("TEST_FP", nx, box(r, f), box(a, f), box(b, f), box(c, f),
                 "%s.%s f3, f0, f1, f2, %s" % (op, f, rm))
        # fp -> int (values around +-2^20 keep fractions)
        x = rand_float(rng, f, 10, 20)
        X = decode(x, f)
        for ins, bits, signed in [("w", 32, True), ("wu", 32, False), ("l", 64, True), ("lu", 64, False)]:
            v, fl = to_int(X, bits, signed, rm)
            if bits == 32:
                v = sext(v, 32)
            emit("TEST_FP_INT", fl, v, box(x, f), 0, 0, "fcvt.%s.%s a0, f0, %s" % (ins, f, rm))
        # int -> fp (a 62-bit integer is inexact in both formats)
        i = rng.getrandbits(62) | 1
        for ins, iv in [("l", i), ("l", -i), ("lu", i << 2 | 3)]:
            r, nx = round_q(Q(iv), f, rm)
            emit("TEST_FP", nx, box(r, f), 0, 0, 0,
                 "li a1, %d; fcvt.%s.%s f3, a1, %s" % (iv, f, ins, rm))
        if f == "s":
            d = rand_float(rng, "d")
            r, nx = round_q(decode(d, "d"), "s", rm)
            emit("TEST_FP", nx, box(r, "s"), d, 0, 0, "fcvt.s.d f3, f0, %s" % rm)
    return out


HEAD = """/* GENERATED by tools/gen_fp_round.py -- do not edit.
 * %s under all five static rounding modes: FADD, FSUB, FMUL, FDIV, FSQRT,
 * FMADD, FMSUB, FNMSUB, FNMADD, FCVT to W/WU/L/LU and from L/LU%s.
 * Expected values are computed by exact rational arithmetic in the generator. */
#include "test.h"
    .text
    .globl test_main
test_main:
"""

here = os.path.dirname(os.path.abspath(__file__))
for f, name, extra, seed in [("s", "rv64f_round.S", ", FCVT.S.D", 1), ("d", "rv64d_round.S", "", 2)]:
    body = gen(f, seed)
    with open(os.path.join(here, "..", name), "w") as fh:
        fh.write(HEAD % ("RV64F" if f == "s" else "RV64D", extra))
        fh.write("\n".join(body) + "\n    TEST_PASS\n")
