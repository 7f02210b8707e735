//! Differential test against QEMU: random RV64GC instruction streams, with
//! Zba/Zbb/Zbc/Zbs (ALU, M, bit manipulation,
//! compressed, loads/stores (some misaligned), AMOs and LR/SC, F/D in every
//! rounding mode with fflags, forward branches and jumps, self-modifying code
//! with `fence.i`, and instructions that trap: illegal and reserved encodings,
//! `ebreak`, reserved rounding modes, misaligned atomics) run in
//! `qemu-riscv64-static` (user mode, traps arrive as signals) and on a bare
//! rvisor hart (M-mode, traps go to a handler); the architectural state after
//! the stream (x1..x31, f0..f31, fcsr, the scratch memory, and the log of
//! traps: cause and pc) must agree bit for bit.
//!
//! Environment: `RVISOR_DIFF_PROGRAMS` (default 100) programs of
//! `RVISOR_DIFF_UNITS` (default 250) random units each, seeds
//! `RVISOR_DIFF_SEED` (default 1) onwards. A mismatch prints the seed, the
//! disassembly of the shortest failing prefix and the differing state.

#[path = "diff_qemu/enc.rs"]
mod enc;
#[path = "diff_qemu/prog.rs"]
mod prog;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use prog::{
    Program, CODE_BASE, DATA_BASE, DATA_OFFSET, DUMP_F, DUMP_FCSR, DUMP_LEN, DUMP_TRAPS, DUMP_X,
    MAX_TRAPS, SAVE,
};
use rvisor_cpu::csr::mstatus;
use rvisor_cpu::{Exit, Hart, HartConfig, HartSignals};
use rvisor_isa::{decode, decode_compressed, disasm_at, insn_len};
use rvisor_memory::{BusBuilder, Clock, GuestRam, TimerQueue};

const QEMU: &str = "qemu-riscv64-static";

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// A minimal static RISC-V ELF: one RWX `PT_LOAD` at `CODE_BASE`.
fn elf(image: &[u8]) -> Vec<u8> {
    const OFF: u64 = 0x1000;
    let mut e = Vec::with_capacity(OFF as usize + image.len());
    e.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
    e.extend_from_slice(&[0; 8]);
    e.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    e.extend_from_slice(&243u16.to_le_bytes()); // EM_RISCV
    e.extend_from_slice(&1u32.to_le_bytes());
    e.extend_from_slice(&CODE_BASE.to_le_bytes()); // entry
    e.extend_from_slice(&64u64.to_le_bytes()); // phoff
    e.extend_from_slice(&0u64.to_le_bytes()); // shoff
    e.extend_from_slice(&5u32.to_le_bytes()); // RVC | double-float ABI
    for v in [64u16, 56, 1, 64, 0, 0] {
        e.extend_from_slice(&v.to_le_bytes());
    }
    e.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    e.extend_from_slice(&7u32.to_le_bytes()); // RWX
    let len = image.len() as u64;
    for v in [OFF, CODE_BASE, CODE_BASE, len, len, 0x1000] {
        e.extend_from_slice(&v.to_le_bytes());
    }
    e.resize(OFF as usize, 0);
    e.extend_from_slice(image);
    e
}

