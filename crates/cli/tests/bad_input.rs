//! Bad user input gets one clear line on stderr and a non-zero exit, never a
//! panic or a backtrace.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rvisor"))
        .args(args)
        .output()
        .expect("spawn rvisor");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), err)
}

fn assert_one_line_error(args: &[&str], needle: &str) {
    let (code, err) = run(args);
    assert_ne!(code, 0, "{args:?} should fail");
    assert_eq!(
        err.lines().count(),
        1,
        "{args:?}: expected one line, got:\n{err}"
    );
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

/// A file in the temporary directory, removed when dropped (a run of the
/// suite used to leave 3 MB behind).
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn temp_file(name: &str, bytes: &[u8]) -> TempFile {
    let p = std::env::temp_dir().join(format!("rvisor-bad-input-{}-{name}", std::process::id()));
    std::fs::write(&p, bytes).expect("write temp file");
    TempFile(p)
}

#[test]
fn bad_input_missing_file_is_one_line() {
    assert_one_line_error(
        &["run", "--firmware", "/nonexistent/fw.bin"],
        "cannot read firmware",
    );
}

#[test]
fn bad_input_elf_for_another_machine_is_one_line() {
    let exe = std::env::current_exe().expect("test binary path");
    assert_one_line_error(
        &["run", "--firmware", exe.to_str().expect("utf-8")],
        "not RISC-V",
    );
}

#[test]
fn bad_input_truncated_elf_is_one_line() {
    let f = temp_file("trunc.elf", b"\x7fELF\x02\x01\x01\0\0\0");
    assert_one_line_error(&["run", "--firmware", f.path()], "ELF");
}

#[test]
fn bad_input_program_larger_than_ram_is_one_line() {
    let f = temp_file("big.bin", &vec![0x13u8; 3 << 20]);
    assert_one_line_error(
        &["run", "--firmware", f.path(), "--mem", "2M"],
        "does not fit in guest RAM",
    );
}

#[test]
fn bad_input_unknown_flag_is_one_line() {
    assert_one_line_error(&["run", "--no-such-flag"], "unexpected argument");
}

#[test]
fn bad_input_zero_cpus_and_tiny_mem_are_one_line() {
    assert_one_line_error(&["run", "--cpus", "0"], "--cpus");
    assert_one_line_error(&["run", "--mem", "1K"], "too small");
    assert_one_line_error(&["run", "--mem", "12Q"], "size");
}

#[test]
fn bad_input_translation_cache_size_is_one_line() {
    assert_one_line_error(&["run", "--tcache-size", "64K"], "--tcache-size");
    assert_one_line_error(&["run", "--tcache-size", "2G"], "--tcache-size");
    assert_one_line_error(&["run", "--tcache-size", "lots"], "size");
}

#[test]
fn bad_input_kernel_image_as_firmware_and_truncated_kernel_are_one_line() {
    let mut img = vec![0u8; 100];
    img[0x30..0x38].copy_from_slice(b"RISCV\0\0\0");
    img[0x38..0x3c].copy_from_slice(b"RSC\x05");
    img[16..24].copy_from_slice(&0x10_0000u64.to_le_bytes());
    let f = temp_file("Image", &img);
    assert_one_line_error(&["run", "--firmware", f.path()], "--kernel");
    let fw = temp_file("fw.bin", &[0x73, 0, 0x50, 0x10]);
    assert_one_line_error(
        &["run", "--firmware", fw.path(), "--kernel", f.path()],
        "truncated",
    );
}

#[test]
fn bad_input_jit_threads_is_one_line() {
    assert_one_line_error(&["run", "--jit-threads", "9"], "--jit-threads");
    assert_one_line_error(&["run", "--jit-threads", "many"], "--jit-threads");
}
