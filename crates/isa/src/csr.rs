//! CSR numbers (privileged spec, "CSR Listing") and their names.

/// `fflags`
pub const FFLAGS: u16 = 0x001;
/// `frm`
pub const FRM: u16 = 0x002;
/// `fcsr`
pub const FCSR: u16 = 0x003;

/// The name of a CSR number, if it is one we know.
pub fn csr_name(csr: u16) -> Option<&'static str> {
    match csr {
        FFLAGS => Some("fflags"),
        FRM => Some("frm"),
        FCSR => Some("fcsr"),
        _ => None,
    }
}
