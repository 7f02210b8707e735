//! Translating on host threads of their own.
//!
//! Emitting a block's host code took 5.6 µs on average: 125 ms of a
//! 1.5 s one-hart Debian boot (22 K translations), all of it on the hart's
//! thread while the guest waited. A host with a core to spare can do that
//! work beside the hart: the hart decodes the hot block (it needs the
//! guest's memory for that), hands the ops to a [`Compiler`] thread and
//! interprets on; the code comes back as a [`Template`], which the hart
//! installs the way it installs another hart's published code
//! (`Jit::adopt`: relocated into its own cache, and only if the guest bytes
//! it was made from are still those in memory). Emitting is a pure function
//! of the ops, the pcs, the memory modes and the register guess, so a
//! thread that sees nothing of the hart makes the same code.
//!
//! Each hart keeps its own book of blocks it sent ([`Outbox`]); a result
//! it no longer wants (the block went cold, or its code changed) is
//! dropped unused.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rvisor_cpu::interp::Op;

use crate::emit::{self, Request};
use crate::library::Template;

/// Blocks one hart may have in the compiler's hands at once: past that it
/// translates on its own thread. Code for a burst of newly hot blocks
/// comes sooner that way than from a queue (64 queued gave 160 µs of
/// waiting per block, and a slower boot). 4 against 2: READY −1.0, −1.5
/// and −1.9 % in three rounds; 8 as 4.
const MAX_PENDING: usize = 4;

/// How long a compiler thread looks for work before it sleeps. Waking a
/// sleeping thread takes the sending hart a system call and the block
/// ~20 µs (most of a boot's gain went there); blocks turn hot in bursts.
/// The thread spins at `SCHED_IDLE`, on cycles no other thread wants.
const SPIN: Duration = Duration::from_micros(300);

/// Jobs this close together make a burst, which the thread spins for:
/// a guest in its steady state (CoreMark in a booted Linux guest) sends a
/// block now and then, and spinning after each cost it 1–7 %.
const BURST: Duration = Duration::from_millis(1);

/// Asks for a block's code before the hart stops waiting for the
/// compiler and translates it itself.
const MAX_WAITS: u32 = 16;

/// Results kept for blocks not asked for again: past that they are
/// dropped (their blocks are translated anew if they turn hot again).
const MAX_READY: usize = 4096;

/// A block to translate.
struct Job {
    ops: Arc<[Op]>,
    req: Request,
    reply: Sender<Done>,
}

/// A translation made by a compiler thread.
pub(crate) struct Done {
    pub pc: u64,
    pub pa: u64,
    /// Whether it counts on registers holding narrow values.
    pub guessed: bool,
    /// It guessed divisors (see `emit::divisor`).
    pub divided: bool,
    /// Its ways into loops check narrow registers (see
    /// `emit::narrow::plan_guarded`), all but these.
    pub guarded: Option<[(u16, u32); crate::emit::UNGUARDED]>,
    /// Its loads and stores under address translation may share probes
    /// (see `emit::groups`).
    pub grouped: bool,
    /// The code (`None`: nothing was translatable, or emitting failed).
    pub template: Option<Template>,
}

/// Threads that translate blocks the harts of one machine send them.
pub struct Compiler {
    jobs: Sender<Job>,
    /// Whether a host core is free now: harts send blocks, and the
    /// threads spin for them, only then (with none free a thread at
    /// `SCHED_IDLE` gets no time, and a block would wait for nothing).
    spare: Spare,
    /// The queue's other end when no thread serves it (tests run it by
    /// hand with [`Compiler::run_queued`]).
    manual: Option<Mutex<Receiver<Job>>>,
}

impl std::fmt::Debug for Compiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiler")
            .field("manual", &self.manual.is_some())
            .finish_non_exhaustive()
    }
}

type Spare = Arc<dyn Fn() -> bool + Send + Sync>;

impl Compiler {
    /// A compiler served by `threads` host threads (named `rvisor-jit`,
    /// at `SCHED_IDLE`), which end when the compiler is dropped; it takes
    /// work, and its threads spin for it, while `spare()` (a host core is
    /// free).
    pub fn spawn(
        threads: usize,
        spare: impl Fn() -> bool + Send + Sync + 'static,
    ) -> std::io::Result<Arc<Self>> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let spare: Spare = Arc::new(spare);
        for _ in 0..threads.max(1) {
            let (queue, spare) = (queue.clone(), spare.clone());
            std::thread::Builder::new()
                .name("rvisor-jit".into())
                .spawn(move || {
                    idle_priority();
                    serve(&queue, &*spare)
                })?;
        }
        Ok(Arc::new(Self {
            jobs,
            spare,
            manual: None,
        }))
    }

    /// A compiler with no thread: jobs wait until [`Self::run_queued`].
    #[doc(hidden)]
    pub fn manual() -> Arc<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        Arc::new(Self {
            jobs,
            spare: Arc::new(|| true),
            manual: Some(Mutex::new(queue)),
        })
    }

    /// Translate the queued jobs on this thread (a manual compiler's).
    /// Returns how many there were.
    #[doc(hidden)]
    pub fn run_queued(&self) -> usize {
        let Some(queue) = &self.manual else {
            return 0;
        };
        let queue = queue.lock().unwrap_or_else(|e| e.into_inner());
        let mut n = 0;
        while let Ok(job) = queue.try_recv() {
            run(job);
            n += 1;
        }
        n
    }
}

