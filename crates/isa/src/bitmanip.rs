//! Zba, Zbb, Zbc and Zbs (bit manipulation, ratified 2021): one `Inst::Bit`
//! variant whose `BitOp` names the operation, and one table giving each
//! operation's encoding, from which the decoder, the encoder and the
//! disassembler all read (unprivileged spec, chapter "B Extension for Bit
//! Manipulation", RV64 encodings).

/// A Zba/Zbb/Zbc/Zbs operation. `Inst::Bit`'s `rs2` is a register for the
/// register forms, the shift amount or bit index for the immediate forms
/// (`Rori`, `Roriw`, `SlliUw`, `Bclri`, `Bexti`, `Binvi`, `Bseti`), and 0
/// for the unary ones.
#[allow(missing_docs)] // each is its mnemonic (see `TABLE`)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BitOp {
    // Zba
    Sh1add,
    Sh2add,
    Sh3add,
    AddUw,
    Sh1addUw,
    Sh2addUw,
    Sh3addUw,
    SlliUw,
    // Zbb
    Andn,
    Orn,
    Xnor,
    Clz,
    Clzw,
    Ctz,
    Ctzw,
    Cpop,
    Cpopw,
    Max,
    Maxu,
    Min,
    Minu,
    SextB,
    SextH,
    ZextH,
    Rol,
    Rolw,
    Ror,
    Rorw,
    Rori,
    Roriw,
    OrcB,
    Rev8,
    // Zbs
    Bclr,
    Bclri,
    Bext,
    Bexti,
    Binv,
    Binvi,
    Bset,
    Bseti,
    // Zbc
    Clmul,
    Clmulr,
    Clmulh,
}

/// How an operation's second operand is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `rs2` is a register (R-type).
    Reg,
    /// A 6-bit immediate in bits 25:20 (`funct6` above it).
    Imm6,
    /// A 5-bit immediate in bits 24:20 (`funct7` above it).
    Imm5,
    /// None: bits 24:20 are fixed (`funct12` above bit 20).
    Unary,
}

/// Every operation: (op, mnemonic, major opcode, funct3, the bits above
/// the operand field (funct7 for `Reg`/`Imm5`, funct6 for `Imm6`, funct12
/// for `Unary`), form).
pub const TABLE: [(BitOp, &str, u32, u32, u32, Form); 43] = {
    use BitOp::*;
    use Form::*;
    const OP: u32 = 0x33;
    const OP32: u32 = 0x3b;
    const IMM: u32 = 0x13;
    const IMM32: u32 = 0x1b;
    [
        (Sh1add, "sh1add", OP, 2, 0x10, Reg),
        (Sh2add, "sh2add", OP, 4, 0x10, Reg),
        (Sh3add, "sh3add", OP, 6, 0x10, Reg),
        (AddUw, "add.uw", OP32, 0, 0x04, Reg),
        (Sh1addUw, "sh1add.uw", OP32, 2, 0x10, Reg),
        (Sh2addUw, "sh2add.uw", OP32, 4, 0x10, Reg),
        (Sh3addUw, "sh3add.uw", OP32, 6, 0x10, Reg),
        (SlliUw, "slli.uw", IMM32, 1, 0x02, Imm6),
        (Andn, "andn", OP, 7, 0x20, Reg),
        (Orn, "orn", OP, 6, 0x20, Reg),
        (Xnor, "xnor", OP, 4, 0x20, Reg),
        (Clz, "clz", IMM, 1, 0x600, Unary),
        (Clzw, "clzw", IMM32, 1, 0x600, Unary),
        (Ctz, "ctz", IMM, 1, 0x601, Unary),
        (Ctzw, "ctzw", IMM32, 1, 0x601, Unary),
        (Cpop, "cpop", IMM, 1, 0x602, Unary),
        (Cpopw, "cpopw", IMM32, 1, 0x602, Unary),
        (Max, "max", OP, 6, 0x05, Reg),
        (Maxu, "maxu", OP, 7, 0x05, Reg),
        (Min, "min", OP, 4, 0x05, Reg),
        (Minu, "minu", OP, 5, 0x05, Reg),
        (SextB, "sext.b", IMM, 1, 0x604, Unary),
        (SextH, "sext.h", IMM, 1, 0x605, Unary),
        (ZextH, "zext.h", OP32, 4, 0x080, Unary),
        (Rol, "rol", OP, 1, 0x30, Reg),
        (Rolw, "rolw", OP32, 1, 0x30, Reg),
        (Ror, "ror", OP, 5, 0x30, Reg),
        (Rorw, "rorw", OP32, 5, 0x30, Reg),
        (Rori, "rori", IMM, 5, 0x18, Imm6),
        (Roriw, "roriw", IMM32, 5, 0x30, Imm5),
        (OrcB, "orc.b", IMM, 5, 0x287, Unary),
        (Rev8, "rev8", IMM, 5, 0x6b8, Unary),
        (Bclr, "bclr", OP, 1, 0x24, Reg),
        (Bclri, "bclri", IMM, 1, 0x12, Imm6),
        (Bext, "bext", OP, 5, 0x24, Reg),
        (Bexti, "bexti", IMM, 5, 0x12, Imm6),
        (Binv, "binv", OP, 1, 0x34, Reg),
        (Binvi, "binvi", IMM, 1, 0x1a, Imm6),
        (Bset, "bset", OP, 1, 0x14, Reg),
        (Bseti, "bseti", IMM, 1, 0x0a, Imm6),
        (Clmul, "clmul", OP, 1, 0x05, Reg),
        (Clmulr, "clmulr", OP, 2, 0x05, Reg),
        (Clmulh, "clmulh", OP, 3, 0x05, Reg),
    ]
};

