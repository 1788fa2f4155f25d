//! `paperfig-fakes`: serves every hosted-service fake on fixed loopback ports, for the
//! example project (`scripts/example` starts it for the build and stops it after).
//!
//! | service | base_url | key it accepts |
//! |---|---|---|
//! | PaperBanana | `http://127.0.0.1:47811` | `pb_example_key` |
//! | AutoFigureEdit | `http://127.0.0.1:47812/api/v1` | `sk-team-example` |
//! | Banana.dev | `http://127.0.0.1:47813/bananadev` | `bk_example_key` |
//! | Papermill | `http://127.0.0.1:47814` | `pmk_example_key` |
//!
//! Each fake is listed in `FAKES` with its port; adding a fake is one line there. Prints
//! `ready` on stdout once every port listens; runs until killed (SIGTERM/SIGINT).

use std::time::Duration;

use paperfig_fakes::{autofigureedit, banana, paperbanana, papermill};

/// Latency of every fake task: short, so the example builds quickly.
const LATENCY: Duration = Duration::from_millis(800);

fn fakes() -> Vec<(&'static str, u16, axum::Router)> {
    let pb = paperbanana::Config {
        keys: vec![("pb_example_key".into(), Some(1000))],
        latency: LATENCY,
        ..paperbanana::Config::default()
    };
    let afe = autofigureedit::Config {
        keys: vec!["sk-team-example".into()],
        credits: 12_000,
        latency: LATENCY,
        ..autofigureedit::Config::default()
    };
    let bn = banana::Banana::new("bk_example_key");
    for model in ["stable-diffusion-xl", "sdxl-url"] {
        let output = if model == "sdxl-url" {
            banana::Output::Url { field: "image_url".into() }
        } else {
            banana::Output::Base64 { field: "image_base64".into() }
        };
        bn.add_model(banana::Model { run_time: LATENCY, ..banana::Model::new(model, output) });
    }
    let pm = papermill::Papermill::new("pmk_example_key");
    pm.set_processing_time(LATENCY);
    vec![
        ("paperbanana", 47811, paperbanana::router(paperbanana::State::new(&pb))),
        ("autofigureedit", 47812, autofigureedit::router(autofigureedit::State::new(&afe))),
        ("banana", 47813, bn.router()),
        ("papermill", 47814, pm.router()),
    ]
}

fn main() -> std::process::ExitCode {
    let mut running = Vec::new();
    for (name, port, router) in fakes() {
        match paperfig_fakes::serve(router, port) {
            Ok(r) => {
                eprintln!("paperfig-fakes: {name} on {}", r.base_url());
                running.push(r);
            }
            Err(e) => {
                eprintln!("paperfig-fakes: cannot listen on 127.0.0.1:{port} for {name}: {e}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    println!("ready");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    });
    drop(running);
    std::process::ExitCode::SUCCESS
}
