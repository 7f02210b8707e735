//! The VMM: builds a VM from a `VmConfig`, runs one host thread per hart and
//! handles what the harts cannot (exits, power-off, stats).
