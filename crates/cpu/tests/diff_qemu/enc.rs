//! Raw RV64GC encoders for the differential test. Written from the ISA
//! manual's bit layouts, independently of `rvisor_isa::encode`, so the test
//! also covers rvisor's decoder (QEMU executes exactly these bits).

pub fn r(op: u32, f3: u32, f7: u32, rd: u8, rs1: u8, rs2: u8) -> u32 {
    op | u32::from(rd) << 7 | f3 << 12 | u32::from(rs1) << 15 | u32::from(rs2) << 20 | f7 << 25
}

pub fn i(op: u32, f3: u32, rd: u8, rs1: u8, imm: i32) -> u32 {
    op | u32::from(rd) << 7 | f3 << 12 | u32::from(rs1) << 15 | ((imm as u32) & 0xfff) << 20
}

pub fn s(op: u32, f3: u32, rs1: u8, rs2: u8, imm: i32) -> u32 {
    let imm = imm as u32;
    op | (imm & 0x1f) << 7
        | f3 << 12
        | u32::from(rs1) << 15
        | u32::from(rs2) << 20
        | ((imm >> 5) & 0x7f) << 25
}

pub fn b(f3: u32, rs1: u8, rs2: u8, off: i32) -> u32 {
    let o = off as u32;
    0x63 | ((o >> 11) & 1) << 7
        | ((o >> 1) & 0xf) << 8
        | f3 << 12
        | u32::from(rs1) << 15
        | u32::from(rs2) << 20
        | ((o >> 5) & 0x3f) << 25
        | ((o >> 12) & 1) << 31
}

pub fn j(rd: u8, off: i32) -> u32 {
    let o = off as u32;
    0x6f | u32::from(rd) << 7
        | ((o >> 12) & 0xff) << 12
        | ((o >> 11) & 1) << 20
        | ((o >> 1) & 0x3ff) << 21
        | ((o >> 20) & 1) << 31
}

pub fn u(op: u32, rd: u8, imm20: u32) -> u32 {
    op | u32::from(rd) << 7 | (imm20 & 0xfffff) << 12
}

#[allow(clippy::too_many_arguments)]
pub fn r4(op: u32, fmt: u32, rm: u32, rd: u8, rs1: u8, rs2: u8, rs3: u8) -> u32 {
    op | u32::from(rd) << 7
        | rm << 12
        | u32::from(rs1) << 15
        | u32::from(rs2) << 20
        | fmt << 25
        | u32::from(rs3) << 27
}

pub fn amo(f5: u32, wide: bool, aqrl: u32, rd: u8, rs1: u8, rs2: u8) -> u32 {
    r(0x2f, if wide { 3 } else { 2 }, f5 << 2 | aqrl, rd, rs1, rs2)
}

// ---- compressed ----

fn bit(v: u32, n: u32) -> u32 {
    (v >> n) & 1
}

/// `x8..x15` / `f8..f15` as the 3-bit field.
fn p(r: u8) -> u32 {
    debug_assert!((8..16).contains(&r));
    u32::from(r - 8)
}

pub fn c_addi4spn(rd: u8, uimm: u32) -> u16 {
    let v =
        ((uimm >> 4) & 3) << 11 | ((uimm >> 6) & 0xf) << 7 | bit(uimm, 2) << 6 | bit(uimm, 3) << 5;
    (v | p(rd) << 2) as u16
}

/// c.lw (f3 2), c.flw-free RV64: c.fld (1), c.ld (3) and stores c.fsd (5),
/// c.sw (6), c.sd (7): `reg` is rd' or rs2'.
pub fn c_mem(f3: u32, reg: u8, base: u8, uimm: u32) -> u16 {
    let word = f3 == 2 || f3 == 6;
    let imm = if word {
        ((uimm >> 3) & 7) << 10 | bit(uimm, 2) << 6 | bit(uimm, 6) << 5
    } else {
        ((uimm >> 3) & 7) << 10 | ((uimm >> 6) & 3) << 5
    };
    (f3 << 13 | imm | p(base) << 7 | p(reg) << 2) as u16
}

