//! A deterministic mutation fuzzer over every parser of outside input, run by `cargo test`.
//!
//! Each target ([`targets`]) takes bytes, turns them into what the product reads (lossy UTF-8
//! text, a JSON body, a query) and calls the product's entry points. Inputs are the target's
//! seeds (real files of `../shared/corpus` and `examples/sample`, and handwritten edge cases),
//! generated documents ([`generate`]), and both mutated ([`mutate`]) by a seeded PRNG. Every
//! input runs under [`crate::panic::quietly`] and is timed. A panic, or an input slower than
//! the threshold (after two re-runs, to ignore a busy machine), is written to
//! `tests/fuzz-regressions/<target>/<hash>.bin` and fails the test; [`regressions_replay`]
//! runs every such file on every `cargo test`.
//!
//! Environment: `FUZZ_ITERATIONS` (inputs per target, default 2,000), `FUZZ_SEED`, `FUZZ_SLOW_MS`
//! (default 100 in release builds, 1,000 in debug ones), `FUZZ_TRACE=1` (write each input to
//! `$TMPDIR/skillmeat-fuzz-<target>.bin` before running it, to catch one that aborts).

mod generate;
mod mutate;
mod seeds;
mod targets;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Inputs per target unless `FUZZ_ITERATIONS` says otherwise.
const DEFAULT_ITERATIONS: u64 = 2_000;
/// Longest input tried (the scanner reads files of up to 1 MiB).
pub(crate) const MAX_INPUT: usize = 256 * 1024;

/// xorshift64*: small, fast, and the same on every machine.
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (any value, zero included).
    pub(crate) fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so that near seeds give unrelated streams and none is zero.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// True once in `n` times.
    pub(crate) fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// Feeds one input to the product.
pub(crate) type Run = Box<dyn Fn(&[u8])>;

/// One fuzz target.
pub(crate) struct Target {
    /// Folder name under `tests/fuzz-regressions/`.
    pub name: &'static str,
    /// Real and handwritten inputs.
    pub seeds: Vec<Vec<u8>>,
    /// Tokens worth inserting for this target (besides [`mutate::COMMON`]).
    pub tokens: &'static [&'static str],
    /// A structure-aware generator.
    pub generate: fn(&mut Rng) -> Vec<u8>,
    /// Feeds one input to the product.
    pub run: Run,
}

/// What went wrong with one input.
struct Failure {
    what: String,
    input: Vec<u8>,
}

/// Figures of one run.
#[derive(Default)]
struct Stats {
    inputs: u64,
    panics: u64,
    slow: u64,
    max: Duration,
    max_len: usize,
}

fn env_u64(key: &str) -> Option<u64> {
    std::env::var(key).ok().and_then(|v| v.trim().parse().ok())
}

fn slow_threshold() -> Duration {
    let default = if cfg!(debug_assertions) { 1000 } else { 100 };
    Duration::from_millis(env_u64("FUZZ_SLOW_MS").unwrap_or(default))
}

fn regressions_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target)
}

/// 64-bit FNV-1a, for file names and per-input choices.
pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Runs one input: `Err` on a panic or when even the fastest of three runs is too slow.
fn check(t: &Target, input: &[u8], slow: Duration, stats: &mut Stats) -> Result<(), String> {
    let timed = || {
        let start = Instant::now();
        let r = crate::panic::quietly(|| (t.run)(input));
        (r, start.elapsed())
    };
    let (r, mut took) = timed();
    stats.inputs += 1;
    if let Err(message) = r {
        stats.panics += 1;
        return Err(format!("panicked: {message}"));
    }
    if took > slow {
        took = took.min(timed().1).min(timed().1);
    }
    if took > stats.max {
        (stats.max, stats.max_len) = (took, input.len());
    }
    if took > slow {
        stats.slow += 1;
        return Err(format!("took {took:?} (over {slow:?})"));
    }
    Ok(())
}

