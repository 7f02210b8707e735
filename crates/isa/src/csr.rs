//! CSR numbers (privileged spec, chapter "Control and Status Registers",
//! "CSR Listing" tables; unprivileged spec for `fflags`/`frm`/`fcsr` and the
//! Zicntr/Zihpm counters) and their names.
//!
//! Covers what an RV64 M/S/U hart with F/D, Zicntr, Zihpm, Sstc, PMP and the
//! Sdtrig/Sdext debug registers can name. RV32-only high halves (`mstatush`,
//! `cycleh`, ...) and the H extension are deliberately absent. The constants
//! keep the spec's names in upper case; Linux spells them `CSR_<NAME>`.

/// Declares each CSR once; the constants, [`ALL`], [`csr_name`] and
/// [`csr_by_name`] are all generated from that single list so they cannot drift.
macro_rules! csr_table {
    ($( $(#[$meta:meta])* $name:ident = $num:literal, $text:literal; )*) => {
        $( $(#[$meta])* pub const $name: u16 = $num; )*

        /// Every CSR this module names, as `(number, spec name)`, in table order.
        pub const ALL: &[(u16, &str)] = &[ $( ($num, $text), )* ];

        /// The spec's lower-case name of a CSR number, if it is one we know.
        pub fn csr_name(csr: u16) -> Option<&'static str> {
            match csr {
                $( $num => Some($text), )*
                _ => None,
            }
        }

        /// The CSR number for a spec name (lower case, as `csr_name` returns it).
        pub fn csr_by_name(name: &str) -> Option<u16> {
            match name {
                $( $text => Some($num), )*
                _ => None,
            }
        }
    };
}

csr_table! {
    /// Floating-point accrued exceptions (F §"fcsr").
    FFLAGS = 0x001, "fflags";
    /// Floating-point dynamic rounding mode (F §"fcsr").
    FRM = 0x002, "frm";
    /// Floating-point control and status register (`frm` + `fflags`).
    FCSR = 0x003, "fcsr";
    /// Cycle counter for RDCYCLE (Zicntr).
    CYCLE = 0xC00, "cycle";
    /// Timer for RDTIME (Zicntr).
    TIME = 0xC01, "time";
    /// Instructions-retired counter for RDINSTRET (Zicntr).
    INSTRET = 0xC02, "instret";
    /// Performance-monitoring counter 3, user read-only shadow (Zihpm).
    HPMCOUNTER3 = 0xC03, "hpmcounter3";
    /// Performance-monitoring counter 4, user read-only shadow (Zihpm).
    HPMCOUNTER4 = 0xC04, "hpmcounter4";
    /// Performance-monitoring counter 5, user read-only shadow (Zihpm).
    HPMCOUNTER5 = 0xC05, "hpmcounter5";
    /// Performance-monitoring counter 6, user read-only shadow (Zihpm).
    HPMCOUNTER6 = 0xC06, "hpmcounter6";
    /// Performance-monitoring counter 7, user read-only shadow (Zihpm).
    HPMCOUNTER7 = 0xC07, "hpmcounter7";
    /// Performance-monitoring counter 8, user read-only shadow (Zihpm).
    HPMCOUNTER8 = 0xC08, "hpmcounter8";
    /// Performance-monitoring counter 9, user read-only shadow (Zihpm).
    HPMCOUNTER9 = 0xC09, "hpmcounter9";
    /// Performance-monitoring counter 10, user read-only shadow (Zihpm).
    HPMCOUNTER10 = 0xC0A, "hpmcounter10";
    /// Performance-monitoring counter 11, user read-only shadow (Zihpm).
    HPMCOUNTER11 = 0xC0B, "hpmcounter11";
    /// Performance-monitoring counter 12, user read-only shadow (Zihpm).
    HPMCOUNTER12 = 0xC0C, "hpmcounter12";
    /// Performance-monitoring counter 13, user read-only shadow (Zihpm).
    HPMCOUNTER13 = 0xC0D, "hpmcounter13";
    /// Performance-monitoring counter 14, user read-only shadow (Zihpm).
    HPMCOUNTER14 = 0xC0E, "hpmcounter14";
    /// Performance-monitoring counter 15, user read-only shadow (Zihpm).
    HPMCOUNTER15 = 0xC0F, "hpmcounter15";
    /// Performance-monitoring counter 16, user read-only shadow (Zihpm).
    HPMCOUNTER16 = 0xC10, "hpmcounter16";
    /// Performance-monitoring counter 17, user read-only shadow (Zihpm).
    HPMCOUNTER17 = 0xC11, "hpmcounter17";
    /// Performance-monitoring counter 18, user read-only shadow (Zihpm).
    HPMCOUNTER18 = 0xC12, "hpmcounter18";
    /// Performance-monitoring counter 19, user read-only shadow (Zihpm).
    HPMCOUNTER19 = 0xC13, "hpmcounter19";
    /// Performance-monitoring counter 20, user read-only shadow (Zihpm).
    HPMCOUNTER20 = 0xC14, "hpmcounter20";
    /// Performance-monitoring counter 21, user read-only shadow (Zihpm).
    HPMCOUNTER21 = 0xC15, "hpmcounter21";
    /// Performance-monitoring counter 22, user read-only shadow (Zihpm).
    HPMCOUNTER22 = 0xC16, "hpmcounter22";
    /// Performance-monitoring counter 23, user read-only shadow (Zihpm).
    HPMCOUNTER23 = 0xC17, "hpmcounter23";
    /// Performance-monitoring counter 24, user read-only shadow (Zihpm).
    HPMCOUNTER24 = 0xC18, "hpmcounter24";
    /// Performance-monitoring counter 25, user read-only shadow (Zihpm).
    HPMCOUNTER25 = 0xC19, "hpmcounter25";
    /// Performance-monitoring counter 26, user read-only shadow (Zihpm).
    HPMCOUNTER26 = 0xC1A, "hpmcounter26";
    /// Performance-monitoring counter 27, user read-only shadow (Zihpm).
    HPMCOUNTER27 = 0xC1B, "hpmcounter27";
    /// Performance-monitoring counter 28, user read-only shadow (Zihpm).
    HPMCOUNTER28 = 0xC1C, "hpmcounter28";
    /// Performance-monitoring counter 29, user read-only shadow (Zihpm).
    HPMCOUNTER29 = 0xC1D, "hpmcounter29";
    /// Performance-monitoring counter 30, user read-only shadow (Zihpm).
    HPMCOUNTER30 = 0xC1E, "hpmcounter30";
    /// Performance-monitoring counter 31, user read-only shadow (Zihpm).
    HPMCOUNTER31 = 0xC1F, "hpmcounter31";
    /// Supervisor status register (a restricted view of `mstatus`).
    SSTATUS = 0x100, "sstatus";
    /// Supervisor interrupt-enable register.
    SIE = 0x104, "sie";
    /// Supervisor trap handler base address.
    STVEC = 0x105, "stvec";
    /// Supervisor counter enable.
    SCOUNTEREN = 0x106, "scounteren";
    /// Supervisor environment configuration register.
    SENVCFG = 0x10A, "senvcfg";
    /// Scratch register for supervisor trap handlers.
    SSCRATCH = 0x140, "sscratch";
    /// Supervisor exception program counter.
    SEPC = 0x141, "sepc";
    /// Supervisor trap cause.
    SCAUSE = 0x142, "scause";
    /// Supervisor bad address or instruction.
    STVAL = 0x143, "stval";
    /// Supervisor interrupt pending.
    SIP = 0x144, "sip";
    /// Supervisor timer compare (Sstc).
    STIMECMP = 0x14D, "stimecmp";
    /// Supervisor address translation and protection.
    SATP = 0x180, "satp";
    /// Supervisor-mode context register (Sdtrig).
    SCONTEXT = 0x5A8, "scontext";
    /// Vendor ID.
    MVENDORID = 0xF11, "mvendorid";
    /// Architecture ID.
    MARCHID = 0xF12, "marchid";
    /// Implementation ID.
    MIMPID = 0xF13, "mimpid";
    /// Hardware thread ID.
    MHARTID = 0xF14, "mhartid";
    /// Pointer to configuration data structure.
    MCONFIGPTR = 0xF15, "mconfigptr";
    /// Machine status register.
    MSTATUS = 0x300, "mstatus";
    /// ISA and extensions.
    MISA = 0x301, "misa";
    /// Machine exception delegation register.
    MEDELEG = 0x302, "medeleg";
    /// Machine interrupt delegation register.
    MIDELEG = 0x303, "mideleg";
    /// Machine interrupt-enable register.
    MIE = 0x304, "mie";
    /// Machine trap-handler base address.
    MTVEC = 0x305, "mtvec";
    /// Machine counter enable.
    MCOUNTEREN = 0x306, "mcounteren";
    /// Machine environment configuration register.
    MENVCFG = 0x30A, "menvcfg";
    /// Machine counter-inhibit register.
    MCOUNTINHIBIT = 0x320, "mcountinhibit";
    /// Machine performance-monitoring event selector 3.
    MHPMEVENT3 = 0x323, "mhpmevent3";
    /// Machine performance-monitoring event selector 4.
    MHPMEVENT4 = 0x324, "mhpmevent4";
    /// Machine performance-monitoring event selector 5.
    MHPMEVENT5 = 0x325, "mhpmevent5";
    /// Machine performance-monitoring event selector 6.
    MHPMEVENT6 = 0x326, "mhpmevent6";
    /// Machine performance-monitoring event selector 7.
    MHPMEVENT7 = 0x327, "mhpmevent7";
    /// Machine performance-monitoring event selector 8.
    MHPMEVENT8 = 0x328, "mhpmevent8";
    /// Machine performance-monitoring event selector 9.
    MHPMEVENT9 = 0x329, "mhpmevent9";
    /// Machine performance-monitoring event selector 10.
    MHPMEVENT10 = 0x32A, "mhpmevent10";
    /// Machine performance-monitoring event selector 11.
    MHPMEVENT11 = 0x32B, "mhpmevent11";
    /// Machine performance-monitoring event selector 12.
    MHPMEVENT12 = 0x32C, "mhpmevent12";
    /// Machine performance-monitoring event selector 13.
    MHPMEVENT13 = 0x32D, "mhpmevent13";
    /// Machine performance-monitoring event selector 14.
    MHPMEVENT14 = 0x32E, "mhpmevent14";
    /// Machine performance-monitoring event selector 15.
    MHPMEVENT15 = 0x32F, "mhpmevent15";
    /// Machine performance-monitoring event selector 16.
    MHPMEVENT16 = 0x330, "mhpmevent16";
    /// Machine performance-monitoring event selector 17.
    MHPMEVENT17 = 0x331, "mhpmevent17";
    /// Machine performance-monitoring event selector 18.
    MHPMEVENT18 = 0x332, "mhpmevent18";
    /// Machine performance-monitoring event selector 19.
    MHPMEVENT19 = 0x333, "mhpmevent19";
    /// Machine performance-monitoring event selector 20.
    MHPMEVENT20 = 0x334, "mhpmevent20";
    /// Machine performance-monitoring event selector 21.
    MHPMEVENT21 = 0x335, "mhpmevent21";
    /// Machine performance-monitoring event selector 22.
    MHPMEVENT22 = 0x336, "mhpmevent22";
    /// Machine performance-monitoring event selector 23.
    MHPMEVENT23 = 0x337, "mhpmevent23";
    /// Machine performance-monitoring event selector 24.
    MHPMEVENT24 = 0x338, "mhpmevent24";
    /// Machine performance-monitoring event selector 25.
    MHPMEVENT25 = 0x339, "mhpmevent25";
    /// Machine performance-monitoring event selector 26.
    MHPMEVENT26 = 0x33A, "mhpmevent26";
    /// Machine performance-monitoring event selector 27.
    MHPMEVENT27 = 0x33B, "mhpmevent27";
    /// Machine performance-monitoring event selector 28.
    MHPMEVENT28 = 0x33C, "mhpmevent28";
    /// Machine performance-monitoring event selector 29.
    MHPMEVENT29 = 0x33D, "mhpmevent29";
    /// Machine performance-monitoring event selector 30.
    MHPMEVENT30 = 0x33E, "mhpmevent30";
    /// Machine performance-monitoring event selector 31.
    MHPMEVENT31 = 0x33F, "mhpmevent31";
    /// Scratch register for machine trap handlers.
    MSCRATCH = 0x340, "mscratch";
    /// Machine exception program counter.
    MEPC = 0x341, "mepc";
    /// Machine trap cause.
    MCAUSE = 0x342, "mcause";
    /// Machine bad address or instruction.
    MTVAL = 0x343, "mtval";
    /// Machine interrupt pending.
    MIP = 0x344, "mip";
    /// Machine trap instruction (transformed).
    MTINST = 0x34A, "mtinst";
    /// Machine bad guest physical address.
    MTVAL2 = 0x34B, "mtval2";
    /// Physical memory protection configuration 0.
    PMPCFG0 = 0x3A0, "pmpcfg0";
    /// Physical memory protection configuration 1. Odd-numbered `pmpcfg` registers exist only on RV32; an RV64 hart treats them as illegal.
    PMPCFG1 = 0x3A1, "pmpcfg1";
    /// Physical memory protection configuration 2.
    PMPCFG2 = 0x3A2, "pmpcfg2";
    /// Physical memory protection configuration 3. Odd-numbered `pmpcfg` registers exist only on RV32; an RV64 hart treats them as illegal.
    PMPCFG3 = 0x3A3, "pmpcfg3";
    /// Physical memory protection configuration 4.
    PMPCFG4 = 0x3A4, "pmpcfg4";
    /// Physical memory protection configuration 5. Odd-numbered `pmpcfg` registers exist only on RV32; an RV64 hart treats them as illegal.
    PMPCFG5 = 0x3A5, "pmpcfg5";
    /// Physical memory protection configuration 6.
    PMPCFG6 = 0x3A6, "pmpcfg6";
    /// Physical memory protection configuration 7. Odd-numbered `pmpcfg` registers exist only on RV32; an RV64 hart treats them as illegal.
    PMPCFG7 = 0x3A7, "pmpcfg7";
    /// Physical memory protection configuration 8.
    PMPCFG8 = 0x3A8, "pmpcfg8";
    /// Physical memory protection configuration 9. Odd-numbered `pmpcfg` registers exist only on RV32; an RV64 hart treats them as illegal.
    PMPCFG9 = 0x3A9, "pmpcfg9";
    /// Physical memory protection configuration 10.
    PMPCFG10 = 0x3AA, "pmpcfg10";
    /// Physical memory protection configuration 11. Odd-numbered `pmpcfg` registers exist only on RV32; an RV64 hart treats them as illegal.
    PMPCFG11 = 0x3AB, "pmpcfg11";
    /// Physical memory protection configuration 12.
    PMPCFG12 = 0x3AC, "pmpcfg12";
    /// Physical memory protection configuration 13. Odd-numbered `pmpcfg` registers exist only on RV32; an RV64 hart treats them as illegal.
    PMPCFG13 = 0x3AD, "pmpcfg13";
    /// Physical memory protection configuration 14.
    PMPCFG14 = 0x3AE, "pmpcfg14";
    /// Physical memory protection configuration 15. Odd-numbered `pmpcfg` registers exist only on RV32; an RV64 hart treats them as illegal.
    PMPCFG15 = 0x3AF, "pmpcfg15";
    /// Physical memory protection address register 0.
    PMPADDR0 = 0x3B0, "pmpaddr0";
    /// Physical memory protection address register 1.
    PMPADDR1 = 0x3B1, "pmpaddr1";
    /// Physical memory protection address register 2.
    PMPADDR2 = 0x3B2, "pmpaddr2";
    /// Physical memory protection address register 3.
    PMPADDR3 = 0x3B3, "pmpaddr3";
    /// Physical memory protection address register 4.
    PMPADDR4 = 0x3B4, "pmpaddr4";
    /// Physical memory protection address register 5.
    PMPADDR5 = 0x3B5, "pmpaddr5";
    /// Physical memory protection address register 6.
    PMPADDR6 = 0x3B6, "pmpaddr6";
    /// Physical memory protection address register 7.
    PMPADDR7 = 0x3B7, "pmpaddr7";
    /// Physical memory protection address register 8.
    PMPADDR8 = 0x3B8, "pmpaddr8";
    /// Physical memory protection address register 9.
    PMPADDR9 = 0x3B9, "pmpaddr9";
    /// Physical memory protection address register 10.
    PMPADDR10 = 0x3BA, "pmpaddr10";
    /// Physical memory protection address register 11.
    PMPADDR11 = 0x3BB, "pmpaddr11";
    /// Physical memory protection address register 12.
    PMPADDR12 = 0x3BC, "pmpaddr12";
    /// Physical memory protection address register 13.
    PMPADDR13 = 0x3BD, "pmpaddr13";
    /// Physical memory protection address register 14.
    PMPADDR14 = 0x3BE, "pmpaddr14";
    /// Physical memory protection address register 15.
    PMPADDR15 = 0x3BF, "pmpaddr15";
    /// Physical memory protection address register 16.
    PMPADDR16 = 0x3C0, "pmpaddr16";
    /// Physical memory protection address register 17.
    PMPADDR17 = 0x3C1, "pmpaddr17";
    /// Physical memory protection address register 18.
    PMPADDR18 = 0x3C2, "pmpaddr18";
    /// Physical memory protection address register 19.
    PMPADDR19 = 0x3C3, "pmpaddr19";
    /// Physical memory protection address register 20.
    PMPADDR20 = 0x3C4, "pmpaddr20";
    /// Physical memory protection address register 21.
    PMPADDR21 = 0x3C5, "pmpaddr21";
    /// Physical memory protection address register 22.
    PMPADDR22 = 0x3C6, "pmpaddr22";
    /// Physical memory protection address register 23.
    PMPADDR23 = 0x3C7, "pmpaddr23";
    /// Physical memory protection address register 24.
    PMPADDR24 = 0x3C8, "pmpaddr24";
    /// Physical memory protection address register 25.
    PMPADDR25 = 0x3C9, "pmpaddr25";
    /// Physical memory protection address register 26.
    PMPADDR26 = 0x3CA, "pmpaddr26";
    /// Physical memory protection address register 27.
    PMPADDR27 = 0x3CB, "pmpaddr27";
    /// Physical memory protection address register 28.
    PMPADDR28 = 0x3CC, "pmpaddr28";
    /// Physical memory protection address register 29.
    PMPADDR29 = 0x3CD, "pmpaddr29";
    /// Physical memory protection address register 30.
    PMPADDR30 = 0x3CE, "pmpaddr30";
    /// Physical memory protection address register 31.
    PMPADDR31 = 0x3CF, "pmpaddr31";
    /// Physical memory protection address register 32.
    PMPADDR32 = 0x3D0, "pmpaddr32";
    /// Physical memory protection address register 33.
    PMPADDR33 = 0x3D1, "pmpaddr33";
    /// Physical memory protection address register 34.
    PMPADDR34 = 0x3D2, "pmpaddr34";
    /// Physical memory protection address register 35.
    PMPADDR35 = 0x3D3, "pmpaddr35";
    /// Physical memory protection address register 36.
    PMPADDR36 = 0x3D4, "pmpaddr36";
    /// Physical memory protection address register 37.
    PMPADDR37 = 0x3D5, "pmpaddr37";
    /// Physical memory protection address register 38.
    PMPADDR38 = 0x3D6, "pmpaddr38";
    /// Physical memory protection address register 39.
    PMPADDR39 = 0x3D7, "pmpaddr39";
    /// Physical memory protection address register 40.
    PMPADDR40 = 0x3D8, "pmpaddr40";
    /// Physical memory protection address register 41.
    PMPADDR41 = 0x3D9, "pmpaddr41";
    /// Physical memory protection address register 42.
    PMPADDR42 = 0x3DA, "pmpaddr42";
    /// Physical memory protection address register 43.
    PMPADDR43 = 0x3DB, "pmpaddr43";
    /// Physical memory protection address register 44.
    PMPADDR44 = 0x3DC, "pmpaddr44";
    /// Physical memory protection address register 45.
    PMPADDR45 = 0x3DD, "pmpaddr45";
    /// Physical memory protection address register 46.
    PMPADDR46 = 0x3DE, "pmpaddr46";
    /// Physical memory protection address register 47.
    PMPADDR47 = 0x3DF, "pmpaddr47";
    /// Physical memory protection address register 48.
    PMPADDR48 = 0x3E0, "pmpaddr48";
    /// Physical memory protection address register 49.
    PMPADDR49 = 0x3E1, "pmpaddr49";
    /// Physical memory protection address register 50.
    PMPADDR50 = 0x3E2, "pmpaddr50";
    /// Physical memory protection address register 51.
    PMPADDR51 = 0x3E3, "pmpaddr51";
    /// Physical memory protection address register 52.
    PMPADDR52 = 0x3E4, "pmpaddr52";
    /// Physical memory protection address register 53.
    PMPADDR53 = 0x3E5, "pmpaddr53";
    /// Physical memory protection address register 54.
    PMPADDR54 = 0x3E6, "pmpaddr54";
    /// Physical memory protection address register 55.
    PMPADDR55 = 0x3E7, "pmpaddr55";
    /// Physical memory protection address register 56.
    PMPADDR56 = 0x3E8, "pmpaddr56";
    /// Physical memory protection address register 57.
    PMPADDR57 = 0x3E9, "pmpaddr57";
    /// Physical memory protection address register 58.
    PMPADDR58 = 0x3EA, "pmpaddr58";
    /// Physical memory protection address register 59.
    PMPADDR59 = 0x3EB, "pmpaddr59";
    /// Physical memory protection address register 60.
    PMPADDR60 = 0x3EC, "pmpaddr60";
    /// Physical memory protection address register 61.
    PMPADDR61 = 0x3ED, "pmpaddr61";
    /// Physical memory protection address register 62.
    PMPADDR62 = 0x3EE, "pmpaddr62";
    /// Physical memory protection address register 63.
    PMPADDR63 = 0x3EF, "pmpaddr63";
    /// Machine security configuration register.
    MSECCFG = 0x747, "mseccfg";
    /// Debug/trace trigger register select.
    TSELECT = 0x7A0, "tselect";
    /// First debug/trace trigger data register.
    TDATA1 = 0x7A1, "tdata1";
    /// Second debug/trace trigger data register.
    TDATA2 = 0x7A2, "tdata2";
    /// Third debug/trace trigger data register.
    TDATA3 = 0x7A3, "tdata3";
    /// Trigger info (Sdtrig).
    TINFO = 0x7A4, "tinfo";
    /// Trigger control (Sdtrig).
    TCONTROL = 0x7A5, "tcontrol";
    /// Machine-mode context register (Sdtrig).
    MCONTEXT = 0x7A8, "mcontext";
    /// Debug control and status register (debug mode only).
    DCSR = 0x7B0, "dcsr";
    /// Debug program counter (debug mode only).
    DPC = 0x7B1, "dpc";
    /// Debug scratch register 0 (debug mode only).
    DSCRATCH0 = 0x7B2, "dscratch0";
    /// Debug scratch register 1 (debug mode only).
    DSCRATCH1 = 0x7B3, "dscratch1";
    /// Machine cycle counter.
    MCYCLE = 0xB00, "mcycle";
    /// Machine instructions-retired counter.
    MINSTRET = 0xB02, "minstret";
    /// Machine performance-monitoring counter 3.
    MHPMCOUNTER3 = 0xB03, "mhpmcounter3";
    /// Machine performance-monitoring counter 4.
    MHPMCOUNTER4 = 0xB04, "mhpmcounter4";
    /// Machine performance-monitoring counter 5.
    MHPMCOUNTER5 = 0xB05, "mhpmcounter5";
    /// Machine performance-monitoring counter 6.
    MHPMCOUNTER6 = 0xB06, "mhpmcounter6";
    /// Machine performance-monitoring counter 7.
    MHPMCOUNTER7 = 0xB07, "mhpmcounter7";
    /// Machine performance-monitoring counter 8.
    MHPMCOUNTER8 = 0xB08, "mhpmcounter8";
    /// Machine performance-monitoring counter 9.
    MHPMCOUNTER9 = 0xB09, "mhpmcounter9";
    /// Machine performance-monitoring counter 10.
    MHPMCOUNTER10 = 0xB0A, "mhpmcounter10";
    /// Machine performance-monitoring counter 11.
    MHPMCOUNTER11 = 0xB0B, "mhpmcounter11";
    /// Machine performance-monitoring counter 12.
    MHPMCOUNTER12 = 0xB0C, "mhpmcounter12";
    /// Machine performance-monitoring counter 13.
    MHPMCOUNTER13 = 0xB0D, "mhpmcounter13";
    /// Machine performance-monitoring counter 14.
    MHPMCOUNTER14 = 0xB0E, "mhpmcounter14";
    /// Machine performance-monitoring counter 15.
    MHPMCOUNTER15 = 0xB0F, "mhpmcounter15";
    /// Machine performance-monitoring counter 16.
    MHPMCOUNTER16 = 0xB10, "mhpmcounter16";
    /// Machine performance-monitoring counter 17.
    MHPMCOUNTER17 = 0xB11, "mhpmcounter17";
    /// Machine performance-monitoring counter 18.
    MHPMCOUNTER18 = 0xB12, "mhpmcounter18";
    /// Machine performance-monitoring counter 19.
    MHPMCOUNTER19 = 0xB13, "mhpmcounter19";
    /// Machine performance-monitoring counter 20.
    MHPMCOUNTER20 = 0xB14, "mhpmcounter20";
    /// Machine performance-monitoring counter 21.
    MHPMCOUNTER21 = 0xB15, "mhpmcounter21";
    /// Machine performance-monitoring counter 22.
    MHPMCOUNTER22 = 0xB16, "mhpmcounter22";
    /// Machine performance-monitoring counter 23.
    MHPMCOUNTER23 = 0xB17, "mhpmcounter23";
    /// Machine performance-monitoring counter 24.
    MHPMCOUNTER24 = 0xB18, "mhpmcounter24";
    /// Machine performance-monitoring counter 25.
    MHPMCOUNTER25 = 0xB19, "mhpmcounter25";
    /// Machine performance-monitoring counter 26.
    MHPMCOUNTER26 = 0xB1A, "mhpmcounter26";
    /// Machine performance-monitoring counter 27.
    MHPMCOUNTER27 = 0xB1B, "mhpmcounter27";
    /// Machine performance-monitoring counter 28.
    MHPMCOUNTER28 = 0xB1C, "mhpmcounter28";
    /// Machine performance-monitoring counter 29.
    MHPMCOUNTER29 = 0xB1D, "mhpmcounter29";
    /// Machine performance-monitoring counter 30.
    MHPMCOUNTER30 = 0xB1E, "mhpmcounter30";
    /// Machine performance-monitoring counter 31.
    MHPMCOUNTER31 = 0xB1F, "mhpmcounter31";

}

/// Number of `hpmcounterN`/`mhpmcounterN`/`mhpmeventN` registers (N = 3..=31).
pub const HPM_COUNT: u16 = 29;

/// `hpmcounterN` for `n` in 3..=31, else `None`.
pub fn hpmcounter(n: u16) -> Option<u16> {
    (3..=31).contains(&n).then(|| CYCLE + n)
}

/// `mhpmcounterN` for `n` in 3..=31, else `None`.
pub fn mhpmcounter(n: u16) -> Option<u16> {
    (3..=31).contains(&n).then(|| MCYCLE + n)
}

/// `mhpmeventN` for `n` in 3..=31, else `None`.
pub fn mhpmevent(n: u16) -> Option<u16> {
    (3..=31).contains(&n).then(|| MCOUNTINHIBIT + n)
}

/// `pmpcfgN` for `n` in 0..=15, else `None`.
pub fn pmpcfg(n: u16) -> Option<u16> {
    (n < 16).then(|| PMPCFG0 + n)
}

/// `pmpaddrN` for `n` in 0..=63, else `None`.
pub fn pmpaddr(n: u16) -> Option<u16> {
    (n < 64).then(|| PMPADDR0 + n)
}

/// True if the CSR number is in a read-only range (bits 11:10 = `0b11`);
/// writing one raises illegal-instruction whatever the privilege.
pub fn is_read_only(csr: u16) -> bool {
    (csr >> 10) & 3 == 3
}

/// Lowest privilege level allowed to access the CSR (bits 9:8: 0 U, 1 S,
/// 2 hypervisor, 3 M), as the CSR address convention assigns it.
pub fn min_privilege(csr: u16) -> u8 {
    // Masked to two bits, so the narrowing cannot lose information.
    ((csr >> 8) & 3) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_name_known_numbers_match_spec() {
        assert_eq!(csr_name(0x300), Some("mstatus"));
        assert_eq!(csr_name(0x180), Some("satp"));
        assert_eq!(csr_name(0x14D), Some("stimecmp"));
        assert_eq!(csr_name(0xC1F), Some("hpmcounter31"));
        assert_eq!(csr_name(0x3EF), Some("pmpaddr63"));
        assert_eq!(csr_name(0x33F), Some("mhpmevent31"));
        assert_eq!(csr_name(0xB03), Some("mhpmcounter3"));
    }

    #[test]
    fn csr_name_unknown_number_is_none() {
        // 0xB01 would be mtime but the spec leaves it unallocated; 0x310 is mstatush (RV32).
        assert_eq!(csr_name(0xB01), None);
        assert_eq!(csr_name(0x310), None);
        assert_eq!(csr_name(0xFFF), None);
    }

    #[test]
    fn csr_table_numbers_and_names_unique() {
        for (i, (num, name)) in ALL.iter().enumerate() {
            for (other_num, other_name) in &ALL[i + 1..] {
                assert_ne!(num, other_num, "{name} duplicates {other_name}");
                assert_ne!(name, other_name);
            }
            assert_eq!(csr_by_name(name), Some(*num));
            assert_eq!(csr_name(*num), Some(*name));
        }
    }

    #[test]
    fn csr_ranges_helpers_cover_all_indices() {
        assert_eq!(hpmcounter(3), Some(HPMCOUNTER3));
        assert_eq!(hpmcounter(31), Some(HPMCOUNTER31));
        assert_eq!(hpmcounter(2), None);
        assert_eq!(mhpmcounter(31), Some(MHPMCOUNTER31));
        assert_eq!(mhpmevent(3), Some(MHPMEVENT3));
        assert_eq!(pmpcfg(15), Some(PMPCFG15));
        assert_eq!(pmpcfg(16), None);
        assert_eq!(pmpaddr(63), Some(PMPADDR63));
        assert_eq!(pmpaddr(64), None);
        assert_eq!(usize::from(HPM_COUNT), (3..=31).count());
    }

    #[test]
    fn csr_privilege_bits_decode_convention() {
        assert!(is_read_only(MHARTID));
        assert!(is_read_only(CYCLE));
        assert!(!is_read_only(MSTATUS));
        assert_eq!(min_privilege(CYCLE), 0);
        assert_eq!(min_privilege(SATP), 1);
        assert_eq!(min_privilege(MSTATUS), 3);
    }
}