impl BitOp {
    /// Its row: `TABLE` lists the operations in declaration order (the
    /// interpreter asks for the form at every execution).
    fn entry(self) -> &'static (BitOp, &'static str, u32, u32, u32, Form) {
        &TABLE[self as usize]
    }

    /// The mnemonic.
    pub fn name(self) -> &'static str {
        self.entry().1
    }

    /// How its second operand is encoded.
    pub fn form(self) -> Form {
        self.entry().5
    }

    /// The 32-bit encoding with these fields (`rs2` as `Inst::Bit` has
    /// it), or `None` if `rs2` does not fit the form.
    pub fn encode(self, rd: u8, rs1: u8, rs2: u8) -> Option<u32> {
        let &(_, _, opcode, funct3, high, form) = self.entry();
        let (rd, rs1, rs2) = (u32::from(rd), u32::from(rs1), u32::from(rs2));
        if rd > 31 || rs1 > 31 {
            return None;
        }
        let top = match form {
            Form::Reg if rs2 <= 31 => high << 25 | rs2 << 20,
            Form::Imm5 if rs2 <= 31 => high << 25 | rs2 << 20,
            Form::Imm6 if rs2 <= 63 => high << 26 | rs2 << 20,
            Form::Unary if rs2 == 0 => high << 20,
            _ => return None,
        };
        Some(top | rs1 << 15 | funct3 << 12 | rd << 7 | opcode)
    }

    /// The operation `raw` (of major opcode `opcode`) encodes, and its
    /// `rs2` field as `Inst::Bit` holds it.
    pub fn decode(raw: u32) -> Option<(BitOp, u8)> {
        let (opcode, funct3) = (raw & 0x7f, (raw >> 12) & 7);
        TABLE
            .iter()
            .filter(|e| e.2 == opcode && e.3 == funct3)
            .find_map(|&(op, _, _, _, high, form)| {
                let field = match form {
                    Form::Reg | Form::Imm5 => (raw >> 25 == high).then_some((raw >> 20) & 0x1f),
                    Form::Imm6 => (raw >> 26 == high).then_some((raw >> 20) & 0x3f),
                    Form::Unary => (raw >> 20 == high).then_some(0),
                }?;
                Some((op, field as u8))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each operation decodes from its own encoding and from no other's.
    #[test]
    fn every_encoding_decodes_to_its_operation() {
        for &(op, name, ..) in &TABLE {
            let rs2 = match op.form() {
                Form::Unary => 0,
                _ => 23,
            };
            let raw = op
                .encode(5, 17, rs2)
                .unwrap_or_else(|| panic!("{name} encodes"));
            assert_eq!(BitOp::decode(raw), Some((op, rs2)), "{name}: {raw:#010x}");
        }
        let names: std::collections::HashSet<_> = TABLE.iter().map(|e| e.1).collect();
        assert_eq!(names.len(), TABLE.len(), "one entry per operation");
        for (i, e) in TABLE.iter().enumerate() {
            assert_eq!(
                e.0 as usize, i,
                "{}: the table is in declaration order",
                e.1
            );
        }
    }

    /// Every encoding as binutils 2.40 assembles it (`riscv64-unknown-elf-as
    /// -march=rv64gc_zba_zbb_zbc_zbs`, rd a0, rs1 a1, rs2 a2 or the immediate).
    #[test]
    fn encodings_match_the_assembler() {
        use BitOp::*;
        let cases = [
            (Sh1add, 12, 0x20c5a533),
            (Sh2add, 12, 0x20c5c533),
            (Sh3add, 12, 0x20c5e533),
            (AddUw, 12, 0x08c5853b),
            (Sh1addUw, 12, 0x20c5a53b),
            (Sh2addUw, 12, 0x20c5c53b),
            (Sh3addUw, 12, 0x20c5e53b),
            (SlliUw, 3, 0x0835951b),
            (Andn, 12, 0x40c5f533),
            (Orn, 12, 0x40c5e533),
            (Xnor, 12, 0x40c5c533),
            (Clz, 0, 0x60059513),
            (Clzw, 0, 0x6005951b),
            (Ctz, 0, 0x60159513),
            (Ctzw, 0, 0x6015951b),
            (Cpop, 0, 0x60259513),
            (Cpopw, 0, 0x6025951b),
            (Max, 12, 0x0ac5e533),
            (Maxu, 12, 0x0ac5f533),
            (Min, 12, 0x0ac5c533),
            (Minu, 12, 0x0ac5d533),
            (SextB, 0, 0x60459513),
            (SextH, 0, 0x60559513),
            (ZextH, 0, 0x0805c53b),
            (Rol, 12, 0x60c59533),
            (Rolw, 12, 0x60c5953b),
            (Ror, 12, 0x60c5d533),
            (Rorw, 12, 0x60c5d53b),
            (Rori, 33, 0x6215d513),
            (Roriw, 7, 0x6075d51b),
            (OrcB, 0, 0x2875d513),
            (Rev8, 0, 0x6b85d513),
            (Bclr, 12, 0x48c59533),
            (Bclri, 40, 0x4a859513),
            (Bext, 12, 0x48c5d533),
            (Bexti, 40, 0x4a85d513),
            (Binv, 12, 0x68c59533),
            (Binvi, 40, 0x6a859513),
            (Bset, 12, 0x28c59533),
            (Bseti, 40, 0x2a859513),
            (Clmul, 12, 0x0ac59533),
            (Clmulr, 12, 0x0ac5a533),
            (Clmulh, 12, 0x0ac5b533),
        ];
        assert_eq!(cases.len(), TABLE.len());
        for (op, rs2, raw) in cases {
            assert_eq!(op.encode(10, 11, rs2), Some(raw), "{op:?}");
            assert_eq!(BitOp::decode(raw), Some((op, rs2)), "{op:?}");
        }
    }
}