/// A compiler thread's loop, until the compiler is dropped. It spins for
/// work only while `spare()` says a host core is free.
fn serve(queue: &Mutex<Receiver<Job>>, spare: &(dyn Fn() -> bool + Send + Sync)) {
    // When the job before the last one came: jobs in a burst are spun
    // for, a lone one is not.
    let mut before = None::<Instant>;
    loop {
        let job = {
            let queue = queue.lock().unwrap_or_else(|e| e.into_inner());
            let t0 = Instant::now();
            let burst = before.is_some_and(|b| t0.duration_since(b) < BURST);
            loop {
                match queue.try_recv() {
                    Ok(j) => break Ok(j),
                    Err(mpsc::TryRecvError::Disconnected) => return,
                    Err(mpsc::TryRecvError::Empty) => {}
                }
                if !burst || t0.elapsed() >= SPIN || !spare() {
                    break queue.recv();
                }
                std::hint::spin_loop();
            }
        };
        match job {
            Ok(job) => {
                before = Some(Instant::now());
                run(job);
            }
            Err(_) => return,
        }
    }
}

fn run(job: Job) {
    // A panic here would be the emitter's bug, which a hart translating
    // for itself would meet as well: the hart is told nothing came of it
    // and translates the block on its own thread.
    let req = job.req;
    let made = std::panic::catch_unwind(AssertUnwindSafe(|| emit::translate(&job.ops, req)))
        .ok()
        .flatten();
    let template = made.map(|e| Template {
        guest: crate::guest_bytes(job.ops.get(..e.insns).unwrap_or(&job.ops), req.pa),
        code: e.code.into_boxed_slice(),
        base: req.base,
        entry: e.entry,
        insns: e.insns,
        relocs: e.relocs.into_boxed_slice(),
        ops: job.ops.clone(),
        modes: req.modes,
    });
    // A hart that is gone wants nothing.
    let _ = job.reply.send(Done {
        pc: req.pc,
        pa: req.pa,
        guessed: req.guess & !1 != 0,
        guarded: (req.guess & 1 != 0).then_some(req.unguarded),
        divided: req.divisors.any(),
        grouped: req.grouping,
        template,
    });
}

/// What one hart sent a compiler and got back.
pub(crate) struct Outbox {
    compiler: Arc<Compiler>,
    reply: Sender<Done>,
    results: Receiver<Done>,
    /// Blocks sent, and how many times each was asked for since.
    pending: HashMap<(u64, u64), u32>,
    ready: HashMap<(u64, u64), Done>,
}

/// What became of a block sent to the compiler.
pub(crate) enum Sent {
    /// Never sent (or its result already taken).
    No,
    /// In the queue or being translated.
    Pending,
    /// Still not back after `MAX_WAITS` asks: the compiler gets no host
    /// time (a `SCHED_IDLE` thread while every core runs a hart).
    Late,
    /// Back.
    Done(Done),
}

impl Outbox {
    pub fn new(compiler: Arc<Compiler>) -> Self {
        let (reply, results) = mpsc::channel();
        Self {
            compiler,
            reply,
            results,
            pending: HashMap::new(),
            ready: HashMap::new(),
        }
    }

    /// The state of the block at (`pc`, `pa`); a result is handed over
    /// (and forgotten here).
    pub fn take(&mut self, pc: u64, pa: u64) -> Sent {
        while let Ok(done) = self.results.try_recv() {
            let key = (done.pc, done.pa);
            self.pending.remove(&key);
            if self.ready.len() >= MAX_READY {
                self.ready.clear();
            }
            self.ready.insert(key, done);
        }
        if let Some(done) = self.ready.remove(&(pc, pa)) {
            Sent::Done(done)
        } else if let Some(waits) = self.pending.get_mut(&(pc, pa)) {
            *waits += 1;
            if *waits > MAX_WAITS {
                // Its result, if it comes, waits in `ready` like any other.
                self.pending.remove(&(pc, pa));
                Sent::Late
            } else {
                Sent::Pending
            }
        } else {
            Sent::No
        }
    }

    /// Queue the translation of `ops` for `req`. False if the hart has
    /// enough in the compiler's hands, no host core is free, or the
    /// compiler is gone: the caller translates it itself.
    pub fn send(&mut self, ops: Arc<[Op]>, req: Request) -> bool {
        if self.pending.len() >= MAX_PENDING || !(self.compiler.spare)() {
            return false;
        }
        let job = Job {
            ops,
            req,
            reply: self.reply.clone(),
        };
        if self.compiler.jobs.send(job).is_err() {
            return false;
        }
        self.pending.insert((req.pc, req.pa), 0);
        true
    }
}

/// Run the calling thread only when no other thread wants its core
/// (`SCHED_IDLE`): a hart woken on the core a compiler thread spins on
/// gets it at once.
fn idle_priority() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: `sched_setscheduler` on the calling thread (pid 0) with a
    // valid, initialized parameter; it reads `param` only during the call.
    let _ = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
}