fn run_qemu(p: &Program, path: &Path) -> Result<Vec<u8>, String> {
    let mut f = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(&elf(&p.image()))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // QEMU's loader, like the kernel's, refuses a file without exec permission.
    f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    drop(f);
    // RV64GC with the bit-manipulation extensions rvisor's hart has,
    // named (whatever the QEMU version's default).
    let out = Command::new(QEMU)
        .args(["-cpu", "rv64,zba=true,zbb=true,zbc=true,zbs=true"])
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run {QEMU}: {e}"))?;
    if !out.status.success() || out.stdout.len() != DUMP_LEN {
        return Err(format!(
            "QEMU: {} with {} bytes of output (want {DUMP_LEN}); stderr: {}",
            out.status,
            out.stdout.len(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out.stdout)
}

fn run_rvisor(p: &Program) -> Result<Vec<u8>, String> {
    let ram = Arc::new(GuestRam::new(CODE_BASE, 1 << 20).expect("guest RAM"));
    assert!(ram.write_bytes(0, &p.image()));
    let bus = Arc::new(BusBuilder::new(ram.clone()).build());
    let mut h = Hart::new(
        HartConfig::machine(0, CODE_BASE),
        bus,
        HartSignals::new(),
        TimerQueue::new(Clock::new()),
    );
    h.csr.mstatus |= mstatus::FS_INITIAL;
    h.csr.mtvec = p.trap_pc;
    h.csr.mscratch = SAVE;
    assert!(ram.write_bytes(SAVE - CODE_BASE + 48, &p.ecall_pc.to_le_bytes()));
    let log = DATA_BASE + DUMP_TRAPS as u64;
    assert!(ram.write_bytes(SAVE - CODE_BASE + 56, &log.to_le_bytes()));
    let exit = h.run(1_000_000);
    if exit != Exit::Wfi || h.csr.mcause != 11 || h.csr.mepc != p.ecall_pc {
        return Err(format!(
            "rvisor: {exit:?} at pc {:#x}, mcause {} mepc {:#x} mtval {:#x} (want the ecall at {:#x})",
            h.pc, h.csr.mcause, h.csr.mepc, h.csr.mtval, p.ecall_pc
        ));
    }
    let mut dump = vec![0; DUMP_LEN];
    assert!(ram.read_bytes(DATA_OFFSET as u64, &mut dump));
    // mcause as the signal QEMU's user mode delivers for it
    let n = (word(&dump, DUMP_TRAPS) as usize).min(MAX_TRAPS);
    for k in 0..n {
        let at = DUMP_TRAPS + 8 + 16 * k;
        let sig: u64 = match word(&dump, at) {
            2 => 4,     // illegal instruction: SIGILL
            3 => 5,     // breakpoint: SIGTRAP
            4 | 6 => 7, // misaligned: SIGBUS
            _ => 11,    // access and page faults: SIGSEGV
        };
        dump[at..at + 8].copy_from_slice(&sig.to_le_bytes());
    }
    Ok(dump)
}

fn listing(p: &Program) -> String {
    let mut s = String::new();
    let mut off = p.stream.start;
    while off < p.stream.end {
        let pc = CODE_BASE + off as u64;
        let lo = u16::from_le_bytes([p.code[off], p.code[off + 1]]);
        let (inst, raw, len) = if insn_len(lo) == 2 {
            (decode_compressed(lo), format!("    {lo:04x}"), 2)
        } else {
            let w = u32::from_le_bytes(p.code[off..off + 4].try_into().unwrap());
            (decode(w), format!("{w:08x}"), 4)
        };
        s += &format!("  {pc:#x}: {raw}  {}\n", disasm_at(&inst, pc));
        off += len;
    }
    s
}

fn word(d: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(d[off..off + 8].try_into().unwrap())
}

/// The differing state, one line per field; empty if equal.
fn diff(qemu: &[u8], rv: &[u8]) -> String {
    let mut s = String::new();
    let mut field = |name: String, off: usize| {
        let (q, r) = (word(qemu, off), word(rv, off));
        if q != r {
            s += &format!("  {name:>12}: qemu {q:#018x}  rvisor {r:#018x}\n");
        }
    };
    for x in 1..32 {
        field(format!("x{x}"), DUMP_X + 8 * x);
    }
    for f in 0..32 {
        field(format!("f{f}"), DUMP_F + 8 * f);
    }
    field("fcsr".into(), DUMP_FCSR);
    field("traps".into(), DUMP_TRAPS);
    for k in 0..MAX_TRAPS {
        field(format!("trap{k} signal"), DUMP_TRAPS + 8 + 16 * k);
        field(format!("trap{k} pc"), DUMP_TRAPS + 16 + 16 * k);
    }
    for m in (0..prog::SCRATCH).step_by(8) {
        field(format!("mem[{m:#x}]"), m);
    }
    s
}

/// The differing state of program (`seed`, `units`), or why a side failed
/// (`None` if both agree), and how many traps QEMU logged.
fn compare(seed: u64, units: u32, path: &Path) -> Result<(Option<String>, u64), String> {
    let p = prog::program(seed, units);
    let q = run_qemu(&p, path)?;
    let d = match run_rvisor(&p) {
        Ok(r) => diff(&q, &r),
        Err(e) => e + "\n",
    };
    Ok(((!d.is_empty()).then_some(d), word(&q, DUMP_TRAPS)))
}

/// Ok(traps compared), or the failure report.
fn check(seed: u64, units: u32, path: &Path) -> Result<u64, String> {
    let d = match compare(seed, units, path)? {
        (None, traps) => return Ok(traps),
        (Some(d), _) => d,
    };
    // Shortest failing prefix (bisection; a later unit may hide an earlier
    // difference, so this is a good guess, not a proof).
    let (mut ok, mut bad, mut bad_diff) = (0, units, d);
    while bad - ok > 1 {
        let mid = ok + (bad - ok) / 2;
        match compare(seed, mid, path)?.0 {
            Some(d) => (bad, bad_diff) = (mid, d),
            None => ok = mid,
        }
    }
    let p = prog::program(seed, bad);
    Err(format!(
        "seed {seed}: differs from QEMU (rerun with RVISOR_DIFF_SEED={seed} RVISOR_DIFF_PROGRAMS=1 \
         RVISOR_DIFF_UNITS={units}); the first {bad} of its {units} units already differ, \
         the last of them at the end of this listing:\n{}differs:\n{bad_diff}",
        listing(&p)
    ))
}

fn qemu_present() {
    let ok = Command::new(QEMU)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "{QEMU} not found: the differential test needs QEMU user mode as its oracle; \
         install it (Debian: apt-get install qemu-user-static)"
    );
}

fn tmp_elf(worker: usize) -> PathBuf {
    std::env::temp_dir().join(format!("rvisor-diff-{}-{worker}.elf", std::process::id()))
}

#[test]
fn random_streams_match_qemu() {
    qemu_present();
    let programs = env_u64("RVISOR_DIFF_PROGRAMS", 100);
    let units = env_u64("RVISOR_DIFF_UNITS", 250) as u32;
    let first = env_u64("RVISOR_DIFF_SEED", 1);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = Instant::now();
    let (failures, traps) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                s.spawn(move || {
                    let path = tmp_elf(w);
                    let (mut fails, mut traps) = (Vec::new(), 0);
                    let mut seed = first + w as u64;
                    while seed < first + programs {
                        match check(seed, units, &path) {
                            Ok(n) => traps += n,
                            Err(e) => fails.push(e),
                        }
                        seed += workers as u64;
                    }
                    let _ = std::fs::remove_file(&path);
                    (fails, traps)
                })
            })
            .collect();
        let mut all = (Vec::new(), 0);
        for h in handles {
            let (fails, traps) = h.join().expect("worker");
            all.0.extend(fails);
            all.1 += traps;
        }
        all
    });
    let insns: usize = (first..first + programs)
        .map(|s| count_insns(&prog::program(s, units)))
        .sum();
    eprintln!(
        "diff_qemu: {programs} programs, {insns} stream instructions, {traps} traps, {} failed, {:.2} s",
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    for f in failures.iter().take(3) {
        eprintln!("{f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {programs} random programs differ from QEMU (first shown above)",
        failures.len()
    );
}

fn count_insns(p: &Program) -> usize {
    let mut n = 0;
    let mut off = p.stream.start;
    while off < p.stream.end {
        off += insn_len(u16::from_le_bytes([p.code[off], p.code[off + 1]]));
        n += 1;
    }
    n
}

/// The test's own compressed encoder agrees with rvisor's decoder on the
/// expansions it relies on (base registers x2/x9 and offsets): a generator
/// bug would otherwise send accesses outside the scratch buffer.
#[test]
fn compressed_encoder_matches_decoder() {
    use enc::*;
    use rvisor_isa::Inst;
    assert_eq!(
        decode_compressed(c_mem(3, 10, 9, 248)),
        Inst::Ld {
            rd: 10,
            rs1: 9,
            imm: 248
        }
    );
    assert_eq!(
        decode_compressed(c_mem(6, 15, 9, 124)),
        Inst::Sw {
            rs1: 9,
            rs2: 15,
            imm: 124
        }
    );
    assert_eq!(
        decode_compressed(c_load_sp(3, 7, 504)),
        Inst::Ld {
            rd: 7,
            rs1: 2,
            imm: 504
        }
    );
    assert_eq!(
        decode_compressed(c_load_sp(2, 7, 252)),
        Inst::Lw {
            rd: 7,
            rs1: 2,
            imm: 252
        }
    );
    assert_eq!(
        decode_compressed(c_store_sp(5, 31, 496)),
        Inst::Fsd {
            rs1: 2,
            rs2: 31,
            imm: 496
        }
    );
    assert_eq!(
        decode_compressed(c_store_sp(6, 1, 252)),
        Inst::Sw {
            rs1: 2,
            rs2: 1,
            imm: 252
        }
    );
    assert_eq!(
        decode_compressed(c_addi4spn(8, 1020)),
        Inst::Addi {
            rd: 8,
            rs1: 2,
            imm: 1020
        }
    );
    assert_eq!(
        decode_compressed(c_branch(true, 8, 254)),
        Inst::Bne {
            rs1: 8,
            rs2: 0,
            imm: 254
        }
    );
    assert_eq!(decode_compressed(c_j(2046)), Inst::Jal { rd: 0, imm: 2046 });
    assert_eq!(
        decode(b(5, 3, 4, 4094)),
        Inst::Bge {
            rs1: 3,
            rs2: 4,
            imm: 4094
        }
    );
    assert_eq!(decode(j(1, 4096 + 2)), Inst::Jal { rd: 1, imm: 4098 });
}

/// The comparison can fail: rvisor running a program whose initial f7
/// differs from QEMU's must be reported (guards against a harness that
/// compares nothing).
#[test]
fn a_different_program_is_caught() {
    qemu_present();
    let path = tmp_elf(99);
    let p = prog::program(7, 100);
    let q = run_qemu(&p, &path).expect("QEMU runs the program");
    let _ = std::fs::remove_file(&path);
    let mut changed = prog::program(7, 100);
    changed.perturb();
    let r = run_rvisor(&changed).expect("rvisor runs the program");
    assert!(!diff(&q, &r).is_empty());
    let r = run_rvisor(&p).expect("rvisor runs the program");
    assert!(diff(&q, &r).is_empty(), "{}", diff(&q, &r));
    eprintln!("{}", listing(&p));
}