/// CI format with a 6-bit immediate (c.addi 0, c.addiw 1, c.li 2 in
/// quadrant 1; c.slli 0 in quadrant 2).
pub fn c_ci(quadrant: u32, f3: u32, rd: u8, imm6: i32) -> u16 {
    let v = imm6 as u32;
    (f3 << 13 | bit(v, 5) << 12 | u32::from(rd) << 7 | (v & 0x1f) << 2 | quadrant) as u16
}

pub fn c_lui(rd: u8, imm6: i32) -> u16 {
    c_ci(1, 3, rd, imm6)
}

/// c.srli (0), c.srai (1), c.andi (2).
pub fn c_alu_imm(kind: u32, rd: u8, imm6: i32) -> u16 {
    let v = imm6 as u32;
    (4 << 13 | bit(v, 5) << 12 | kind << 10 | p(rd) << 7 | (v & 0x1f) << 2 | 1) as u16
}

/// c.sub/xor/or/and (`w` false, f2 0..3), c.subw/addw (`w` true, f2 0..1).
pub fn c_ca(w: bool, f2: u32, rd: u8, rs2: u8) -> u16 {
    let hi = if w { 0b100111 } else { 0b100011 };
    (hi << 10 | p(rd) << 7 | f2 << 5 | p(rs2) << 2 | 1) as u16
}

pub fn c_j(off: i32) -> u16 {
    let o = off as u32;
    let v = bit(o, 11) << 12
        | bit(o, 4) << 11
        | ((o >> 8) & 3) << 9
        | bit(o, 10) << 8
        | bit(o, 6) << 7
        | bit(o, 7) << 6
        | ((o >> 1) & 7) << 3
        | bit(o, 5) << 2;
    (5 << 13 | v | 1) as u16
}

/// c.beqz (`nez` false) / c.bnez.
pub fn c_branch(nez: bool, rs1: u8, off: i32) -> u16 {
    let o = off as u32;
    let f3 = if nez { 7 } else { 6 };
    let v = bit(o, 8) << 12
        | ((o >> 3) & 3) << 10
        | ((o >> 6) & 3) << 5
        | ((o >> 1) & 3) << 3
        | bit(o, 5) << 2;
    (f3 << 13 | v | p(rs1) << 7 | 1) as u16
}

/// c.lwsp (2), c.ldsp (3), c.fldsp (1).
pub fn c_load_sp(f3: u32, rd: u8, uimm: u32) -> u16 {
    let v = if f3 == 2 {
        bit(uimm, 5) << 12 | ((uimm >> 2) & 7) << 4 | ((uimm >> 6) & 3) << 2
    } else {
        bit(uimm, 5) << 12 | ((uimm >> 3) & 3) << 5 | ((uimm >> 6) & 7) << 2
    };
    (f3 << 13 | v | u32::from(rd) << 7 | 2) as u16
}

/// c.swsp (6), c.sdsp (7), c.fsdsp (5).
pub fn c_store_sp(f3: u32, rs2: u8, uimm: u32) -> u16 {
    let v = if f3 == 6 {
        ((uimm >> 2) & 0xf) << 9 | ((uimm >> 6) & 3) << 7
    } else {
        ((uimm >> 3) & 7) << 10 | ((uimm >> 6) & 7) << 7
    };
    (f3 << 13 | v | u32::from(rs2) << 2 | 2) as u16
}

/// c.jr / c.mv (`bit12` false), c.jalr / c.add (`bit12` true).
pub fn c_cr(bit12: bool, rd: u8, rs2: u8) -> u16 {
    (4 << 13 | u32::from(bit12) << 12 | u32::from(rd) << 7 | u32::from(rs2) << 2 | 2) as u16
}
