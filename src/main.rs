//! The `paperfig` binary: everything lives in the library (`paperfig::cli`).

fn main() -> std::process::ExitCode {
    paperfig::cli::main()
}