/// Writes failing inputs as regression files; panics naming them.
fn report(t: &Target, failures: &[Failure]) {
    if failures.is_empty() {
        return;
    }
    let dir = regressions_dir(t.name);
    let mut lines = Vec::new();
    for f in failures {
        let path = dir.join(format!("{:016x}.bin", fnv(&f.input)));
        let saved = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &f.input));
        let note = saved
            .err()
            .map(|e| format!(" (not saved: {e})"))
            .unwrap_or_default();
        lines.push(format!("{}: {}{note}", path.display(), f.what));
    }
    panic!(
        "fuzz target {}: {} failing input(s):\n{}",
        t.name,
        failures.len(),
        lines.join("\n")
    );
}

/// Fuzzes `t`: its seeds as they are, then `FUZZ_ITERATIONS` generated or mutated inputs.
pub(crate) fn fuzz(t: &Target) {
    let iterations = env_u64("FUZZ_ITERATIONS").unwrap_or(DEFAULT_ITERATIONS);
    let seed = env_u64("FUZZ_SEED").unwrap_or(0x5eed) ^ fnv(t.name.as_bytes());
    let trace = std::env::var_os("FUZZ_TRACE")
        .map(|_| std::env::temp_dir().join(format!("skillmeat-fuzz-{}.bin", t.name)));
    let slow = slow_threshold();
    let mut rng = Rng::new(seed);
    let mut stats = Stats::default();
    let mut failures: Vec<Failure> = Vec::new();
    let started = Instant::now();
    let mut mutator = mutate::Mutator::new(&t.seeds, t.tokens);
    let mut i = 0u64;
    while i < iterations {
        let input = if (i as usize) < t.seeds.len() {
            t.seeds[i as usize].clone()
        } else {
            mutator.next_input(&mut rng, t.generate)
        };
        i += 1;
        if let Some(path) = &trace {
            // Best effort: the trace only helps to find an input that aborts the process.
            let _ = std::fs::write(path, &input);
        }
        if let Err(what) = check(t, &input, slow, &mut stats) {
            if failures.len() < 20 && !failures.iter().any(|f| f.input == input) {
                failures.push(Failure { what, input });
            }
        }
    }
    println!(
        "fuzz {}: {} inputs ({} seeds), {} panics, {} slow (> {} ms), max {:.3} ms (input of {} bytes), total {:.1} s",
        t.name,
        stats.inputs,
        t.seeds.len(),
        stats.panics,
        stats.slow,
        slow.as_millis(),
        stats.max.as_secs_f64() * 1e3,
        stats.max_len,
        started.elapsed().as_secs_f64()
    );
    report(t, &failures);
}

/// Runs every file in `tests/fuzz-regressions/<target>/` through its target.
#[test]
fn regressions_replay() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let Ok(dirs) = std::fs::read_dir(&root) else {
        return;
    };
    let slow = slow_threshold();
    let mut problems = Vec::new();
    for dir in dirs.flatten().filter(|d| d.path().is_dir()) {
        let name = dir.file_name().to_string_lossy().into_owned();
        let Some(make) = targets::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| f)
        else {
            problems.push(format!(
                "{}: no fuzz target of that name",
                dir.path().display()
            ));
            continue;
        };
        let t = make();
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.path())
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for f in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "bin"))
        {
            let input = std::fs::read(f).unwrap_or_default();
            if let Err(what) = check(&t, &input, slow, &mut Stats::default()) {
                problems.push(format!("{}: {what}", f.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn harness_reports_panics_and_slow_inputs() {
    let t = Target {
        name: "harness",
        seeds: Vec::new(),
        tokens: &[],
        generate: |_| Vec::new(),
        run: Box::new(|b| match b {
            b"boom" => panic!("boom"),
            b"slow" => std::thread::sleep(Duration::from_millis(30)),
            _ => {}
        }),
    };
    let (slow, mut stats) = (Duration::from_millis(20), Stats::default());
    assert!(check(&t, b"fine", slow, &mut stats).is_ok());
    let panicked = check(&t, b"boom", slow, &mut stats).unwrap_err();
    assert!(
        panicked.contains("boom at src/fuzz_tests/mod.rs"),
        "{panicked}"
    );
    assert!(
        check(&t, b"slow", slow, &mut stats)
            .unwrap_err()
            .contains("took")
    );
    assert_eq!((stats.inputs, stats.panics, stats.slow), (3, 1, 1));
}
