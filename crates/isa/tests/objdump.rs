//! Cross-check of the decoder and disassembler against GNU objdump.
//!
//! objdump (binutils) is an independent RISC-V decoder. For raw binaries it
//! assumes rv64gc (IMAFDC + Zicsr + Zifencei), exactly the ISA we implement,
//! so "we say illegal" must match "objdump prints `.2byte`/`.4byte`", and for
//! legal encodings the mnemonic (and, for 32-bit words, the operand text
//! printed by `disasm_at`) must agree with `-M no-aliases`.
//!
//! Known, deliberate differences that the comparison tolerates:
//! - `0x0000` (objdump: `c.unimp`) is illegal by the spec; we say illegal.
//! - `0xc0001073` (`csrrw zero,cycle,zero`) is printed `unimp` even with
//!   no-aliases; we decode it as `csrrw` (it traps at run time, not decode).
//! - `fence`/`fence.i` with non-zero reserved fields (rd, rs1, fence.i imm)
//!   and `fence` with a reserved `fm`: objdump rejects them, the spec says an
//!   implementation must ignore those fields, so we decode a fence.
//! - `fcvt.d.s`, `fcvt.d.w`, `fcvt.d.wu` with rm != 0: binutils 2.40 requires
//!   rm = 0 for these exact conversions; the spec (and QEMU/Spike) accept any
//!   valid rm. With rm = 0 objdump also omits the `,rne` we print.
//! - Reserved rounding modes 5 and 6: objdump prints `unknown`, the spec
//!   makes them illegal whatever `frm` holds; we say illegal.
//! - RVC: objdump accepts `c.addi16sp sp,0` (reserved, we say illegal) and
//!   names the RV64 shift-by-zero HINTs `c.slli64`/`c.srli64`/`c.srai64`.
//! - `uret`, `hret`, `sfence.vm` (gone from the current privileged spec)
//!   and `dret` (debug mode only): objdump decodes them, we say illegal.
//! - An empty fence set: objdump `unknown`, we print `0`.
//! - CSR numbers we have no name for (H, vector, ... CSRs we do not
//!   implement): objdump prints a name, we print hex.
//! - objdump's trailing `# address` comments are ignored.
//!
//! If objdump is missing the test fails: install it with
//! `apt-get install gcc-riscv64-unknown-elf`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use rvisor_isa::disasm::disasm_at;
use rvisor_isa::{decode, decode_compressed, Inst};

const OBJDUMP: &str = "riscv64-unknown-elf-objdump";

fn objdump_path() -> PathBuf {
    let fixed = Path::new("/usr/bin").join(OBJDUMP);
    if fixed.exists() {
        return fixed;
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(OBJDUMP))
                .find(|c| c.exists())
        })
        .unwrap_or(None);
    match on_path {
        Some(path) => path,
        None => panic!(
            "{OBJDUMP} not found; this test needs it: apt-get install gcc-riscv64-unknown-elf"
        ),
    }
}

