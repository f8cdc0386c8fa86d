//! The `hecmap` command line.

mod cli;

/// mimalloc: loading a state allocates millions of small strings and
/// vectors, and the system allocator spends a third of the load on them
/// (see `benches/scale.rs`, which uses the same allocator).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