/// Disassemble `bytes` with objdump; returns address -> (mnemonic, operands).
fn objdump(bytes: &[u8], name: &str) -> HashMap<u64, (String, String)> {
    let dir = std::env::temp_dir().join(format!("rvisor-isa-objdump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let file = dir.join(name);
    std::fs::write(&file, bytes).expect("write temp file");
    let out = Command::new(objdump_path())
        .args(["-D", "-b", "binary", "-m", "riscv:rv64", "-M", "no-aliases"])
        .arg(&file)
        .output()
        .expect("run objdump");
    assert!(
        out.status.success(),
        "objdump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_file(&file);
    let text = String::from_utf8_lossy(&out.stdout);
    let mut map = HashMap::new();
    for line in text.lines() {
        let mut cols = line.split('\t');
        let Some(addr) = cols.next().and_then(|a| a.trim().strip_suffix(':')) else {
            continue;
        };
        let Ok(addr) = u64::from_str_radix(addr, 16) else {
            continue;
        };
        let _bytes = cols.next();
        let mnemonic = cols.next().unwrap_or("").trim().to_string();
        let operands = cols.next().unwrap_or("");
        let operands = operands.split('#').next().unwrap_or("").trim().to_string();
        map.insert(addr, (mnemonic, operands));
    }
    map
}

fn objdump_says_illegal(mnemonic: &str) -> bool {
    mnemonic.starts_with(".2byte")
        || mnemonic.starts_with(".4byte")
        || mnemonic.starts_with(".insn")
        || mnemonic == "c.unimp"
        || mnemonic.is_empty()
}

/// The base mnemonic a compressed mnemonic expands to.
fn expand_c(mnemonic: &str) -> &str {
    match mnemonic {
        "c.addi4spn" | "c.nop" | "c.addi" | "c.li" | "c.addi16sp" => "addi",
        "c.fld" | "c.fldsp" => "fld",
        "c.lw" | "c.lwsp" => "lw",
        "c.ld" | "c.ldsp" => "ld",
        "c.fsd" | "c.fsdsp" => "fsd",
        "c.sw" | "c.swsp" => "sw",
        "c.sd" | "c.sdsp" => "sd",
        "c.j" => "jal",
        "c.jr" | "c.jalr" => "jalr",
        "c.beqz" => "beq",
        "c.bnez" => "bne",
        "c.mv" | "c.add" => "add",
        // RV128 names objdump uses for the RV64 shamt = 0 HINTs.
        "c.slli64" => "slli",
        "c.srli64" => "srli",
        "c.srai64" => "srai",
        other => other.strip_prefix("c.").unwrap_or(other),
    }
}

/// Our mnemonic including the AMO ordering suffix, as objdump prints it.
fn our_mnemonic(inst: &Inst) -> String {
    disasm_at(inst, 0)
        .split(' ')
        .next()
        .unwrap_or("")
        .to_string()
}

fn tolerated_32(raw: u32, inst: &Inst, objdump_mnemonic: &str) -> bool {
    let rm = (raw >> 12) & 7;
    match inst {
        Inst::Csrrw {
            rd: 0,
            rs1: 0,
            csr: 0xc00,
        } => objdump_mnemonic == "unimp",
        Inst::Fence { .. } | Inst::FenceI => objdump_says_illegal(objdump_mnemonic),
        Inst::FcvtDS { .. } | Inst::FcvtDW { .. } | Inst::FcvtDWu { .. } => {
            rm != 0 && objdump_says_illegal(objdump_mnemonic)
        }
        // A raw binary has no ISA attributes, and objdump disassembles it
        // as plain RV64GC: Zba/Zbb/Zbc/Zbs words are checked against an
        // object assembled for them (`objdump_agrees_on_bit_manipulation`).
        Inst::Bit { .. } => objdump_says_illegal(objdump_mnemonic),
        _ => false,
    }
}

fn operands_agree(inst: &Inst, ours: &str, theirs: &str) -> bool {
    let theirs = theirs.replace("unknown", "0");
    if ours == theirs {
        return true;
    }
    match inst {
        // objdump omits the rm of exact conversions.
        Inst::FcvtDS { .. } | Inst::FcvtDW { .. } | Inst::FcvtDWu { .. } => {
            ours.strip_suffix(",rne") == Some(theirs.as_str())
        }
        // A CSR we have no name for prints as hex; objdump may know a name.
        Inst::Csrrw { csr, .. }
        | Inst::Csrrs { csr, .. }
        | Inst::Csrrc { csr, .. }
        | Inst::Csrrwi { csr, .. }
        | Inst::Csrrsi { csr, .. }
        | Inst::Csrrci { csr, .. } => rvisor_isa::csr::csr_name(*csr).is_none(),
        _ => false,
    }
}

/// xorshift64, so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 32) as u32
    }
}

/// Random words, most with one of the opcodes we implement so that the
/// funct-field decoding is what gets exercised.
fn random_words(count: usize) -> Vec<u32> {
    const OPCODES: [u32; 20] = [
        0x03, 0x07, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x27, 0x2f, 0x33, 0x37, 0x3b, 0x43, 0x47, 0x4b,
        0x4f, 0x53, 0x63, 0x67, 0x73,
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..count)
        .map(|i| {
            let raw = rng.next();
            match i % 4 {
                // Bits 4:2 = 111 would announce a 48/64-bit instruction and
                // make objdump swallow the following words.
                0 if (raw >> 2) & 7 == 7 => (raw | 3) & !0x10,
                0 => raw | 3,
                // Sparse fields make the rs2/rd/rm = 0 special cases likely.
                1 => {
                    let sparse = raw & rng.next() & rng.next();
                    (sparse & !0x7f) | OPCODES[(rng.next() % 20) as usize]
                }
                _ => (raw & !0x7f) | OPCODES[(rng.next() % 20) as usize],
            }
        })
        .collect()
}

#[test]
fn objdump_agrees_on_random_32bit_words() {
    let words = random_words(200_000);
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let dump = objdump(&bytes, "words32.bin");
    let mut failures = Vec::new();
    for (i, &raw) in words.iter().enumerate() {
        let addr = 4 * i as u64;
        let (mnemonic, operands) = dump.get(&addr).cloned().unwrap_or_default();
        let inst = decode(raw);
        let ours = disasm_at(&inst, addr);
        let ok = match inst {
            // objdump prints reserved rounding modes 5 and 6 as `unknown`
            // instead of rejecting the word.
            Inst::Illegal { .. } if operands.ends_with(",unknown") && mnemonic.starts_with('f') => {
                matches!((raw >> 12) & 7, 5 | 6)
            }
            // Removed by the current privileged spec (N extension, priv 1.9)
            // or debug-mode only; objdump still knows them.
            Inst::Illegal { .. }
                if matches!(mnemonic.as_str(), "uret" | "hret" | "sfence.vm" | "dret") =>
            {
                true
            }
            Inst::Illegal { .. } => objdump_says_illegal(&mnemonic),
            _ if tolerated_32(raw, &inst, &mnemonic) => true,
            _ => {
                let our_ops = ours.split_once(' ').map(|(_, o)| o).unwrap_or("");
                our_mnemonic(&inst) == mnemonic && operands_agree(&inst, our_ops, &operands)
            }
        };
        if !ok {
            failures.push(format!(
                "{raw:#010x}: ours `{ours}`, objdump `{mnemonic} {operands}`"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(40)]
    );
}

#[test]
fn objdump_agrees_on_every_16bit_halfword() {
    // Halfwords ending in 0b11 start 32-bit instructions and would make
    // objdump read across two entries; the unit tests cover them.
    let halves: Vec<u16> = (0..=u16::MAX).filter(|h| h & 3 != 3).collect();
    let bytes: Vec<u8> = halves.iter().flat_map(|h| h.to_le_bytes()).collect();
    let dump = objdump(&bytes, "halves16.bin");
    let mut failures = Vec::new();
    for (i, &raw) in halves.iter().enumerate() {
        let (mnemonic, operands) = dump.get(&(2 * i as u64)).cloned().unwrap_or_default();
        let inst = decode_compressed(raw);
        let ok = match inst {
            // objdump accepts c.addi16sp with nzimm = 0, which the spec reserves.
            Inst::Illegal { .. } if mnemonic == "c.addi16sp" => operands == "sp,0",
            Inst::Illegal { .. } => objdump_says_illegal(&mnemonic),
            _ => our_mnemonic(&inst) == expand_c(&mnemonic),
        };
        if !ok {
            failures.push(format!(
                "{raw:#06x}: ours `{}`, objdump `{mnemonic} {operands}`",
                disasm_at(&inst, 0)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(40)]
    );
}

/// Zba/Zbb/Zbc/Zbs words (every operation, random registers and immediates),
/// assembled with `.insn` into an object whose ISA attributes name the
/// extensions, as objdump disassembles them.
#[test]
fn objdump_agrees_on_bit_manipulation() {
    use rvisor_isa::bitmanip::{Form, TABLE};
    let mut rng = Rng(0x5eed_b175);
    let mut words = Vec::new();
    for _ in 0..10 {
        for &(op, ..) in &TABLE {
            let rs2 = match op.form() {
                Form::Reg | Form::Imm5 => (rng.next() % 32) as u8,
                Form::Imm6 => (rng.next() % 64) as u8,
                Form::Unary => 0,
            };
            let (rd, rs1) = ((rng.next() % 32) as u8, (rng.next() % 32) as u8);
            words.push(op.encode(rd, rs1, rs2).expect("fields in range"));
        }
    }
    let dir = std::env::temp_dir().join(format!("rvisor-isa-bit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let (src, obj) = (dir.join("bit.s"), dir.join("bit.o"));
    let text: String = words.iter().map(|w| format!(".insn {w:#010x}\n")).collect();
    std::fs::write(&src, text).expect("write source");
    let assembler = objdump_path().with_file_name(OBJDUMP.replace("objdump", "as"));
    let out = Command::new(&assembler)
        .args(["-march=rv64gc_zba_zbb_zbc_zbs", "-o"])
        .arg(&obj)
        .arg(&src)
        .output()
        .expect("run the assembler");
    assert!(
        out.status.success(),
        "{}: {}",
        assembler.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(objdump_path())
        .args(["-d", "-M", "no-aliases"])
        .arg(&obj)
        .output()
        .expect("run objdump");
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| {
            let mut cols = l.split('\t');
            cols.next()?.trim().strip_suffix(':')?;
            let _bytes = cols.next()?;
            let mnemonic = cols.next()?.trim().to_string();
            Some((mnemonic, cols.next().unwrap_or("").trim().to_string()))
        })
        .collect();
    assert_eq!(lines.len(), words.len(), "objdump output:\n{text}");
    for (&raw, (mnemonic, operands)) in words.iter().zip(&lines) {
        let inst = decode(raw);
        assert!(
            matches!(inst, Inst::Bit { .. }),
            "{raw:#010x} decodes as {inst:?}"
        );
        let ours = disasm_at(&inst, 0);
        let our_ops = ours.split_once(' ').map(|(_, o)| o).unwrap_or("");
        assert_eq!(
            (our_mnemonic(&inst), our_ops),
            (mnemonic.clone(), operands.as_str()),
            "{raw:#010x}"
        );
    }
}
